/// Writes batches of records into a dataset's staging table, and their rejections into the rejection
/// table, for one input file. Runs on the thread that owns the database connection.
final class StagingWriter {
    private let insert: Statement
    private let rejectStatement: Statement
    private let runID: Int64
    private let fileID: Int64

    init(database: Database, table: StagingTable, runID: Int64, fileID: Int64, datasetID: String) throws {
        insert = try table.insertStatement(in: database)
        rejectStatement = try database.prepare("""
            INSERT INTO rejections (run_id, dataset_id, file_id, line, record_index, field, reason, raw)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try rejectStatement.bind(.integer(runID), at: 1)
        try rejectStatement.bind(.text(datasetID), at: 2)
        try rejectStatement.bind(.integer(fileID), at: 3)
        self.runID = runID
        self.fileID = fileID
    }

    func write(_ batch: RecordBatch) throws {
        try write(batch) { _, _, _ in }
    }

    /// Writes the batch; `staged` is called after each record's row, with its index in the batch, its rowid and
    /// the batch's bytes (valid only during the call, for binding without a copy).
    func write(_ batch: RecordBatch, staged: (Int, Int64, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try insert.bind(.integer(runID), at: 1)
        try insert.bind(.integer(fileID), at: 2)
        // Values are bound without a copy: every step runs inside withBytes, while the bytes are pinned.
        try batch.withBytes { all in
            for record in 0..<batch.recordCount {
                try insert.bind(batch.lines[record], at: 3)
                try insert.bind(batch.indexes[record], at: 4)
                for slot in 0..<batch.fieldCount {
                    let index = Int32(slot + 5)
                    if let bytes = batch.value(record: record, slot: slot, in: all) {
                        try insert.bindTextNoCopy(utf8: bytes, at: index)
                    } else {
                        try insert.bindNull(at: index)
                    }
                }
                try insert.step()
                insert.resetKeepingBindings()
                try staged(record, insert.lastInsertRowID, all)
            }
        }
        // No binding may point into the batch once it is gone.
        try insert.reset()
        for rejection in batch.rejections {
            try rejectStatement.bind(rejection.line.map { .int($0) } ?? .null, at: 4)
            try rejectStatement.bind(rejection.recordIndex.map { .int($0) } ?? .null, at: 5)
            try rejectStatement.bind(.optional(rejection.field), at: 6)
            try rejectStatement.bind(.text(rejection.reason), at: 7)
            try rejectStatement.bind(.optional(rejection.raw), at: 8)
            try rejectStatement.run()
        }
    }
}

@available(*, unavailable)
extension StagingWriter: Sendable {}
