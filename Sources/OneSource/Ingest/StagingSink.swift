/// Writes records into a staging table and rejections into the rejection table, for one input file.
final class StagingSink: RecordSink {
    private let insert: Statement
    private let rejectStatement: Statement
    private let runID: Int64
    private let fileID: Int64
    private let fieldCount: Int
    /// The first rejections, kept for the run summary.
    private(set) var firstRejections: [Rejection] = []

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
        self.fieldCount = table.elementColumns.count
    }

    func accept(_ record: RecordFields) throws {
        try insert.bind(.integer(runID), at: 1)
        try insert.bind(.integer(fileID), at: 2)
        try insert.bind(record.line, at: 3)
        try insert.bind(record.index, at: 4)
        for slot in 0..<fieldCount {
            let index = Int32(slot + 5)
            if let bytes = record[slot] {
                try insert.bindText(utf8: bytes, at: index)
            } else {
                try insert.bindNull(at: index)
            }
        }
        try insert.run()
    }

    func reject(_ rejection: Rejection) throws {
        try rejectStatement.bind(rejection.line.map { .int($0) } ?? .null, at: 4)
        try rejectStatement.bind(rejection.recordIndex.map { .int($0) } ?? .null, at: 5)
        try rejectStatement.bind(.optional(rejection.field), at: 6)
        try rejectStatement.bind(.text(rejection.reason), at: 7)
        try rejectStatement.bind(.optional(rejection.raw), at: 8)
        try rejectStatement.run()
        if firstRejections.count < 20 { firstRejections.append(rejection) }
    }
}
