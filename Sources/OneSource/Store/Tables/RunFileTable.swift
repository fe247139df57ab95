import Foundation

/// The run ledger's input files (`run_files`): one row per file a run's ingest met (or per dataset whose file
/// was missing), with its size, SHA-256, status, row counts and the staging rowids its rows got. Its SQL lives here.
public struct RunFileTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// A file's status in a run.
    public enum Status: String, Sendable, CaseIterable {
        /// Read to its end (rows may still have been rejected).
        case ingested
        /// No file matched the dataset's pattern.
        case missing
        /// The file as a whole could not be read (encoding, header, XML that is not well-formed, not a regular file).
        case failed
    }

    /// One input file of one run.
    public struct File: Sendable, Equatable {
        public let id: Int64
        public let run: Int64
        public let dataset: String
        public let path: String
        public let size: Int64?
        public let sha256: String?
        public let status: Status
        public let read: Int
        public let staged: Int
        public let rejected: Int
        public let blankLines: Int
        /// Why it failed, or what was remarkable about it (a JSON array never closed).
        public let note: String?
        /// The records the file holds by an independent count of its bytes (nil: not counted).
        public let counted: Int?
        /// CSV lines taken by records spanning lines, beyond their first.
        public let continuationLines: Int

        /// Records the independent count found that the reader did not account for (0 when they agree).
        public var unaccounted: Int { counted.map { $0 - read - continuationLines } ?? 0 }
    }

    static let select = """
        SELECT file_id, run_id, dataset_id, path, size_bytes, sha256, status, rows_read, rows_staged, rows_rejected, blank_lines, error,
               rows_counted, continuation_lines
        FROM run_files
        """

    static func file(_ s: Statement) -> File {
        File(id: s.int64("file_id"), run: s.int64("run_id"), dataset: s.text("dataset_id") ?? "", path: s.text("path") ?? "",
             size: s.optionalInt64("size_bytes"), sha256: s.text("sha256"), status: Status(rawValue: s.text("status") ?? "") ?? .failed,
             read: s.int("rows_read"), staged: s.int("rows_staged"), rejected: s.int("rows_rejected"), blankLines: s.int("blank_lines"),
             note: s.text("error"), counted: s.optionalInt64("rows_counted").map(Int.init), continuationLines: s.int("continuation_lines"))
    }

    /// One file by id.
    /// Every file ever recorded for `dataset`, in any run.
    public func fileIDs(dataset: String) throws -> [Int64] {
        try database.map("SELECT file_id FROM run_files WHERE dataset_id = ? ORDER BY file_id", [.text(dataset)]) { $0.int64("file_id") }
    }

    public func file(_ id: Int64) throws -> File? {
        try database.map(RunFileTable.select + " WHERE file_id = ?", [.integer(id)], RunFileTable.file).first
    }

    /// The files of a run (of one dataset, when given), in the order ingest met them (or by dataset and path).
    public func files(run: Int64, dataset: String? = nil, byPath: Bool = false) throws -> [File] {
        try database.map(RunFileTable.select + " WHERE run_id = ?\(dataset == nil ? "" : " AND dataset_id = ?") "
                         + (byPath ? "ORDER BY dataset_id, path" : "ORDER BY file_id"),
                         [.integer(run)] + (dataset.map { [SQLValue.text($0)] } ?? []), RunFileTable.file)
    }

    /// The first run up to `run` that read a file of `dataset` with this content: when it was delivered.
    public func firstRun(of dataset: String, content sha256: String, upTo run: Int64) throws -> Int64? {
        try database.queryScalarInt("""
            SELECT min(run_id) FROM run_files WHERE dataset_id = ? AND sha256 = ? AND run_id <= ? AND status = 'ingested'
            """, [.text(dataset), .text(sha256), .integer(run)])
    }

    /// The latest run before `run` that read a file of `dataset`, with the rows it staged and the content of its
    /// first file read.
    public func previousDelivery(of dataset: String, before run: Int64) throws -> (run: Int64, staged: Int, sha256: String?)? {
        guard let previous = try database.queryScalarInt("""
            SELECT max(run_id) FROM run_files WHERE dataset_id = ? AND run_id < ? AND status = 'ingested'
            """, [.text(dataset), .integer(run)]) else { return nil }
        let files = try self.files(run: previous, dataset: dataset).filter { $0.status == .ingested }
        return (previous, files.reduce(0) { $0 + $1.staged }, files.first?.sha256)
    }

    /// Records that ingest standardized and verified the dataset's files of the run as it staged them, and how the
    /// dataset's keys arrived: the ascending streams (nil: more than load's limit).
    public func recordVerified(run: Int64, dataset: String, keyStreams: Int?) throws {
        try database.run("UPDATE run_files SET verified_at_ingest = 1, key_streams = ? WHERE run_id = ? AND dataset_id = ?",
                         [.int(keyStreams ?? -1), .integer(run), .text(dataset)])
    }

    /// Whether ingest verified every file of the run it read (false when it read none).
    public func verifiedAtIngest(run: Int64) throws -> Bool {
        let row = try database.rows("""
            SELECT count(*), coalesce(sum(verified_at_ingest), 0) FROM run_files WHERE run_id = ? AND status = 'ingested'
            """, [.integer(run)]).first
        let files = row?[0].integer ?? 0
        return files > 0 && row?[1].integer == files
    }

    /// How the dataset's keys arrived this run, as ingest counted them: `.some(n)` ascending streams, `.some(nil)` more
    /// than load's limit, nil when not counted.
    public func keyStreams(run: Int64, dataset: String) throws -> Int?? {
        guard let value = try database.queryScalarInt("""
            SELECT key_streams FROM run_files WHERE run_id = ? AND dataset_id = ? AND verified_at_ingest = 1 AND key_streams IS NOT NULL LIMIT 1
            """, [.integer(run), .text(dataset)]) else { return nil }
        return .some(value < 0 ? nil : Int(value))
    }

    /// When the retention policy pruned the run's delivered copies (the first file pruned), if it did.
    public func prunedAt(run: Int64) throws -> String? {
        try database.queryScalarText("SELECT min(pruned_at) FROM run_files WHERE run_id = ? AND pruned_at IS NOT NULL", [.integer(run)])
    }

    /// Per dataset, the staging rowids from the first to the last the run's files of it were given: what the run's rows of
    /// a staging or standardized table lie within (the rows of earlier runs kept by the retention policy lie before).
    public func stagingSpans(run: Int64) throws -> [String: ClosedRange<Int64>] {
        var spans: [String: ClosedRange<Int64>] = [:]
        try database.forEach("""
            SELECT dataset_id, min(staging_first), max(staging_last) FROM run_files
            WHERE run_id = ? AND staging_first IS NOT NULL AND staging_first <= staging_last GROUP BY dataset_id
            """, [.integer(run)]) { row in
            if let dataset = row.text(0), let first = row.optionalInt64(1), let last = row.optionalInt64(2) { spans[dataset] = first...last }
        }
        return spans
    }

    /// The staging rowid ranges of a run's files of `dataset`, in file order.
    public func stagingRanges(run: Int64, dataset: String) throws -> [ClosedRange<Int64>] {
        try database.map("""
            SELECT staging_first, staging_last FROM run_files WHERE run_id = ? AND dataset_id = ? AND staging_first IS NOT NULL ORDER BY file_id
            """, [.integer(run), .text(dataset)]) { row -> ClosedRange<Int64>? in
            guard let first = row.optionalInt64("staging_first"), let last = row.optionalInt64("staging_last"), first <= last else { return nil }
            return first...last
        }.compactMap { $0 }
    }

    /// Records a file ingest starts to read; returns its id.
    public func begin(run: Int64, dataset: String, path: String) throws -> Int64 {
        try database.run("INSERT INTO run_files (run_id, dataset_id, path, status) VALUES (?, ?, ?, 'ingested')",
                         [.integer(run), .text(dataset), .text(path)])
        return database.lastInsertRowID
    }

    /// Marks a file failed as a whole before it was read.
    public func fail(file: Int64, reason: String) throws {
        try database.run("UPDATE run_files SET status = 'failed', error = ? WHERE file_id = ?", [.text(reason), .integer(file)])
    }

    /// Records that no file matched a dataset's pattern.
    public func recordMissing(run: Int64, dataset: String, pattern: String, reason: String) throws {
        try database.run("INSERT INTO run_files (run_id, dataset_id, path, status, error) VALUES (?, ?, ?, 'missing', ?)",
                         [.integer(run), .text(dataset), .text(pattern), .text(reason)])
    }

    /// How a file's reading ended.
    public struct Reading: Sendable {
        public var size: Int64?
        public var sha256: String?
        public var status: Status
        public var read: Int, staged: Int, rejected: Int, blankLines: Int
        public var note: String?
        /// The staging rowids its rows got.
        public var staging: ClosedRange<Int64>?
        /// The independent count of its records (nil: not counted, or the file failed).
        public var counted: Int?
        public var continuationLines: Int
    }

    /// Records how a file's reading ended.
    public func finish(file: Int64, _ reading: Reading) throws {
        try database.run("""
            UPDATE run_files SET size_bytes = ?, sha256 = ?, status = ?, rows_read = ?, rows_staged = ?, rows_rejected = ?, blank_lines = ?,
                error = ?, staging_first = ?, staging_last = ?, rows_counted = ?, continuation_lines = ?
            WHERE file_id = ?
            """, [reading.size.map { .integer($0) } ?? .null, .optional(reading.sha256), .text(reading.status.rawValue), .int(reading.read),
                  .int(reading.staged), .int(reading.rejected), .int(reading.blankLines), .optional(reading.note),
                  reading.staging.map { .integer($0.lowerBound) } ?? .null, reading.staging.map { .integer($0.upperBound) } ?? .null,
                  reading.counted.map { .int($0) } ?? .null, .int(reading.continuationLines), .integer(file)])
    }

    /// Removes a run's files (a re-run of ingest replaces them).
    public func delete(run: Int64) throws {
        try database.run("DELETE FROM run_files WHERE run_id = ?", [.integer(run)])
    }
}
