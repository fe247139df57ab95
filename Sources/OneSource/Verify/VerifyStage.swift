import Foundation

/// The verify stage: standardizes every staged value (one standard per element), writes the canonical
/// values to the dataset's standardized table, and runs the per-record rules, producing findings.
/// Records are verified in parallel chunks; findings come out in record order whatever the thread count.
public struct VerifyStage: Stage {
    public let name = "verify"
    public let reads: Set<StoreArea> = [.runFiles, .staging]
    public let writes: Set<StoreArea> = [.standardized, .findings]
    /// Records read from staging and verified together.
    static let chunkSize = 16_384

    public init() {}

    /// Before a night: the division table the division standard needs loads.
    public func check(_ context: CheckContext) -> [CheckFinding] {
        do {
            _ = try DivisionTable.load(path: context.pipeline.divisionTable)
            return []
        } catch {
            return [CheckFinding(.problem, file: context.pipeline.path, path: "$.divisions", "\(error)")]
        }
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        // In a run, ingest verified each batch as it staged it (see `IngestStage`) and recorded so with its files:
        // nothing is left to do. By hand, the stage redoes its work whatever was recorded.
        if context.invocation == .pipeline, try RunFileTable(database: database).verifiedAtIngest(run: context.runID) {
            context.log.info("records were standardized and verified by ingest as they were staged")
            return try VerifyStage.recordedOutcome(context)
        }
        let verifiers = try VerifyStage.verifiers(for: context)
        return try database.transaction {
            try FindingTable(database: database).delete(run: context.runID, stage: name)
            var counts = Counts()
            for verifier in verifiers {
                let table = StandardizedTable(dataset: verifier.dataset)
                // Staging may have left values to the standardized rows about to be replaced: it takes them back first.
                // The reader (another connection) reads the committed rows, staging and standardized together.
                try StagingTable(dataset: verifier.dataset).restoreDelivered(run: context.runID, in: database)
                try table.clear(run: context.runID, in: database)
                let started = Date()
                let before = counts
                try verify(verifier, table: table, context: context, counts: &counts)
                context.log.info(counts.line(for: verifier.dataset, since: before, seconds: Date().timeIntervalSince(started)))
            }
            return counts.outcome
        }
    }

    /// One verifier per selected dataset, their staging and standardized tables created (outside any transaction).
    static func verifiers(for context: StageContext) throws -> [RecordVerifier] {
        let database = context.database
        let divisions = try DivisionTable.load(path: context.pipeline.divisionTable)
        let run = try RunLedger(database: database).run(context.runID)
        let standards = StandardContext(today: run.date, divisions: divisions)
        let datasets = try context.pipeline.selectedDatasets(in: context.catalog)
        let verifiers = try datasets.map { try RecordVerifier(dataset: $0, catalog: context.catalog, context: standards) }
        for dataset in datasets {
            try StagingTable(dataset: dataset).ensure(in: database)
            try StandardizedTable(dataset: dataset).ensure(in: database)
        }
        return verifiers
    }

    /// The outcome of the verification ingest did, from what it stored: records standardized, those with errors, and
    /// the verify findings by severity. Ingest wrote a standardized row for every record it staged, so the records are
    /// the files' staged counts (counting the rows instead read every page of the standardized tables: 0.43 s at 1M persons).
    static func recordedOutcome(_ context: StageContext) throws -> StageOutcome {
        var counts = Counts()
        let findings = FindingTable(database: context.database)
        let files = RunFileTable(database: context.database)
        for dataset in try context.pipeline.selectedDatasets(in: context.catalog) {
            counts.records += try files.files(run: context.runID, dataset: dataset.id).reduce(0) { $0 + $1.staged }
            counts.withErrors += try StandardizedTable(dataset: dataset).countWithErrors(run: context.runID, in: context.database)
        }
        for (severity, count) in try findings.countBySeverity(run: context.runID, stage: "verify") {
            counts.bySeverity[severity] = count
            counts.findings += count
        }
        return counts.outcome
    }

    /// What verification counted, over all datasets of the run.
    struct Counts {
        var records = 0
        var withErrors = 0
        var findings = 0
        var bySeverity: [Severity: Int] = [:]

        func line(for dataset: Dataset, since before: Counts, seconds: Double) -> String {
            "\(dataset.id): verified \(records - before.records) records in \(String(format: "%.2f", seconds)) s, "
                + "\(findings - before.findings) findings, \(withErrors - before.withErrors) records with errors"
        }

