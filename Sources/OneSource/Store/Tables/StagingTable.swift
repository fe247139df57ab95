/// The staging table of one dataset: one row per staged record, values as delivered, tagged with
/// run, file, line and record index. Columns are named by element id.
///
/// A value that the standardized table holds byte for byte (most are: a canonical value usually is the delivered
/// one) is not stored twice: when ingest verifies as it stages, such a value is left NULL here and its bit set in
/// `same_as_std` (bit i for element column i, the first `sparseColumns` columns). The delivered record is then
/// staging and standardized read together (`delivered`); a verify re-run restores the full values first
/// (`restoreDelivered`), since it replaces the standardized rows.
///
/// One writer appends a file's rows in one transaction, so they get one contiguous range of rowids,
/// which `run_files` records (`staging_first`, `staging_last`). A file's or a run's rows are deleted by
/// that range, so the table needs no secondary index (an index on run_id cost 30% of ingest time).
public struct StagingTable: Sendable {
    public let dataset: Dataset

    public init(dataset: Dataset) { self.dataset = dataset }

    /// Quotes an SQL identifier.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public var name: String { dataset.stagingTable }

    /// Rows per multi-row insert (staging and standardized): one statement execution for many rows saves SQLite's
    /// per-statement work (opening the table, halting, resetting) on all but one of them.
    public static let rowsPerInsert = 32

    /// The element columns, in the dataset's field order.
    public var elementColumns: [String] { dataset.fields.map(\.element) }

    /// How many leading element columns can be left to the standardized table (bits of `same_as_std`, kept clear of
    /// the sign bit).
    static let sparseColumns = 62

    /// The bits of `same_as_std` a record of `columns` element columns can have.
    static func sparseMask(columns: Int) -> UInt64 { (1 << UInt64(min(columns, sparseColumns))) - 1 }

    /// Creates the table, or adds columns for elements the catalog mapped since it was created. `same_as_std` is
    /// added the same way to a table made before it existed (default 0: every row holds all its values).
    public func ensure(in database: Database) throws {
        try StagingTable.ensure(name, fixed: ["run_id INTEGER NOT NULL", "file_id INTEGER NOT NULL", "line INTEGER",
                                              "record_index INTEGER NOT NULL"],
                                elements: [("same_as_std", "INTEGER NOT NULL DEFAULT 0")] + elementColumns.map { ($0, "TEXT") },
                                in: database)
        try database.run("INSERT OR IGNORE INTO staging_tables (dataset_id, table_name) VALUES (?, ?)",
                         [.text(dataset.id), .text(name)])
    }

    /// Creates a table with fixed columns and one column per element, or adds the element columns it lacks
    /// (the catalog may map new elements after the table was first made). Shared by the staging,
    /// standardized and base tables.
    static func ensure(_ name: String, fixed: [String], elements: [(name: String, type: String)], options: String = "",
                       in database: Database) throws {
        let columns = fixed + elements.map { "\(quote($0.name)) \($0.type)" }
        try database.execute("CREATE TABLE IF NOT EXISTS \(quote(name)) (\(columns.joined(separator: ", ")))\(options)")
        let existing = Set(try database.rows("SELECT name FROM pragma_table_info(?)", [.text(name)]).compactMap { $0[0].text })
        for element in elements where !existing.contains(element.name) {
            try database.execute("ALTER TABLE \(quote(name)) ADD COLUMN \(quote(element.name)) \(element.type)")
        }
    }

    /// Deletes the rows of the rowid range `range`.
    public func clear(_ range: ClosedRange<Int64>, in database: Database) throws {
        try database.run("DELETE FROM \(StagingTable.quote(name)) WHERE rowid BETWEEN ? AND ?", [.integer(range.lowerBound), .integer(range.upperBound)])
    }

