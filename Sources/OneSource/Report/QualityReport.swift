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
        /// The dataset where the rule fired on most records (at least half of those staged), and the share: a rule
        /// that fires on most of a dataset probably does not fit it (switch it off for the dataset in the catalog).
        public var mostOf: (dataset: String, share: Double)?
    }

    /// A rule firing on at least this share of a dataset's records is flagged in the report.
    public static let mostRecordsShare = 0.5

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

    /// A live task of the agency, as its report lists it (overdue first).
    public struct OpenTask: Sendable {
        public let id: Int64
        public let rule: String
        public let ruleName: String
        public let severity: String
        public let datasetName: String
        /// Masked as in every report; the agency finds the record in its own task export by the task id.
        public let key: String
        public let elementName: String
        public let dueOn: String
        /// Calendar days from the run's date to the due date (negative: overdue by that many days).
        public let daysLeft: Int
        public let status: TaskStatus
        public let provisional: Bool
        public var overdue: Bool { status.awaitsAgency && daysLeft < 0 }
    }

    /// An early warning (a `quality_slip` finding) in the scope.
    public struct Warning: Sendable {
        public let datasetName: String
        public let agency: String
        public let message: String
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
    /// The agency's live tasks, the first `openTaskListLimit` of them in order (empty in the city's report, which counts
    /// them per agency); `openTaskTotal` says how many there are.
    public let openTasks: [OpenTask]
    public var openTaskTotal = 0
    public var listLimit = QualityReport.openTaskListLimit
    /// A page lists at most this many tasks (overdue first): more cannot be read or printed; the agency's task export
    /// (`onesource tasks export`) has them all.
    public static let openTaskListLimit = 500
    /// Tasks awaiting the agency by severity (`error`, `warning`, `notice`), and error-level ones past due (`error_overdue`).
    public let openBySeverity: [String: Int]
    public let warnings: [Warning]
    /// The runs of the trend that had an early warning in the scope.
    public let warningRuns: Set<Int64>
    /// Data demands and share requests addressed to the scope (measures art. 11, 15): open, overdue and done late.
    public var requests: (open: Int, overdue: Int, late: Int) = (0, 0, 0)

    /// The data's score: the mean of its datasets' scores.
    public var dataScore: Double { datasets.isEmpty ? 0 : datasets.map(\.score).reduce(0, +) / Double(datasets.count) }

    /// Points taken off for error-level problems still open: 0.5 for each error-level task awaiting the agency and 0.5
    /// more for each of those past due, at most 30.
    public var penalty: Double {
        min(QualityReport.penaltyCap, QualityReport.penaltyPerOpenError * Double(openBySeverity["error"] ?? 0)
            + QualityReport.penaltyPerOverdueError * Double(openBySeverity["error_overdue"] ?? 0))
    }
    public static let penaltyPerOpenError = 0.5, penaltyPerOverdueError = 0.5, penaltyCap = 30.0

    /// The score: the data's score less the penalty for open error-level problems.
    public var score: Double { max(0, dataScore - penalty) }

    /// Sums of each dimension's numerators and denominators over the scope.
    public var totals: [Metric] {
        QualityMetrics.measured.map { dimension in
            let metrics = datasets.flatMap(\.metrics).filter { $0.dimension == dimension }
            return Metric(dimension: dimension, numerator: metrics.reduce(0) { $0 + $1.numerator },
                          denominator: metrics.reduce(0) { $0 + $1.denominator })
        }
    }

    /// The first findings of each rule in a run, as every report's examples start from them (each report then keeps
    /// its agency's): loaded once for the city's and all the agencies' reports of a night.
    public final class Listings {
        private var byRule: [String: [FindingListing.Line]] = [:]
        private var topRulesByAgency: [String: [FindingTable.TopRule]]?
        private var spreadByAgency: [String: [FindingTable.RuleSpread]]?

        public init() {}

        func lines(of rule: String, _ database: Database, catalog: Catalog, run: Int64) throws -> [FindingListing.Line] {
            if let lines = byRule[rule] { return lines }
            let lines = try FindingListing.load(database, catalog: catalog, run: run, filter: .init(rule: rule, limit: 50)).lines
            byRule[rule] = lines
            return lines
        }

        /// The rules with most findings, of the city (`agency` nil) or of one agency: every agency's are read in one pass over
        /// the run's findings, the first time one is asked for.
        func topRules(run: Int64, agency: String?, limit: Int, _ database: Database) throws -> [FindingTable.TopRule] {
            guard let agency else { return try FindingTable(database: database).topRules(run: run, limit: limit) }
            if topRulesByAgency == nil { topRulesByAgency = try FindingTable(database: database).topRulesByAgency(run: run) }
            return Array((topRulesByAgency?[agency] ?? []).prefix(limit))
        }

        /// Records with a finding of each rule, per dataset, of the city or of one agency (every agency's in one pass).
        func spread(run: Int64, agency: String?, _ database: Database) throws -> [FindingTable.RuleSpread] {
            guard let agency else { return try FindingTable(database: database).recordsByRuleAndDataset(run: run) }
            if spreadByAgency == nil { spreadByAgency = try FindingTable(database: database).recordsByRuleAndDatasetByAgency(run: run) }
            return spreadByAgency?[agency] ?? []
        }
    }

    /// Builds the report of `agency` (nil: the whole city) for `run`, from stored metrics, findings and tasks.
    /// - Parameter listings: shared by the reports of one run, which then read each rule's examples once.
    public static func build(_ database: Database, catalog: Catalog, run runID: Int64, agency code: String?,
                             listLimit: Int = QualityReport.openTaskListLimit, listings: Listings? = nil) throws -> QualityReport {
        let run = try RunLedger(database: database).run(runID)
        let listings = listings ?? Listings()
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
        let staged = Dictionary(datasets.map { dataset in
            (dataset.id, dataset.metrics.first { $0.dimension == "completeness" }?.denominator ?? 0)
        }, uniquingKeysWith: { a, _ in a })
        let spread = try listings.spread(run: runID, agency: code, database)
        for row in try listings.topRules(run: runID, agency: code, limit: 10, database) {
            let rule = row.rule
            let name = catalog.ruleBook[rule]?.name ?? catalog.associations.first { $0.id == rule }?.name ?? rule
            let examples = try listings.lines(of: rule, database, catalog: catalog, run: runID)
                .filter { code == nil || $0.agency == code }.map(\.message)
                .reduce(into: [String]()) { unique, message in if !unique.contains(message) { unique.append(message) } }.prefix(3)
            var count = RuleCount(rule: rule, name: name, dimension: row.dimension, severity: row.severity, count: row.count,
                                   examples: Array(examples))
            count.mostOf = spread.filter { $0.rule == rule }.compactMap { entry -> (String, Double)? in
                guard let records = staged[entry.dataset], records > 0 else { return nil }
                return (entry.dataset, Double(entry.records) / Double(records))
            }.max { $0.1 < $1.1 }.flatMap { $0.1 >= QualityReport.mostRecordsShare ? (catalog.dataset($0.0)?.name ?? $0.0, $0.1) : nil }
            rules.append(count)
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
        let taskTable = TaskTable(database: database)
        let today = run.date
        var bySeverity: [String: Int] = ["error": 0, "warning": 0, "notice": 0, "error_overdue": 0]
        for count in try taskTable.awaitingBySeverity(agency: code, on: today) {
            bySeverity[count.severity, default: 0] += count.count
            if count.severity == "error" { bySeverity["error_overdue", default: 0] += count.pastDue }
        }
        // The list is the agency's own: overdue first, then by due date; SQL sorts and cuts it, so a city with tens of
        // thousands of tasks builds only the listed ones.
        var openTasks: [OpenTask] = []
        var openTaskTotal = 0
        if let code {
            let (live, total) = try taskTable.live(agency: code, overdueFirstOn: today, limit: listLimit)
            openTaskTotal = total
            for task in live {
                let dataset = catalog.dataset(task.dataset)
                let key = Masking.maskKey(task.recordKey, kinds: dataset?.key.map { catalog.element($0)?.personal } ?? [])
                let due = CivilDate(iso: task.dueOn)
                openTasks.append(OpenTask(id: task.id, rule: task.rule, ruleName: task.ruleName(in: catalog), severity: task.severity,
                                          datasetName: dataset?.name ?? task.dataset, key: key,
                                          elementName: catalog.element(task.element)?.name ?? (task.element.isEmpty ? "—" : task.element),
                                          dueOn: task.dueOn, daysLeft: due.map { $0.daysSinceEpoch - today.daysSinceEpoch } ?? 0,
                                          status: task.status, provisional: task.dueProvisional))
            }
        }
        let findings = FindingTable(database: database)
        let warnings = try FindingListing.load(database, catalog: catalog, run: runID,
                                               filter: .init(rule: BuiltInRule.qualitySlip.rawValue, limit: 1000)).lines
            .filter { code == nil || $0.agency == code }
            .map { Warning(datasetName: catalog.dataset($0.location)?.name ?? $0.location, agency: catalog.agency($0.agency)?.name ?? $0.agency,
                           message: $0.message) }
        let warningRuns = try findings.runsWithWarnings(trend.map(\.0), agency: code)
        var report = QualityReport(title: title, agency: agency, runID: runID, runDate: run.date.description, datasets: datasets,
                                   trend: trend, rules: rules, tasks: tasks, deliveries: deliveries, openTasks: openTasks, openBySeverity: bySeverity,
                                   warnings: warnings, warningRuns: warningRuns)
        report.openTaskTotal = openTaskTotal
        report.listLimit = listLimit
        let requests = try RequestTable(database: database).countsBySource(on: run.date)
        report.requests = code.map { requests[$0] ?? (0, 0, 0) }
            ?? requests.values.reduce((0, 0, 0)) { ($0.0 + $1.open, $0.1 + $1.overdue, $0.2 + $1.late) }
        return report
    }

    /// The same content for machines, written as `JSONSerialization` writes it pretty-printed with sorted keys, by the
    /// typed writer (`JSONSerialization` took most of the report stage on a city with thousands of open tasks).
    public func json() throws -> Data {
        func round(_ value: Double) -> JSONValue { .double((value * 100).rounded() / 100) }
        let object: JSONValue = [
            "title": .string(title),
            "agency": agency.map { ["code": .string($0.code), "name": .string($0.name)] } ?? .null,
            "run": ["id": .int(runID), "date": .string(runDate)],
            "score": round(score),
            "dataScore": round(dataScore),
            "penalty": round(penalty),
            "penaltyRule": ["perOpenErrorTask": .double(QualityReport.penaltyPerOpenError),
                            "perOverdueErrorTask": .double(QualityReport.penaltyPerOverdueError), "cap": .double(QualityReport.penaltyCap)],
            "openTasksBySeverity": .counts(openBySeverity),
            "weights": .numbers(QualityMetrics.scoreWeights),
            "earlyWarnings": .array(warnings.map { ["dataset": .string($0.datasetName), "agency": .string($0.agency), "message": .string($0.message)] }),
            "openTaskTotal": .int(openTaskTotal),
            "openTaskListLimit": .int(listLimit),
            "openTasks": .array(openTasks.map { task -> JSONValue in
                ["id": .int(task.id), "rule": .string(task.rule), "ruleName": .string(task.ruleName), "severity": .string(task.severity),
                 "dataset": .string(task.datasetName), "key": .string(task.key), "element": .string(task.elementName), "dueOn": .string(task.dueOn),
                 "daysLeft": .int(task.daysLeft), "status": .string(task.status.rawValue), "overdue": .bool(task.overdue),
                 "dueProvisional": .bool(task.provisional)]
            }),
            "dimensions": .array(totals.map { ["dimension": .string($0.dimension), "name": .string(QualityMetrics.chineseNames[$0.dimension] ?? ""),
                                               "numerator": .int($0.numerator), "denominator": .int($0.denominator), "ratio": round($0.ratio)] }),
            "datasets": .array(datasets.map { dataset in
                ["id": .string(dataset.id), "name": .string(dataset.name), "agency": .string(dataset.agency), "score": round(dataset.score),
                 "metrics": .array(dataset.metrics.map { ["dimension": .string($0.dimension), "numerator": .int($0.numerator),
                                                          "denominator": .int($0.denominator), "ratio": round($0.ratio)] })]
            }),
            "trend": .array(trend.map { ["run": .int($0.run), "date": .string($0.date), "score": round($0.score)] }),
            "rules": .array(rules.map { rule -> JSONValue in
                var members: [(key: String, value: JSONValue)] = [
                    ("rule", .string(rule.rule)), ("name", .string(rule.name)), ("dimension", .string(rule.dimension)),
                    ("severity", .string(rule.severity)), ("count", .int(rule.count)), ("examples", .array(rule.examples.map { .string($0) })),
                ]
                if let most = rule.mostOf { members.append(("firesOnMostOf", ["dataset": .string(most.dataset), "share": round(most.share)])) }
                return .object(members)
            }),
            "tasks": .counts(tasks),
            "requests": ["open": .int(requests.open), "overdue": .int(requests.overdue), "late": .int(requests.late)],
            "deliveries": .array(deliveries.map { delivery in
                ["dataset": .string(delivery.dataset), "name": .string(delivery.name), "status": .string(delivery.status),
                 "deliveredOn": .string(delivery.deliveredOn), "ageDays": .int(delivery.ageDays),
                 "allowedDays": .int(delivery.allowedDays), "late": .bool(delivery.late), "duplicateOfRun": .int(delivery.duplicateOf),
                 "records": .int(delivery.records), "previousRecords": .int(delivery.previousRecords),
                 "sharpChange": .bool(delivery.sharpChange)]
            }),
        ]
        return Data(object.prettyPrinted().utf8)
    }
}
