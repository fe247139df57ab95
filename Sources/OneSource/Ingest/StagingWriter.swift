/// Writes batches of records into a dataset's staging table, and their rejections into the rejection
/// table, for one input file. Runs on the thread that owns the database connection.
final class StagingWriter {
    private let insert: Statement
    private let insertMany: Statement
    private let rejections: RejectionTable.Writer
    private let runID: Int64
    private let fileID: Int64
    private let fieldCount: Int
    /// The `same_as_std` bits this dataset's records can have (see StagingTable).
    private let sparseMask: UInt64
    /// The rowid the next row gets: SQLite gives one more than the largest, so the rows of one statement are known
    /// without asking; checked after each statement.
    private var nextRowID: Int64
    private let database: Database
    private let tableName: String

    init(database: Database, table: StagingTable, runID: Int64, fileID: Int64, datasetID: String) throws {
        fieldCount = table.elementColumns.count
        sparseMask = StagingTable.sparseMask(columns: fieldCount)
        insert = try table.insertStatement(in: database, rows: 1)
        insertMany = try table.insertStatement(in: database, rows: StagingTable.rowsPerInsert)
        nextRowID = try table.lastRowID(in: database) + 1
        self.database = database
        tableName = table.name
        rejections = try RejectionTable.Writer(database: database, run: runID, dataset: datasetID, file: fileID)
        self.runID = runID
        self.fileID = fileID
    }

    func write(_ batch: RecordBatch) throws {
        try write(batch) { _, _, _ in }
    }

    /// Writes the batch; `staged` is called after each statement's rows, with their indexes in the batch, the
    /// first one's rowid (the others follow it) and the batch's bytes (valid only during the call, for binding
    /// without a copy).
    func write(_ batch: RecordBatch, staged: (Range<Int>, Int64, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        // Parameters: ?1 run, ?2 file, then per row its line, record index, same_as_std and fields.
        let perRow = 3 + fieldCount
        // A verified batch leaves to the standardized table the values it holds exactly as delivered (see StagingTable).
        let verified = batch.verified.count == batch.recordCount
        for statement in [insert, insertMany] {
            try statement.bind(.integer(runID), at: 1)
            try statement.bind(.integer(fileID), at: 2)
        }
        // Values are bound without a copy: every step runs inside withBytes, while the bytes are pinned.
        try batch.withBytes { all in
            var first = 0
            while first < batch.recordCount {
                let rows = batch.recordCount - first >= StagingTable.rowsPerInsert ? StagingTable.rowsPerInsert : 1
                let statement = rows == 1 ? insert : insertMany
                for row in 0..<rows {
                    let record = first + row
                    let base = Int32(3 + row * perRow)
                    try statement.bind(batch.lines[record], at: base)
                    try statement.bind(batch.indexes[record], at: base + 1)
                    let same = verified ? batch.verified[record].asDelivered & sparseMask : 0
                    try statement.bind(.integer(Int64(same)), at: base + 2)
                    for slot in 0..<batch.fieldCount {
                        let index = base + 3 + Int32(slot)
                        if same & (1 << UInt64(slot)) != 0 {
                            try statement.bindNull(at: index)
                        } else if let bytes = batch.value(record: record, slot: slot, in: all) {
                            try statement.bindTextNoCopy(utf8: bytes, at: index)
                        } else {
                            try statement.bindNull(at: index)
                        }
                    }
                }
                try statement.step()
                statement.resetKeepingBindings()
                // The standardized rows and the file's range are keyed by these rowids: never go on with others.
                let last = nextRowID + Int64(rows - 1)
                guard database.lastInsertRowID == last else {
                    throw StagingRowIDError(table: tableName, expected: last, got: database.lastInsertRowID)
                }
                try staged(first..<first + rows, nextRowID, all)
                nextRowID += Int64(rows)
                first += rows
            }
        }
        // No binding may point into the batch once it is gone.
        try insert.reset()
        try insertMany.reset()
        for rejection in batch.rejections {
            try rejections.write(line: rejection.line, recordIndex: rejection.recordIndex, field: rejection.field, reason: rejection.reason,
                                 raw: rejection.raw)
        }
    }
}

@available(*, unavailable)
extension StagingWriter: Sendable {}

/// The staging table gave a statement's rows other rowids than the writer counted on: something else wrote to the
/// table, or it reached the largest rowid. Ingest stops rather than key standardized rows and file ranges wrongly.
struct StagingRowIDError: Error, CustomStringConvertible {
    let table: String
    let expected: Int64
    let got: Int64

    var description: String {
        "staging table \(table): the last row written got rowid \(got), not \(expected) as counted; stopped so that no standardized row is linked to the wrong record"
    }
}