    /// The rowid range of rows appended since `before` (the largest rowid before the file was written).
    func appendedRange(after before: Int64, in database: Database) throws -> ClosedRange<Int64>? {
        let last = try database.queryScalarInt("SELECT max(rowid) FROM \(StagingTable.quote(name))") ?? 0
        return last > before ? (before + 1)...last : nil
    }

    /// The largest rowid in the table (0 when empty).
    func lastRowID(in database: Database) throws -> Int64 {
        try database.queryScalarInt("SELECT max(rowid) FROM \(StagingTable.quote(name))") ?? 0
    }

    /// Deletes a run's rows (those of every file the run recorded for this dataset).
    public func clear(run: Int64, in database: Database) throws {
        for range in try RunFileTable(database: database).stagingRanges(run: run, dataset: dataset.id) { try clear(range, in: database) }
    }

    /// One staged row as read back.
    public struct Row: Sendable {
        public let rowID: Int64
        public let fileID: Int64
        public let line: Int
        public let recordIndex: Int
        /// The delivered values, in the dataset's field order.
        public let values: [String?]
    }

    /// Reads the rows of `ranges` in rowid order, `size` at a time, on a connection of its own to the store at `path`
    /// (it reads what was committed), handing each chunk to `body`.
    public func readChunks(path: String, ranges: [ClosedRange<Int64>], size: Int, _ body: ([Row]) throws -> Void) throws {
        let database = try Database(path: path, mode: .readOnly)
        try database.execute("PRAGMA cache_size=-8192")   // it reads each page once; keep its cache small
        let delivered = try delivered(in: database)
        let columns = (["g.rowid", "g.file_id", "g.line", "g.record_index"] + delivered.columns).joined(separator: ", ")
        let select = try database.prepare("""
            SELECT \(columns) FROM \(delivered.from) WHERE g.rowid BETWEEN ? AND ? ORDER BY g.rowid LIMIT ?
            """)
        let fieldCount = elementColumns.count
        for range in ranges {
            var next = range.lowerBound
            while next <= range.upperBound {
                var rows: [Row] = []
                rows.reserveCapacity(size)
                try select.bind([.integer(next), .integer(range.upperBound), .int(size)])
                // Columns by position: this SELECT is written just above, and the loop runs once per staged row.
                while try select.step() {
                    rows.append(Row(rowID: select.int64(0), fileID: select.int64(1), line: select.int(2), recordIndex: select.int(3),
                                    values: (0..<fieldCount).map { select.text(4 + $0) }))
                }
                try select.reset()
                guard let last = rows.last?.rowID else { break }
                next = last + 1
                try body(rows)
            }
        }
    }

    // MARK: - The delivered values

    /// The delivered records: `from`, staging as `g` joined to its standardized rows as `s` when there are any; `columns`,
    /// each element's value as delivered, in field order, named by the element (staging's, or the standardized one
    /// where staging left it there).
    public func delivered(in database: Database) throws -> (from: String, columns: [String]) {
        let standardized = StandardizedTable(dataset: dataset)
        let joined = try standardized.exists(in: database)
        let from = "\(StagingTable.quote(name)) g"
            + (joined ? " LEFT JOIN \(StagingTable.quote(standardized.name)) s ON s.staging_rowid = g.rowid" : "")
        let columns = elementColumns.enumerated().map { index, element in
            let column = StagingTable.quote(element)
            guard joined, index < StagingTable.sparseColumns else { return "g.\(column) AS \(column)" }
            return "\(StagingTable.deliveredValue(index, column, staging: "g", standardized: "s")) AS \(column)"
        }
        return (from, columns)
    }

    /// The delivered value of element column `index` (quoted `column`): the standardized row's where `same_as_std` has
    /// its bit, else staging's.
    private static func deliveredValue(_ index: Int, _ column: String, staging: String, standardized: String) -> String {
        "CASE WHEN \(staging).same_as_std & \(Int64(1) << Int64(index)) THEN \(standardized).\(column) ELSE \(staging).\(column) END"
    }

