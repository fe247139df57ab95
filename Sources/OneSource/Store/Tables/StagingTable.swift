/// The staging table of one dataset: one row per staged record, values as delivered, tagged with
/// run, file, line and record index. Columns are named by element id.
///
/// One writer appends a file's rows in one transaction, so they get one contiguous range of rowids,
/// which `run_files` records (`staging_first`, `staging_last`). A file's or a run's rows are deleted by
/// that range, so the table needs no secondary index (an index on run_id cost 30% of ingest time).
public struct StagingTable {
    public let dataset: Dataset

    public init(dataset: Dataset) { self.dataset = dataset }

    /// Quotes an SQL identifier.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public var name: String { dataset.stagingTable }

    /// The element columns, in the dataset's field order.
    public var elementColumns: [String] { dataset.fields.map(\.element) }

    /// Creates the table, or adds columns for elements the catalog mapped since it was created.
    public func ensure(in database: Database) throws {
        try StagingTable.ensure(name, fixed: ["run_id INTEGER NOT NULL", "file_id INTEGER NOT NULL", "line INTEGER",
                                              "record_index INTEGER NOT NULL"],
                                elements: elementColumns.map { ($0, "TEXT") }, in: database)
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

    /// Deletes the rows staged from one file, by the rowid range recorded for it.
    public func clearFile(_ fileID: Int64, in database: Database) throws {
        let range = try database.rows("SELECT staging_first, staging_last FROM run_files WHERE file_id = ?", [.integer(fileID)])
        guard let row = range.first, let first = row[0].integer, let last = row[1].integer else { return }
        try database.run("DELETE FROM \(StagingTable.quote(name)) WHERE rowid BETWEEN ? AND ?", [.integer(first), .integer(last)])
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
        let files = try database.rows("SELECT file_id FROM run_files WHERE run_id = ? AND dataset_id = ?",
                                      [.integer(run), .text(dataset.id)])
        for file in files.compactMap({ $0[0].integer }) { try clearFile(file, in: database) }
    }

    /// An insert of `rows` rows. Parameters: ?1 run, ?2 file, then for each row its rowid, line, record index
    /// and element values.
    func insertStatement(in database: Database, rows: Int) throws -> Statement {
        try database.prepare(StagingTable.multiRowInsert(into: name, rowColumns: ["rowid"], sharedColumns: ["run_id", "file_id"],
                                                         rowOnlyColumns: ["line", "record_index"] + elementColumns, rows: rows))
    }

    /// `INSERT INTO table (…) VALUES (…), (…), …` for `rows` rows: each row's first column (`rowColumns`), then
    /// the columns all rows share (?1, ?2, …), then the row's others. The shared parameters come first, then
    /// each row's in that order.
    static func multiRowInsert(into table: String, rowColumns: [String], sharedColumns: [String], rowOnlyColumns: [String],
                               rows: Int) -> String {
        let columns = (rowColumns + sharedColumns + rowOnlyColumns).map(quote)
        let shared = sharedColumns.indices.map { "?\($0 + 1)" }
        let perRow = rowColumns.count + rowOnlyColumns.count
        let tuples = (0..<rows).map { row in
            let own = (0..<perRow).map { "?\(shared.count + 1 + row * perRow + $0)" }
            return "(" + (own.prefix(rowColumns.count) + shared + own.dropFirst(rowColumns.count)).joined(separator: ", ") + ")"
        }
        return "INSERT INTO \(quote(table)) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
    }
}
