import Foundation

/// What each dataset's delivery was in a run (`quality_deliveries`): written by ingest, read by the reports.
public struct DeliveryTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// How a dataset was delivered tonight.
    public enum Status: String, Sendable {
        /// A file with content not seen before.
        case delivered
        /// The same content as an earlier run's: nothing new this period.
        case duplicate
        /// No file matched the pattern.
        case missing
        /// Files were there, none could be read.
        case failed
    }

    /// One dataset's delivery in one run.
    public struct Delivery: Sendable, Equatable {
        public let dataset: String
        public let status: Status
        /// The date the content first arrived (the run that first read it).
        public let deliveredOn: String?
        /// Days from that date to the run's.
        public let ageDays: Int?
        /// Days the update frequency allows.
        public let allowedDays: Int
        /// Missing, unreadable, or older than the frequency allows.
        public let late: Bool
        public let duplicateOf: Int64?
        /// Rows staged tonight, and by the previous run that read the dataset.
        public let records: Int
        public let previousRecords: Int?
        /// The count changed by more than the dataset's threshold.
        public let sharpChange: Bool
    }

    /// Replaces the run's deliveries.
    func replace(run: Int64, with deliveries: [Delivery]) throws {
        try database.run("DELETE FROM quality_deliveries WHERE run_id = ?", [.integer(run)])
        let insert = try database.prepare("""
            INSERT INTO quality_deliveries (run_id, dataset_id, status, delivered_on, age_days, allowed_days, late, duplicate_of_run,
                                            records, previous_records, sharp_change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for d in deliveries {
            try insert.bind([.integer(run), .text(d.dataset), .text(d.status.rawValue), .optional(d.deliveredOn), d.ageDays.map { .int($0) } ?? .null,
                             .int(d.allowedDays), .int(d.late ? 1 : 0), d.duplicateOf.map { .integer($0) } ?? .null, .int(d.records),
                             d.previousRecords.map { .int($0) } ?? .null, .int(d.sharpChange ? 1 : 0)])
            try insert.run()
        }
    }

    /// The run's deliveries, by dataset id.
    public func deliveries(run: Int64) throws -> [Delivery] {
        try database.map("""
            SELECT dataset_id, status, delivered_on, age_days, allowed_days, late, duplicate_of_run, records, previous_records, sharp_change
            FROM quality_deliveries WHERE run_id = ? ORDER BY dataset_id
            """, [.integer(run)]) {
            Delivery(dataset: $0.text("dataset_id") ?? "", status: Status(rawValue: $0.text("status") ?? "") ?? .missing,
                     deliveredOn: $0.text("delivered_on"), ageDays: $0.optionalInt64("age_days").map(Int.init),
                     allowedDays: $0.int("allowed_days"), late: $0.int64("late") != 0, duplicateOf: $0.optionalInt64("duplicate_of_run"),
                     records: $0.int("records"), previousRecords: $0.optionalInt64("previous_records").map(Int.init),
                     sharpChange: $0.int64("sharp_change") != 0)
        }
    }

    /// The records staged for `dataset` in the `limit` runs before `run` that had its file in hand (newest first).
    public func recordHistory(dataset: String, before run: Int64, limit: Int) throws -> [Int] {
        try database.map("""
            SELECT records FROM quality_deliveries WHERE dataset_id = ? AND run_id < ? AND status IN ('delivered', 'duplicate')
            ORDER BY run_id DESC LIMIT ?
            """, [.text(dataset), .integer(run), .int(limit)]) { $0.int("records") }
    }

    /// Each dataset's latest delivery date (the day its current content first arrived), over every run.
    public func lastDelivered() throws -> [String: String] {
        Dictionary(try database.map("""
            SELECT dataset_id, max(delivered_on) AS last FROM quality_deliveries WHERE delivered_on IS NOT NULL GROUP BY dataset_id
            """) { ($0.text("dataset_id") ?? "", $0.text("last") ?? "") }, uniquingKeysWith: { a, _ in a })
    }
}