        var outcome: StageOutcome {
            StageOutcome(recordsIn: records, recordsOut: records - withErrors, rejected: withErrors,
                         hasDefects: bySeverity[.error, default: 0] > 0,
                         message: "verified \(records) records; findings: \(bySeverity[.error, default: 0]) errors, "
                             + "\(bySeverity[.warning, default: 0]) warnings, \(bySeverity[.notice, default: 0]) notices; "
                             + "\(withErrors) records with errors")
        }
    }

    private func verify(_ verifier: RecordVerifier, table: StandardizedTable, context: StageContext, counts: inout Counts) throws {
        let database = context.database
        let started = Date()
        let dataset = verifier.dataset
        let staging = StagingTable(dataset: dataset)
        let writer = try VerifiedRecordWriter(database: database, runID: context.runID, verifier: verifier)
        let files = RunFileTable(database: database)
        writer.reserve(try files.files(run: context.runID, dataset: dataset.id).reduce(0) { $0 + $1.staged })
        // A second connection reads the next chunk of staging (committed by ingest) while this one verifies
        // and writes the current chunk: WAL lets a reader and the writer work at the same time.
        let channel = BoundedChannel<VerifyChunk>(capacity: 2)
        VerifyStage.startReader(path: database.path, table: staging, ranges: try files.stagingRanges(run: context.runID, dataset: dataset.id),
                                channel: channel)
        defer { channel.cancel() }
        while true {
            let message = channel.receive()
            guard case .chunk(let rowIDs, let inputs) = message else {
                if case .failed(let error) = message { throw PipelineError.stageFailed(stage: name, reason: "reading staging", cause: error) }
                break
            }
            let outputs = VerifyStage.verifyInParallel(inputs, with: verifier, threads: context.threads)
            context.log.progress(stage: name, item: dataset.id, records: counts.records + inputs.count, bytes: nil, totalBytes: nil,
                                 elapsed: Date().timeIntervalSince(started))
            for (index, output) in outputs.enumerated() {
                let input = inputs[index]
                try writer.write(rowID: rowIDs[index], fileID: input.fileID, line: input.line, recordIndex: input.recordIndex,
                                 output: output, counts: &counts)
            }
        }
    }

    /// Reads staging rows in chunks on a background queue, with its own connection, into `channel`.
    static func startReader(path: String, table: StagingTable, ranges: [ClosedRange<Int64>], channel: BoundedChannel<VerifyChunk>) {
        DispatchQueue.global(qos: .userInitiated).async {
            do {
                try table.readChunks(path: path, ranges: ranges, size: chunkSize) { rows in
                    channel.send(.chunk(rows.map(\.rowID), rows.map {
                        RecordVerifier.Input(fileID: $0.fileID, line: $0.line, recordIndex: $0.recordIndex, values: $0.values)
                    }))
                }
                channel.send(.done)
            } catch {
                channel.send(.failed(error))
            }
        }
    }

    /// Verifies `inputs` on `threads` threads; the outputs are in input order.
    static func verifyInParallel(_ inputs: [RecordVerifier.Input], with verifier: RecordVerifier, threads: Int) -> [RecordVerifier.Output] {
        verifyInParallel(count: inputs.count, with: verifier, threads: threads) { $1 = inputs[$0] }
    }

    /// Verifies records 0..<count, each filled in by `fill` (on the verifying thread) into an input that each thread
    /// reuses from one record to the next (its values array is overwritten, not made and freed per record), on
    /// `threads` threads in several slices per thread; the outputs are in record order whatever the thread count.
    /// `bytesKept`: the writer will have each record's delivered bytes, so the outputs leave the canonical values equal
    /// to them to those (`RecordVerifier.verify(_:leavingDeliveredToBytes:)`).
    static func verifyInParallel(count: Int, with verifier: RecordVerifier, threads: Int, bytesKept: Bool = false,
                                 fill: @Sendable (Int, inout RecordVerifier.Input) -> Void) -> [RecordVerifier.Output] {
        // The output is handed over `consuming`: passed borrowed, storing it copied it (three retains) and then destroyed
        // the original (three releases), for every record.
        @Sendable func verify(_ records: Range<Int>, _ output: (Int, consuming RecordVerifier.Output) -> Void) {
            var input = RecordVerifier.Input(fileID: 0, line: 0, recordIndex: 0, values: [])
            for record in records {
                fill(record, &input)
                let verified = verifier.verify(&input, leavingDeliveredToBytes: bytesKept)
                output(record, consume verified)
            }
        }
        if threads <= 1 || count < 256 {
            var outputs: [RecordVerifier.Output] = []
            outputs.reserveCapacity(count)
            verify(0..<count) { outputs.append($1) }
            return outputs
        }
        let slices = min(threads * 4, count)
        // Each slice initializes its own range of one array in place: no per-slice arrays to join and copy.
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            let outputs = DisjointSlots(buffer)
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                verify(count * slice / slices..<count * (slice + 1) / slices) { outputs.initialize($0, to: $1) }
            }
            initialized = count
        }
    }
}

