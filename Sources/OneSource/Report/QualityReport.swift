import Foundation

/// The content of one quality report (the whole city, or one agency) for one run: scores by dimension,
/// the trend over the last runs, the rules that fail most with masked examples, tasks and deliveries.
/// Rendered as HTML and JSON from the same values.
public struct QualityReport {
    public struct Metric: Sendable {
        public let dimension: String
        public let numerator: Int
        public let denominator: Int
        public var ratio: Double { denominator == 0 ? 1 : Double(numerator) / Double(denominator) }
    }

    public struct DatasetScore: Sendable {
        public let id: String
        public let name: String
        public let agency: String
        public let metrics: [Metric]
        public var score: Double { QualityMetrics.score(Dictionary(uniqueKeysWithValues: metrics.map { ($0.dimension, $0.ratio) })) }
    }

    public struct RuleCount: Sendable {
        public let rule: String
        public let name: String
        public let dimension: String
        public let severity: String
        public let count: Int
        public let examples: [String]
    }

    public struct Delivery: Sendable {
        public let dataset: String
        public let name: String
        public let status: String
        public let deliveredOn: String?
        public let ageDays: Int?
        public let allowedDays: Int
        public let late: Bool
        public let duplicateOf: Int64?
        public let records: Int
        public let previousRecords: Int?
        public let sharpChange: Bool
    }

    public let title: String
    public let agency: Agency?
    public let runID: Int64
    public let runDate: String
    public let datasets: [DatasetScore]
    public let trend: [(run: Int64, date: String, score: Double)]
    public let rules: [RuleCount]
    public let tasks: [String: Int]
    public let deliveries: [Delivery]

    /// The scope's score: the mean of its datasets' scores.
    public var score: Double { datasets.isEmpty ? 0 : datasets.map(\.score).reduce(0, +) / Double(datasets.count) }

    /// Sums of each dimension's numerators and denominators over the scope.
    public var totals: [Metric] {
        QualityMetrics.measured.map { dimension in
            let metrics = datasets.flatMap(\.metrics).filter { $0.dimension == dimension }
            return Metric(dimension: dimension, numerator: metrics.reduce(0) { $0 + $1.numerator },
                          denominator: metrics.reduce(0) { $0 + $1.denominator })
        }
    }

