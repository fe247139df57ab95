/// The standardized twin of a staging table: canonical values of each staged record, under the same
/// rowid, with its record key and whether an error-level rule failed. Later stages read only these.
/// The delivered values are staging's, with this table's where they are the same (see `StagingTable`).
public struct StandardizedTable: Sendable {
    public let dataset: Dataset

    public init(dataset: Dataset) { self.dataset = dataset }

    public var name: String { "std_\(dataset.id)" }
    public var elementColumns: [String] { dataset.fields.map(\.element) }

    public func ensure(in database: Database) throws {
        try StagingTable.ensure(name, fixed: ["staging_rowid INTEGER PRIMARY KEY", "run_id INTEGER NOT NULL", "file_id INTEGER NOT NULL",
                                              "line INTEGER", "record_index INTEGER NOT NULL", "record_key TEXT NOT NULL",
                                              "has_error INTEGER NOT NULL"],
                                elements: elementColumns.map { ($0, "TEXT") }, in: database)
        // Load quarantines the records with errors: a small partial index finds them without reading the table.
        try database.execute("CREATE INDEX IF NOT EXISTS \(StagingTable.quote(name + "_errors")) ON \(StagingTable.quote(name)) (run_id) WHERE has_error = 1")
        try database.run("INSERT OR IGNORE INTO standardized_tables (dataset_id, table_name) VALUES (?, ?)",
                         [.text(dataset.id), .text(name)])
    }

    /// Deletes a run's rows, by the staging rowid ranges of the run's files.
    public func clear(run: Int64, in database: Database) throws {
        for range in try RunFileTable(database: database).stagingRanges(run: run, dataset: dataset.id) {
            try clear(range, in: database)
        }
    }

    /// Deletes the rows standardized from the staging rows `range`.
    public func clear(_ range: ClosedRange<Int64>, in database: Database) throws {
        try database.run("DELETE FROM \(StagingTable.quote(name)) WHERE staging_rowid BETWEEN ? AND ?",
                         [.integer(range.lowerBound), .integer(range.upperBound)])
    }

    /// Whether the table was made (verify makes it; a run that only ingested has none).
    public func exists(in database: Database) throws -> Bool {
        try database.queryScalarInt("SELECT count(*) FROM standardized_tables WHERE dataset_id = ?", [.text(dataset.id)]) == 1
    }

    /// The ascending streams of the run's verified keys in delivery (staging) order; nil past `KeyOrder.streamLimit`.
    /// Within the run's `span` of staging rowids when given (see `within`).
    public func keyStreams(run: Int64, span: ClosedRange<Int64>?, in database: Database) throws -> Int? {
        let statement = try database.prepare("""
            SELECT record_key FROM \(StagingTable.quote(name)) WHERE run_id = ?\(StandardizedTable.within(span)) AND has_error = 0 AND record_key <> ''
            ORDER BY staging_rowid
            """)
        try statement.bind(.integer(run), at: 1)
        defer { try? statement.reset() }
        return try KeyOrder.streams(next: { try statement.step() ? statement.text(0) ?? "" : nil }, limit: KeyOrder.streamLimit)
    }

    /// ` AND staging_rowid BETWEEN first AND last` (of `alias` when given) for a condition on `run_id`, the run's `span`
    /// (`RunFileTable.stagingSpans`): the run's rows are read through the rowid's b-tree instead of a scan of every run
    /// the retention policy keeps (seven by default). Empty without a span: `run_id` alone still selects the rows.
    public static func within(_ span: ClosedRange<Int64>?, alias: String? = nil) -> String {
        guard let span else { return "" }
        return " AND \(alias.map { $0 + "." } ?? "")staging_rowid BETWEEN \(span.lowerBound) AND \(span.upperBound)"
    }