/// What the staging reader hands to the verifier.
enum VerifyChunk: Sendable {
    case chunk([Int64], [RecordVerifier.Input])
    case done
    case failed(any Error)
}

/// The keys seen so far in one dataset this run: the second record with a key gets the duplicate-key
/// finding (record order decides which is first). Used by one thread at a time.
final class DuplicateKeys: @unchecked Sendable {   // handed from the verifying worker to the writer through a channel
    let verifier: RecordVerifier
    // One thread at a time uses it (see above) and no access overlaps another, so the runtime's exclusivity check
    // on each access (two per record) is left out.
    @exclusivity(unchecked) private var firstLines = KeyTable()
    /// Where the keys of the current file begin, so a file that fails as a whole can be taken back.
    @exclusivity(unchecked) private var fileMark = 0
    /// How the keys arrive (for load). Counts every key checked, also of records that fail or files taken back:
    /// more keys never need fewer streams, so load's choice stays on the safe side.
    @exclusivity(unchecked) private(set) var order = KeyOrder.Tally()

    init(verifier: RecordVerifier) { self.verifier = verifier }

    /// Adds the duplicate-key finding to `output` when its key was seen before.
    func check(_ output: inout RecordVerifier.Output, fileID: Int64, line: Int, recordIndex: Int) {
        guard output.recordKey.utf8.contains(where: { $0 != UInt8(ascii: "|") }) else { return }
        order.add(output.recordKey)
        guard let first = firstLines.firstLine(of: output.recordKey, insertingAt: line) else { return }
        if let duplicate = verifier.duplicateKeyFinding(
            RecordVerifier.Input(fileID: fileID, line: line, recordIndex: recordIndex, values: []),
            key: output.recordKey, firstLine: first) {
            output.findings.append(duplicate)
            if duplicate.severity == .error { output.hasError = true }
        }
    }

    /// What `warm` read, kept so its reads are not left out.
    @exclusivity(unchecked) private var warmth = 0

    /// Checks `outputs` in order, as `check` each (`line` and `recordIndex` of each by its position); the keys' slots
    /// are read into the cache sixteen at a time first (`KeyTable.warm`).
    func check(_ outputs: inout [RecordVerifier.Output], fileID: Int64, line: (Int) -> Int, recordIndex: (Int) -> Int) {
        var start = 0
        while start < outputs.count {
            let end = min(start + 16, outputs.count)
            warmth &+= firstLines.warm(end - start) { outputs[start + $0].recordKey }
            for record in start..<end { check(&outputs[record], fileID: fileID, line: line(record), recordIndex: recordIndex(record)) }
            start = end
        }
    }

    /// Makes room for `records` more keys, so the table does not grow step by step.
    func reserve(_ records: Int) { firstLines.reserve(records) }

    func mark() { fileMark = firstLines.mark }

    /// Forgets the keys first seen since `mark` (their rows were removed).
    func takeBack() { firstLines.removeKeys(addedSince: fileMark) }
}

/// Writes verified records of one dataset: the standardized row under the staging rowid and the findings.
/// Used by the verify stage and by ingest when it verifies as it stages.
final class VerifiedRecordWriter {
    private let insert: Statement
    /// `StagingTable.rowsPerInsert` rows at once, for ingest's batches.
    private let insertMany: Statement
    private let findings: FindingTable.Writer
    private let runID: Int64
    private let columnCount: Int
    let duplicates: DuplicateKeys
    private var countsAtMark = VerifyStage.Counts()

    var verifier: RecordVerifier { duplicates.verifier }

    init(database: Database, runID: Int64, verifier: RecordVerifier) throws {
        let table = StandardizedTable(dataset: verifier.dataset)
        insert = try table.insertStatement(in: database, rows: 1)
        insertMany = try table.insertStatement(in: database, rows: StagingTable.rowsPerInsert)
        columnCount = table.elementColumns.count
        findings = try FindingTable.Writer(database: database, runID: runID, stage: "verify")
        duplicates = DuplicateKeys(verifier: verifier)
        self.runID = runID
    }

    /// Writes one record; `checked` says whether `duplicates` already saw it (ingest checks on its worker).
    /// `delivered` gives a column's delivered bytes when the caller has them: a canonical value equal to the
    /// delivered one is then bound without a copy (call `releaseBindings()` before those bytes go away).
    func write(rowID: Int64, fileID: Int64, line: Int, recordIndex: Int, output: RecordVerifier.Output, checked: Bool = false,
               counts: inout VerifyStage.Counts, delivered: (Int) -> UnsafeBufferPointer<UInt8>? = { _ in nil }) throws {
        var output = output
        if !checked { duplicates.check(&output, fileID: fileID, line: line, recordIndex: recordIndex) }
        try insert.bind(.integer(runID), at: 1)
        try insert.bind(.integer(fileID), at: 2)
        try withUnsafePointer(to: &output) { output in
            try bind(insert, row: 0, rowID: rowID, line: line, recordIndex: recordIndex, output: output, delivered: delivered)
            try insert.step()
            insert.resetKeepingBindings()
            try record(output, counts: &counts)
        }
    }