    /// A SELECT of the delivered records: `rowid, run_id, file_id, line, record_index`, then the element columns.
    public func deliveredQuery(in database: Database) throws -> String {
        let fixed = ["g.rowid AS rowid", "g.run_id AS run_id", "g.file_id AS file_id", "g.line AS line", "g.record_index AS record_index"]
        let delivered = try delivered(in: database)
        return "SELECT \((fixed + delivered.columns).joined(separator: ", ")) FROM \(delivered.from)"
    }

    /// Puts back in staging the values it left to the standardized table, for the run's rows: before the standardized
    /// rows are replaced (a verify re-run).
    public func restoreDelivered(run: Int64, in database: Database) throws {
        let standardizedTable = StandardizedTable(dataset: dataset)
        guard try standardizedTable.exists(in: database) else { return }
        let table = StagingTable.quote(name), standardized = StagingTable.quote(standardizedTable.name)
        let sets = elementColumns.prefix(StagingTable.sparseColumns).enumerated().map { index, element in
            let column = StagingTable.quote(element)
            return "\(column) = \(StagingTable.deliveredValue(index, column, staging: table, standardized: "s"))"
        }
        guard !sets.isEmpty else { return }
        for range in try RunFileTable(database: database).stagingRanges(run: run, dataset: dataset.id) {
            try database.run("""
                UPDATE \(table) SET \(sets.joined(separator: ", ")), same_as_std = 0 FROM \(standardized) s
                WHERE s.staging_rowid = \(table).rowid AND \(table).rowid BETWEEN ? AND ? AND \(table).same_as_std <> 0
                """, [.integer(range.lowerBound), .integer(range.upperBound)])
        }
    }

    /// An insert of `rows` rows. Parameters: ?1 run, ?2 file, then for each row its line, record index, `same_as_std`
    /// and element values. The rows take the next rowids SQLite gives (one more than the largest, in order): an explicit
    /// rowid made SQLite search the table's B-tree for it on every row (1M rows: 0.78 s against 0.49 s of processor
    /// time). The writer checks after each statement that they are the rowids it expected.
    func insertStatement(in database: Database, rows: Int) throws -> Statement {
        try database.prepare(StagingTable.multiRowInsert(into: name, rowColumns: [], sharedColumns: ["run_id", "file_id"],
                                                         rowOnlyColumns: ["line", "record_index", "same_as_std"] + elementColumns, rows: rows))
    }

    /// `INSERT OR FAIL INTO table (…) VALUES (…), (…), …` for `rows` rows: each row's first column (`rowColumns`),
    /// then the columns all rows share (?1, ?2, …), then the row's others. The shared parameters come first, then
    /// each row's in that order.
    ///
    /// `OR FAIL`: a statement of many rows that may stop at a constraint half-way must otherwise be undoable on its own,
    /// so SQLite keeps a statement journal: before each statement it copied the pages it was about to change again
    /// (the table's last leaf and its parents, 16 KiB each) into a temporary file. On the 1M city that was 4.4 GB of
    /// writes in a night whose store is 0.9 GB. Every caller writes inside a transaction that is rolled back as a whole
    /// when a statement fails, so the rows a failed statement already wrote never stay.
    static func multiRowInsert(into table: String, rowColumns: [String], sharedColumns: [String], rowOnlyColumns: [String],
                               rows: Int) -> String {
        let columns = (rowColumns + sharedColumns + rowOnlyColumns).map(quote)
        let shared = sharedColumns.indices.map { "?\($0 + 1)" }
        let perRow = rowColumns.count + rowOnlyColumns.count
        let tuples = (0..<rows).map { row in
            let own = (0..<perRow).map { "?\(shared.count + 1 + row * perRow + $0)" }
            return "(" + (own.prefix(rowColumns.count) + shared + own.dropFirst(rowColumns.count)).joined(separator: ", ") + ")"
        }
        return "INSERT OR FAIL INTO \(quote(table)) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
    }
}