    /// Builds the report of `agency` (nil: the whole city) for `run`, from stored metrics, findings and tasks.
    public static func build(_ database: Database, catalog: Catalog, run runID: Int64, agency code: String?) throws -> QualityReport {
        let run = try RunLedger(database: database).run(runID)
        let agency = code.flatMap { catalog.agency($0) }
        func datasetScores(_ run: Int64) throws -> [DatasetScore] {
            var byDataset: [String: [Metric]] = [:]
            var order: [String] = []
            for metric in try MetricTable(database: database).metrics(run: run, agency: code) {
                if byDataset[metric.dataset] == nil { order.append(metric.dataset) }
                byDataset[metric.dataset, default: []].append(Metric(dimension: metric.dimension, numerator: metric.numerator,
                                                                     denominator: metric.denominator))
            }
            return order.map { id in
                let metrics = QualityMetrics.measured.compactMap { dimension in byDataset[id]?.first { $0.dimension == dimension } }
                return DatasetScore(id: id, name: catalog.dataset(id)?.name ?? id, agency: catalog.dataset(id)?.agency ?? "", metrics: metrics)
            }
        }
        let datasets = try datasetScores(runID)
        var trend: [(Int64, String, Double)] = []
        for id in try MetricTable(database: database).measuredRuns(upTo: runID, limit: 10) {
            let scores = try datasetScores(id)
            guard !scores.isEmpty else { continue }
            trend.append((id, String(try RunLedger(database: database).run(id).date.description), scores.map(\.score).reduce(0, +) / Double(scores.count)))
        }
        // The rules that fail most, with masked examples.
        var rules: [RuleCount] = []
        for row in try FindingTable(database: database).topRules(run: runID, agency: code, limit: 10) {
            let rule = row.rule
            let name = catalog.ruleBook[rule]?.name ?? catalog.associations.first { $0.id == rule }?.name ?? rule
            let examples = try FindingListing.load(database, catalog: catalog, run: runID, filter: .init(rule: rule, limit: 50)).lines
                .filter { code == nil || $0.agency == code }.prefix(3).map(\.message)
            rules.append(RuleCount(rule: rule, name: name, dimension: row.dimension, severity: row.severity, count: row.count,
                                   examples: Array(examples)))
        }
        // Tasks as of the run's date.
        var tasks: [String: Int] = ["open": 0, "overdue": 0, "corrected": 0, "disputed": 0, "accepted": 0, "resolved": 0]
        for count in try TaskTable(database: database).counts(agency: code, on: run.date) {
            let key = count.status.awaitsAgency ? "open" : count.status.rawValue
            tasks[key, default: 0] += count.count
            if count.status.awaitsAgency && count.pastDue { tasks["overdue", default: 0] += count.count }
        }
        tasks["provisional"] = try TaskTable(database: database).provisionalCount(agency: code)
        let deliveries = try DeliveryTable(database: database).deliveries(run: runID)
            .filter { code == nil || catalog.dataset($0.dataset)?.agency == code }.map { d in
            Delivery(dataset: d.dataset, name: catalog.dataset(d.dataset)?.name ?? "", status: d.status.rawValue, deliveredOn: d.deliveredOn,
                     ageDays: d.ageDays, allowedDays: d.allowedDays, late: d.late, duplicateOf: d.duplicateOf, records: d.records,
                     previousRecords: d.previousRecords, sharpChange: d.sharpChange)
        }
        let title = agency.map { "\($0.name) 数据质量报告" } ?? "泰州市公共数据质量报告"
        return QualityReport(title: title, agency: agency, runID: runID, runDate: run.date.description, datasets: datasets,
                             trend: trend, rules: rules, tasks: tasks, deliveries: deliveries)
    }

    /// The same content for machines.
    public func json() throws -> Data {
        func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }
        let object: [String: Any] = [
            "title": title,
            "agency": agency.map { ["code": $0.code, "name": $0.name] } ?? NSNull(),
            "run": ["id": runID, "date": runDate],
            "score": round(score),
            "weights": QualityMetrics.scoreWeights,
            "dimensions": totals.map { ["dimension": $0.dimension, "name": QualityMetrics.chineseNames[$0.dimension] ?? "",
                                        "numerator": $0.numerator, "denominator": $0.denominator, "ratio": round($0.ratio)] },
            "datasets": datasets.map { dataset in
                ["id": dataset.id, "name": dataset.name, "agency": dataset.agency, "score": round(dataset.score),
                 "metrics": dataset.metrics.map { ["dimension": $0.dimension, "numerator": $0.numerator, "denominator": $0.denominator,
                                                   "ratio": round($0.ratio)] }] as [String: Any]
            },
            "trend": trend.map { ["run": $0.run, "date": $0.date, "score": round($0.score)] as [String: Any] },
            "rules": rules.map { ["rule": $0.rule, "name": $0.name, "dimension": $0.dimension, "severity": $0.severity,
                                  "count": $0.count, "examples": $0.examples] as [String: Any] },
            "tasks": tasks,
            "deliveries": deliveries.map { delivery in
                ["dataset": delivery.dataset, "name": delivery.name, "status": delivery.status,
                 "deliveredOn": delivery.deliveredOn ?? NSNull(), "ageDays": delivery.ageDays ?? NSNull(),
                 "allowedDays": delivery.allowedDays, "late": delivery.late, "duplicateOfRun": delivery.duplicateOf ?? NSNull(),
                 "records": delivery.records, "previousRecords": delivery.previousRecords ?? NSNull(),
                 "sharpChange": delivery.sharpChange] as [String: Any]
            },
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }
}
