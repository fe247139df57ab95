/// The staging table of one dataset: one row per staged record, values as delivered, tagged with
/// run, file, line and record index. Columns are named by element id.
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
        let table = StagingTable.quote(name)
        let columns = elementColumns.map { "\(StagingTable.quote($0)) TEXT" }.joined(separator: ",\n    ")
        try database.execute("""
            CREATE TABLE IF NOT EXISTS \(table) (
                run_id INTEGER NOT NULL,
                file_id INTEGER NOT NULL,
                line INTEGER,
                record_index INTEGER NOT NULL\(columns.isEmpty ? "" : ",\n    " + columns)
            );
            CREATE INDEX IF NOT EXISTS \(StagingTable.quote(name + "_by_run")) ON \(table)(run_id, file_id, record_index);
            """)
        let existing = Set(try database.rows("SELECT name FROM pragma_table_info(?)", [.text(name)]).compactMap { $0[0].text })
        for element in elementColumns where !existing.contains(element) {
            try database.execute("ALTER TABLE \(table) ADD COLUMN \(StagingTable.quote(element)) TEXT")
        }
        try database.run("INSERT OR IGNORE INTO staging_tables (dataset_id, table_name) VALUES (?, ?)",
                         [.text(dataset.id), .text(name)])
    }

    /// Deletes a run's rows.
    public func clear(run: Int64, in database: Database) throws {
        try database.run("DELETE FROM \(StagingTable.quote(name)) WHERE run_id = ?", [.integer(run)])
    }

    /// The prepared insert: run, file, line, record index, then one value per element.
    func insertStatement(in database: Database) throws -> Statement {
        let columns = (["run_id", "file_id", "line", "record_index"] + elementColumns).map(StagingTable.quote)
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return try database.prepare("INSERT INTO \(StagingTable.quote(name)) (\(columns.joined(separator: ", "))) VALUES (\(marks))")
    }
}
