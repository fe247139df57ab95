import Foundation

/// Early warning (预警, measures art. 22): each dataset's quality indicators, timeliness and record count tonight,
/// judged against the same dataset's own history. The method, stated in every report:
///
/// - history: the same indicator in the last 30 runs before this one that measured it; with fewer than 7, no judgement;
/// - centre and spread: the median m of the history and its median absolute deviation (MAD), scaled by 1.4826 to
///   compare with a standard deviation; the spread is never taken below 0.5 percentage points for a ratio (a
///   history that never moved would otherwise warn on any change) or 2% of m for a record count;
/// - a ratio warns when it falls below m − 3 × spread (only a fall: a better night is no warning); a record count
///   warns when it is more than 3 × spread away from m, either way (a drop is missing data, a surge duplicated data).
///
/// Each warning is a `quality_slip` finding (severity as the catalog declares it, warning by default) written by the
/// report stage for the dataset's agency, so it shows in `onesource findings`, the run summary and the reports.
public enum EarlyWarning {
    public static let historyRuns = 30
    public static let minimumHistory = 7
    public static let deviations = 3.0
    public static let ratioSpreadFloor = 0.005
    public static let countSpreadFloor = 0.02

    /// The method in one sentence of Chinese, for the reports.
    public static let method = "预警方法：每个数据集的各项指标与其自身近\(historyRuns)次运行比较（少于\(minimumHistory)次不判断）；取中位数 m 与中位数绝对偏差 MAD，"
        + "离散度 s = max(1.4826 × MAD, 比率0.5个百分点 / 记录数2%)；比率低于 m − 3s、记录数偏离 m 超过 3s 时预警。"

    /// One indicator out of line.
    public struct Slip: Sendable, Equatable {
        public let dataset: String
        public let agency: String
        /// A dimension of `QualityMetrics.measured`, or `records`.
        public let indicator: String
        public let value: Double
        public let median: Double
        public let low: Double
        public let high: Double
        public let history: Int
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The band of normal values of `history` (nil when it is too short): ratios fall only, counts either way.
    static func band(_ history: [Double], isCount: Bool) -> (median: Double, low: Double, high: Double)? {
        guard history.count >= minimumHistory else { return nil }
        let m = median(history)
        let mad = median(history.map { abs($0 - m) })
        let spread = max(1.4826 * mad, isCount ? countSpreadFloor * m : ratioSpreadFloor)
        return (m, m - deviations * spread, isCount ? m + deviations * spread : .infinity)
    }

    /// The slips of `datasets` in `run`, from the stored metrics and deliveries.
    public static func slips(_ database: Database, datasets: [Dataset], run runID: Int64) throws -> [Slip] {
        let metrics = MetricTable(database: database)
        let deliveries = DeliveryTable(database: database)
        let tonight = try metrics.metrics(run: runID, byDimension: true)
        let delivered = Dictionary(try deliveries.deliveries(run: runID).map { ($0.dataset, $0) }, uniquingKeysWith: { a, _ in a })
        var slips: [Slip] = []
        for dataset in datasets {
            for dimension in QualityMetrics.measured {
                guard let metric = tonight.first(where: { $0.dataset == dataset.id && $0.dimension == dimension }), metric.denominator > 0 else { continue }
                let value = Double(metric.numerator) / Double(metric.denominator)
                let history = try metrics.history(dataset: dataset.id, dimension: dimension, before: runID, limit: historyRuns)
                if let band = band(history, isCount: false), value < band.low {
                    slips.append(Slip(dataset: dataset.id, agency: dataset.agency, indicator: dimension, value: value, median: band.median,
                                      low: band.low, high: band.high, history: history.count))
                }
            }
            if let delivery = delivered[dataset.id], [.delivered, .duplicate].contains(delivery.status) {
                let history = try deliveries.recordHistory(dataset: dataset.id, before: runID, limit: historyRuns).map(Double.init)
                let value = Double(delivery.records)
                if let band = band(history, isCount: true), value < band.low || value > band.high {
                    slips.append(Slip(dataset: dataset.id, agency: dataset.agency, indicator: "records", value: value, median: band.median,
                                      low: band.low, high: band.high, history: history.count))
                }
            }
        }
        return slips
    }

    /// Replaces the run's early-warning findings with those of `slips`; returns how many were written.
    @discardableResult
    static func record(_ slips: [Slip], _ database: Database, catalog: Catalog, run runID: Int64) throws -> Int {
        try FindingTable(database: database).delete(run: runID, stage: "report")
        let book = catalog.ruleBook
        let writer = try FindingTable.Writer(database: database, runID: runID, stage: "report")
        var written = 0
        for slip in slips {
            guard let dataset = catalog.dataset(slip.dataset), let level = book.level(of: BuiltInRule.qualitySlip.rawValue, in: dataset),
                  let definition = book[rule: .qualitySlip] else { continue }
            let (name, observed, expected) = describe(slip)
            let reason = slip.indicator == "records" ? (slip.value < slip.median ? "记录数骤减，请核实是否漏报" : "记录数骤增，请核实是否重复报送")
                : "较近\(slip.history)次运行明显下降，请核查本期数据"
            let dimension = Dimension(rawValue: slip.indicator) ?? definition.dimension
            try writer.write(Finding(ruleID: BuiltInRule.qualitySlip.rawValue, dimension: dimension, severity: level, agency: slip.agency,
                                     datasetID: slip.dataset, recordKey: nil, element: name, observed: observed, expected: expected,
                                     reason: reason, fileID: nil, line: nil, recordIndex: nil,
                                     message: definition.render(element: name, observed: observed, expected: expected, reason: reason)))
            written += 1
        }
        return written
    }

    /// The indicator's Chinese name, tonight's value and the normal band, as the message shows them.
    static func describe(_ slip: Slip) -> (name: String, observed: String, expected: String) {
        if slip.indicator == "records" {
            return ("记录数", String(Int(slip.value)), "中位数\(Int(slip.median.rounded()))，正常范围\(Int(max(0, slip.low).rounded()))–\(Int(slip.high.rounded()))")
        }
        func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }
        return (QualityMetrics.chineseNames[slip.indicator] ?? slip.indicator, percent(slip.value),
                "中位数\(percent(slip.median))，不低于\(percent(max(0, slip.low)))")
    }
}
