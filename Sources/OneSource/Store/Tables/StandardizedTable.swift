/// The standardized twin of a staging table: canonical values of each staged record, under the same
/// rowid, with its record key and whether an error-level rule failed. Later stages read only these.
/// The delivered values stay in staging, for provenance and quarantine.
public struct StandardizedTable {
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

    /// The run's rows, counted by the staging rowid ranges of its files (the primary key: no scan).
    public func count(run: Int64, in database: Database) throws -> Int {
        var total = 0
        for range in try RunFileTable(database: database).stagingRanges(run: run, dataset: dataset.id) {
            total += Int(try database.queryScalarInt("SELECT count(*) FROM \(StagingTable.quote(name)) WHERE staging_rowid BETWEEN ? AND ?",
                                                     [.integer(range.lowerBound), .integer(range.upperBound)]) ?? 0)
        }
        return total
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