    /// Writes `outputs.count` records, already verified and checked for duplicate keys, staged under consecutive rowids
    /// from `firstRowID`: record `i` at `line(i)`, `recordIndex(i)`, verified as `outputs[i]`, with its delivered bytes of
    /// column `slot` at `delivered(i, slot)` when the caller has them (valid during the call).
    /// `StagingTable.rowsPerInsert` records go in one statement, fewer one by one. Canonical values equal to the
    /// delivered ones are bound without a copy (call `releaseBindings()` before the bytes go away); outputs verified with
    /// `bytesKept` hold "" for those values, so `delivered` must give every such column's bytes. The outputs are read
    /// where they lie, not copied, and the closures are not kept: nothing is allocated per record (this runs on the one
    /// thread that writes).
    func write(_ outputs: UnsafeBufferPointer<RecordVerifier.Output>, firstRowID: Int64, fileID: Int64, counts: inout VerifyStage.Counts,
               line: (Int) -> Int, recordIndex: (Int) -> Int, delivered: (Int, Int) -> UnsafeBufferPointer<UInt8>?) throws {
        let count = outputs.count
        let many = count == StagingTable.rowsPerInsert
        let statement = many ? insertMany : insert
        try statement.bind(.integer(runID), at: 1)
        try statement.bind(.integer(fileID), at: 2)
        for index in 0..<count {
            try bind(statement, row: many ? index : 0, rowID: firstRowID + Int64(index), line: line(index), recordIndex: recordIndex(index),
                     output: outputs.baseAddress! + index) { slot in delivered(index, slot) }
            if !many {
                try statement.step()
                statement.resetKeepingBindings()
            }
        }
        if many {
            try statement.step()
            statement.resetKeepingBindings()
        }
        for index in 0..<count { try record(outputs.baseAddress! + index, counts: &counts) }
    }

    /// Binds one row's parameters (see `StandardizedTable.insertStatement`).
    private func bind(_ statement: Statement, row: Int, rowID: Int64, line: Int, recordIndex: Int, output: UnsafePointer<RecordVerifier.Output>,
                      delivered: (Int) -> UnsafeBufferPointer<UInt8>?) throws {
        let base = Int32(3 + row * (5 + columnCount))
        try statement.bind(.integer(rowID), at: base)
        try statement.bind(line, at: base + 1)
        try statement.bind(recordIndex, at: base + 2)
        try statement.bind(text: output.pointee.recordKey, at: base + 3)
        try statement.bind(output.pointee.hasError ? 1 : 0, at: base + 4)
        let asDelivered = output.pointee.asDelivered
        try output.pointee.values.withUnsafeBufferPointer { values in
            for slot in values.indices {
                let index = base + 5 + Int32(slot)
                if values[slot] == nil {
                    try statement.bindNull(at: index)
                } else if slot < 64, asDelivered & (1 << UInt64(slot)) != 0, let bytes = delivered(slot) {
                    try statement.bindTextNoCopy(utf8: bytes, at: index)
                } else {
                    try statement.bind(text: values[slot]!, at: index)
                }
            }
        }
    }

    /// Writes a record's findings and counts it.
    private func record(_ output: UnsafePointer<RecordVerifier.Output>, counts: inout VerifyStage.Counts) throws {
        for finding in output.pointee.findings {
            try findings.write(finding)
            counts.bySeverity[finding.severity, default: 0] += 1
            counts.findings += 1
        }
        counts.records += 1
        if output.pointee.hasError { counts.withErrors += 1 }
    }

    func reserve(_ records: Int) { duplicates.reserve(records) }

    /// Drops the statements' bindings (some may point into bytes about to be freed).
    func releaseBindings() throws {
        try insert.reset()
        try insertMany.reset()
    }

    /// Remembers where a file starts.
    func mark(_ counts: VerifyStage.Counts) {
        duplicates.mark()
        countsAtMark = counts
    }

    /// Forgets the keys of the file since `mark` (its rows were removed); returns the counts as they were.
    func takeBack() -> VerifyStage.Counts {
        duplicates.takeBack()
        return countsAtMark
    }
}

@available(*, unavailable)
extension VerifiedRecordWriter: Sendable {}