    /// The query of the run's rows with a key, in key order (delivery order among equal keys): `record_key, file_id, line,
    /// record_index, staging_rowid, has_error`, then `columns`; rows with errors only when `withErrors`, never the rows of a
    /// sealed key; within the run's `span` of staging rowids when given (see `within`). Parameter ?1: the run. For
    /// `SortedRows`, which runs it on a connection of its own.
    public func byKeyQuery(columns: [String], withErrors: Bool, span: ClosedRange<Int64>?) -> String {
        """
        SELECT record_key, file_id, line, record_index, staging_rowid, has_error\(columns.map { ", " + StagingTable.quote($0) }.joined())
        FROM \(StagingTable.quote(name)) WHERE run_id = ?1\(StandardizedTable.within(span)) AND record_key <> ''\(withErrors ? "" : " AND has_error = 0")
          AND NOT \(SealTable.keySealed("record_key", datasets: [dataset.id]))
        ORDER BY record_key, staging_rowid
        """
    }

    /// The files (of any run still kept) whose records carried `key`.
    public func files(withKey key: String, in database: Database) throws -> [Int64] {
        guard try exists(in: database) else { return [] }
        return try database.map("SELECT DISTINCT file_id FROM \(StagingTable.quote(name)) WHERE record_key = ?", [.text(key)]) { $0.int64("file_id") }
    }

    /// A key's latest standardized record.
    public struct Latest: Sendable {
        public let run: Int64
        public let file: Int64
        public let line: Int?
        public let hasError: Bool
        /// Canonical values by element.
        public let values: [String: String?]
    }

    /// The key's record in the latest run that delivered it (the first of them in delivery order); nil when none.
    public func latest(key: String, in database: Database) throws -> Latest? {
        guard try exists(in: database) else { return nil }
        return try database.map("""
            SELECT run_id, file_id, line, has_error\(elementColumns.map { ", " + StagingTable.quote($0) }.joined())
            FROM \(StagingTable.quote(name)) WHERE record_key = ? ORDER BY run_id DESC, staging_rowid LIMIT 1
            """, [.text(key)]) { row in
            Latest(run: row.int64("run_id"), file: row.int64("file_id"), line: row.optionalInt64("line").map(Int.init),
                   hasError: row.int64("has_error") == 1,
                   values: Dictionary(elementColumns.map { ($0, row.text($0)) }, uniquingKeysWith: { first, _ in first }))
        }.first
    }

    /// A run's record that failed an error-level rule, with its values as delivered (from staging).
    public struct ErrorRow: Sendable {
        public let file: Int64
        public let line: Int?
        public let recordIndex: Int
        public let recordKey: String
        /// The delivered values by element (null ones left out).
        public let delivered: [String: String]
    }

    /// The run's records that failed an error-level rule, in delivery order, with their delivered values.
    public func errorRows(run: Int64, in database: Database) throws -> [ErrorRow] {
        let staging = StagingTable(dataset: dataset)
        let delivered = try staging.delivered(in: database)
        return try database.map("""
            SELECT s.file_id, s.line, s.record_index, s.record_key, \(delivered.columns.joined(separator: ", "))
            FROM \(delivered.from) WHERE s.run_id = ? AND s.has_error = 1 ORDER BY s.staging_rowid
            """, [.integer(run)]) { row in
            var delivered: [String: String] = [:]
            for element in staging.elementColumns { if let value = row.text(element) { delivered[element] = value } }
            return ErrorRow(file: row.int64("file_id"), line: row.optionalInt64("line").map(Int.init), recordIndex: row.int("record_index"),
                            recordKey: row.text("record_key") ?? "", delivered: delivered)
        }
    }

    /// The run's rows that failed an error-level rule (by the partial index on them).
    public func countWithErrors(run: Int64, in database: Database) throws -> Int {
        Int(try database.queryScalarInt("SELECT count(*) FROM \(StagingTable.quote(name)) WHERE run_id = ? AND has_error = 1",
                                        [.integer(run)]) ?? 0)
    }

    /// An insert of `rows` rows. Parameters: ?1 run, ?2 file, then for each row its staging rowid, line,
    /// record index, record key, error flag and element values.
    func insertStatement(in database: Database, rows: Int) throws -> Statement {
        try database.prepare(StagingTable.multiRowInsert(
            into: name, rowColumns: ["staging_rowid"], sharedColumns: ["run_id", "file_id"],
            rowOnlyColumns: ["line", "record_index", "record_key", "has_error"] + elementColumns, rows: rows))
    }
}
