/// The rejected rows (`rejections`): rows of a file that could not become records, with file, line or record index,
/// the field at fault, the reason and the raw text (until the retention policy or a destruction clears it).
public struct RejectionTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// One rejected row, with the path of its file.
    public struct Row: Sendable, Equatable {
        public let file: Int64
        public let path: String
        public let line: Int?
        public let recordIndex: Int?
        public let field: String?
        public let reason: String
        public let raw: String?
    }

    /// A run's rejected rows of `dataset` (every dataset: nil), by file (in the order read, or `byPath`: by dataset and
    /// path) and position; at most `limit`.
    public func rows(run: Int64, dataset: String? = nil, byPath: Bool = false, limit: Int = Int.max) throws -> [Row] {
        try database.map("""
            SELECT r.file_id, f.path, r.line, r.record_index, r.field, r.reason, r.raw FROM rejections r JOIN run_files f USING (file_id)
            WHERE r.run_id = ?\(dataset == nil ? "" : " AND r.dataset_id = ?")
            ORDER BY \(byPath ? "f.dataset_id, f.path" : "r.file_id"), r.record_index, r.line LIMIT ?
            """, [.integer(run)] + (dataset.map { [SQLValue.text($0)] } ?? []) + [.int(limit)]) { row in
            Row(file: row.int64("file_id"), path: row.text("path") ?? "", line: row.optionalInt64("line").map(Int.init),
                recordIndex: row.optionalInt64("record_index").map(Int.init), field: row.text("field"), reason: row.text("reason") ?? "",
                raw: row.text("raw"))
        }
    }

    /// How many rows a run rejected.
    public func count(run: Int64) throws -> Int {
        Int(try database.queryScalarInt("SELECT count(*) FROM rejections WHERE run_id = ?", [.integer(run)]) ?? 0)
    }

    /// Removes a run's rejected rows (a re-run of ingest replaces them).
    public func delete(run: Int64) throws {
        try database.run("DELETE FROM rejections WHERE run_id = ?", [.integer(run)])
    }

    /// Removes one file's rejected rows (the file was taken back as a whole).
    public func delete(file: Int64) throws {
        try database.run("DELETE FROM rejections WHERE file_id = ?", [.integer(file)])
    }

    /// Inserts the rejected rows of one file, with one prepared statement.
    final class Writer {
        private let statement: Statement

        init(database: Database, run: Int64, dataset: String, file: Int64) throws {
            statement = try database.prepare("""
                INSERT INTO rejections (run_id, dataset_id, file_id, line, record_index, field, reason, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try statement.bind(.integer(run), at: 1)
            try statement.bind(.text(dataset), at: 2)
            try statement.bind(.integer(file), at: 3)
        }

        func write(line: Int?, recordIndex: Int?, field: String?, reason: String, raw: String?) throws {
            try statement.bind(line.map { .int($0) } ?? .null, at: 4)
            try statement.bind(recordIndex.map { .int($0) } ?? .null, at: 5)
            try statement.bind(.optional(field), at: 6)
            try statement.bind(.text(reason), at: 7)
            try statement.bind(.optional(raw), at: 8)
            try statement.run()
        }
    }
}

@available(*, unavailable)
extension RejectionTable.Writer: Sendable {}
