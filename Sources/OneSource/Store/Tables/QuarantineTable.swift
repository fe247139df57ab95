/// The quarantine (`quarantine`): a run's records that failed an error-level rule, kept out of the bases with their
/// delivered values (as a JSON object) and the reasons.
public struct QuarantineTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// One quarantined record.
    public struct Row: Sendable {
        public let dataset: String
        public let file: Int64
        public let line: Int?
        public let recordIndex: Int
        public let recordKey: String
        /// The delivered values, a JSON object by element.
        public let raw: String
        public let reasons: String

        public init(dataset: String, file: Int64, line: Int?, recordIndex: Int, recordKey: String, raw: String, reasons: String) {
            self.dataset = dataset
            self.file = file
            self.line = line
            self.recordIndex = recordIndex
            self.recordKey = recordKey
            self.raw = raw
            self.reasons = reasons
        }
    }

    /// Inserts a run's quarantined records.
    public func insert(run: Int64, _ rows: [Row]) throws {
        let insert = try database.prepare("""
            INSERT INTO quarantine (run_id, dataset_id, file_id, line, record_index, record_key, raw, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in rows {
            try insert.bind([.integer(run), .text(row.dataset), .integer(row.file), row.line.map { .int($0) } ?? .null, .int(row.recordIndex),
                             .text(row.recordKey), .text(row.raw), .text(row.reasons)])
            try insert.run()
        }
    }

    /// Removes a run's quarantined records (a re-run of load replaces them).
    public func delete(run: Int64) throws {
        try database.run("DELETE FROM quarantine WHERE run_id = ?", [.integer(run)])
    }

    /// How many records a run quarantined.
    public func count(run: Int64) throws -> Int {
        Int(try database.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id = ?", [.integer(run)]) ?? 0)
    }
}
