/// Quality measurements per run (`quality_metrics`): for each dataset and dimension, the records that passed
/// (numerator) of those measured (denominator). Kept for every run, so trends can be drawn.
public struct MetricTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// One measurement.
    public struct Metric: Sendable, Equatable {
        public let run: Int64
        public let agency: String
        public let dataset: String
        public let dimension: String
        public let numerator: Int
        public let denominator: Int
    }

    /// Replaces a run's measurements with `metrics`, in their order.
    public func replace(run: Int64, with metrics: [Metric]) throws {
        try database.run("DELETE FROM quality_metrics WHERE run_id = ?", [.integer(run)])
        let insert = try database.prepare("""
            INSERT INTO quality_metrics (run_id, agency, dataset_id, dimension, numerator, denominator) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for metric in metrics {
            try insert.bind([.integer(run), .text(metric.agency), .text(metric.dataset), .text(metric.dimension), .int(metric.numerator),
                             .int(metric.denominator)])
            try insert.run()
        }
    }

    /// A run's measurements (of one agency, when given): by dataset in the order measured, or `byDimension` by agency,
    /// dataset and dimension.
    public func metrics(run: Int64, agency: String? = nil, byDimension: Bool = false) throws -> [Metric] {
        try database.map("""
            SELECT run_id, agency, dataset_id, dimension, numerator, denominator FROM quality_metrics
            WHERE run_id = ?\(agency == nil ? "" : " AND agency = ?") ORDER BY \(byDimension ? "agency, dataset_id, dimension" : "dataset_id")
            """, [.integer(run)] + (agency.map { [SQLValue.text($0)] } ?? [])) { row in
            Metric(run: row.int64("run_id"), agency: row.text("agency") ?? "", dataset: row.text("dataset_id") ?? "",
                   dimension: row.text("dimension") ?? "", numerator: row.int("numerator"), denominator: row.int("denominator"))
        }
    }

    /// The runs up to `run` that were measured, the latest `limit` of them, oldest first.
    public func measuredRuns(upTo run: Int64, limit: Int) throws -> [Int64] {
        try database.map("SELECT DISTINCT run_id FROM quality_metrics WHERE run_id <= ? ORDER BY run_id DESC LIMIT ?",
                         [.integer(run), .int(limit)]) { $0.int64("run_id") }.reversed()
    }

    /// The ratios of one dataset's dimension in the `limit` measured runs before `run` (newest first), leaving out
    /// nights with nothing measured.
    public func history(dataset: String, dimension: String, before run: Int64, limit: Int) throws -> [Double] {
        try database.map("""
            SELECT numerator, denominator FROM quality_metrics WHERE dataset_id = ? AND dimension = ? AND run_id < ? AND denominator > 0
            ORDER BY run_id DESC LIMIT ?
            """, [.text(dataset), .text(dimension), .integer(run), .int(limit)]) { Double($0.int("numerator")) / Double($0.int("denominator")) }
    }
}
