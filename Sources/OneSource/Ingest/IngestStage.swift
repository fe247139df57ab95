import Foundation

/// The ingest stage: finds each dataset's export under the data root, streams it through the reader
/// of its format into the dataset's staging table, and records every file and rejected row.
public struct IngestStage: DoesNextStagesWork, AppendsInBulk {
    public let name = "ingest"
    public let reads: Set<StoreArea> = [.files]
    public let writes: Set<StoreArea> = [.runFiles, .staging, .rejections, .standardized, .findings]

    public init() {}

    /// Ingest can standardize and verify each batch as it stages it (the verify stage then finds it done).
    public func canDo(_ next: String) -> Bool { next == VerifyStage().name }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let tables = try context.pipeline.selectedDatasets(in: context.catalog).map(StagingTable.init)
        // Table changes happen before the data transaction so a failed ingest still leaves the schema usable.
        for table in tables { try table.ensure(in: database) }
        var streams: [String: Int?] = [:]
        var verifiers: [String: RecordVerifier] = [:]
        if context.alsoDoing == VerifyStage().name {
            do {
                for verifier in try VerifyStage.verifiers(for: context) { verifiers[verifier.dataset.id] = verifier }
            } catch {
                // The verify stage reports this itself, after ingest.
                context.log.info("verifying while ingesting is not possible (\(error)); verify will read staging afterwards")
                verifiers = [:]
            }
        }
        let verifying = !verifiers.isEmpty
        var counts = VerifyStage.Counts()
        let outcome: StageOutcome = try database.transaction {
            try clearOutput(of: context.runID, tables: tables, in: database)
            var total = StageOutcome(recordsIn: 0, recordsOut: 0, rejected: 0, hasDefects: false)
            for table in tables {
                // The dataset's batches, key table and verifiers are freed by now: their memory goes back before the next
                // dataset's (1M night: ingest's peak 235-236 MB against 277-312 MB).
                defer { FreedMemory.giveBack() }
                let dataset = table.dataset
                let verification = try verifiers[dataset.id].map {
                    try VerifiedRecordWriter(database: database, runID: context.runID, verifier: $0)
                }
                let started = Date(), before = counts
                defer {
                    if verification != nil {
                        context.log.info(counts.line(for: dataset, since: before, seconds: Date().timeIntervalSince(started)))
                    }
                }
                let files = try FilePattern.matches(dataset.file, under: context.pipeline.dataRoot)
                if files.isEmpty {
                    try recordMissing(dataset, context: context)
                    context.log.info("\(dataset.id): no file matches \(dataset.file) under \(context.pipeline.dataRoot)")
                    total.hasDefects = true
                    continue
                }
                for file in files {
                    let result = try ingest(file: file, table: table, context: context, verification: verification, counts: &counts)
                    total.recordsIn += result.rowsRead
                    total.recordsOut += result.records
                    total.rejected += result.rejected
                    if result.rejected > 0 || result.abortReason != nil || result.unaccounted != 0 { total.hasDefects = true }
                }
                if let verification { streams[dataset.id] = .some(verification.duplicates.order.streams) }
            }
            let today = try RunLedger(database: database).run(context.runID).date
            let deliveryFindings = try DeliveryCheck(database: database, catalog: context.catalog, runID: context.runID, today: today)
                .run(tables.map(\.dataset))
            if deliveryFindings > 0 { total.hasDefects = true }
            // What the verify and load stages need to know, recorded with the files in the same transaction.
            let files = RunFileTable(database: database)
            for (dataset, count) in streams { try files.recordVerified(run: context.runID, dataset: dataset, keyStreams: count) }
            total.message = "read \(total.recordsIn), staged \(total.recordsOut), rejected \(total.rejected)"
                + (verifying ? "; verified as staged" : "") + "; \(deliveryFindings) delivery findings"
            return total
        }
        try auditFiles(context)
        return outcome
    }

    /// Every file read, with its path, size, SHA-256 and counts, in the audit trail.
    private func auditFiles(_ context: StageContext) throws {
        let audit = AuditTrail(database: context.database)
        for file in try RunFileTable(database: context.database).files(run: context.runID) {
            try audit.record("file_ingested", run: context.runID, dataset: file.dataset,
                             path: (context.pipeline.dataRoot as NSString).appendingPathComponent(file.path), size: file.size, sha256: file.sha256,
                             counts: "read \(file.read), staged \(file.staged), rejected \(file.rejected)", outcome: file.status.rawValue)
        }
    }

    /// Removes everything an earlier ingest of this run wrote, so a re-run replaces it.
    private func clearOutput(of run: Int64, tables: [StagingTable], in database: Database) throws {
        // What later stages derived from this run's staging goes too; the runner marks those stages pending.
        for table in tables {
            let standardized = StandardizedTable(dataset: table.dataset)
            if try standardized.exists(in: database) { try standardized.clear(run: run, in: database) }
            try table.clear(run: run, in: database)
        }
        try FindingTable(database: database).delete(run: run)
        try RejectionTable(database: database).delete(run: run)
        try RunFileTable(database: database).delete(run: run)
    }

    private func recordMissing(_ dataset: Dataset, context: StageContext) throws {
        try RunFileTable(database: context.database).recordMissing(run: context.runID, dataset: dataset.id, pattern: dataset.file,
                                                                   reason: "no file matches \(dataset.file) under \(context.pipeline.dataRoot)")
    }

    /// Stages one file; with `verification`, each record is also standardized and verified (by a worker, before
    /// the batch reaches this thread) and written to the standardized table with its findings.
    private func ingest(file: String, table: StagingTable, context: StageContext, verification: VerifiedRecordWriter?,
                        counts: inout VerifyStage.Counts) throws -> ReadSummary {
        let database = context.database
        let dataset = table.dataset
        let relative = FilePattern.relative(file, to: context.pipeline.dataRoot)
        let files = RunFileTable(database: database)
        let fileID = try files.begin(run: context.runID, dataset: dataset.id, path: relative)
        // Only what the catalog may read: a link that leads out of the data root is not opened at all.
        if FilePattern.leavesRoot(file, root: context.pipeline.dataRoot) {
            let reason = "\(relative): a link that leads outside the data root \(context.pipeline.dataRoot): not read"
            try files.fail(file: fileID, reason: reason)
            context.log.info(reason)
            return ReadSummary(abortReason: reason)
        }
        // Parsing runs on another thread and hands over batches; this thread owns the connection and writes.
        let channel = BoundedChannel<IngestMessage>(capacity: 4)
        // Before the workers start: from then on the one checking keys alone touches the key map, until it has sent its last message.
        verification?.mark(counts)
        // About one record per 100 bytes of export is a generous guess for the key map's size.
        if let totalBytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue {
            verification?.reserve(totalBytes / 100)
        }
        BatchProducer.start(dataset: dataset, path: file, displayPath: relative, channel: channel,
                            verifier: verification?.duplicates, fileID: fileID, threads: context.threads)
        defer { channel.cancel() }
        let writer = try StagingWriter(database: database, table: table, runID: context.runID, fileID: fileID,
                                       datasetID: dataset.id)
        let rowsBefore = try table.lastRowID(in: database)
        let noteWriter = try FindingTable.Writer(database: database, runID: context.runID, stage: name)
        let started = Date()
        let totalBytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
        var records = 0
        var summary: ReadSummary
        var size: Int64?
        var digest: String?
        receiving: while true {
            switch channel.receive() {
            case .batch(let batch):
                if let verification {
                    try writer.write(batch) { records, firstRowID, all in
                        let first = records.lowerBound
                        try batch.verified.withUnsafeBufferPointer { verified in
                            try verification.write(UnsafeBufferPointer(rebasing: verified[records]), firstRowID: firstRowID, fileID: fileID,
                                                   counts: &counts, line: { batch.lines[first + $0] }, recordIndex: { batch.indexes[first + $0] },
                                                   delivered: { batch.value(record: first + $0, slot: $1, in: all) })
                        }
                    }
                    // Its standardized rows were bound to the batch's bytes: let go of them before the batch goes.
                    try verification.releaseBindings()
                } else {
                    try writer.write(batch)
                }
                for note in batch.notes {
                    if let finding = DeliveryCheck.noteFinding(note, dataset: dataset, catalog: context.catalog, fileID: fileID, path: relative) {
                        try noteWriter.write(finding)
                    }
                }
                records += batch.recordCount + batch.rejections.count
                Failpoint.check(stage: name, records: records)
                context.log.progress(stage: name, item: relative, records: records, bytes: batch.bytesRead, totalBytes: totalBytes,
                                     elapsed: Date().timeIntervalSince(started))
                // The batch's many strings are freed on another thread, not on this one that writes.
                DispatchQueue.global(qos: .utility).async { _ = batch }
            case .finished(let read, let fileSize, let sha):
                summary = read
                size = fileSize
                digest = sha
                break receiving
            case .failed(let error, let fileSize, let sha):
                // The file as a whole is unreadable (bad header, DOCTYPE, not well-formed, unknown encoding):
                // nothing of it is staged, and the file is reported as failed.
                if let range = try table.appendedRange(after: rowsBefore, in: database) {
                    try table.clear(range, in: database)
                    if verification != nil { try StandardizedTable(dataset: dataset).clear(range, in: database) }
                }
                if let verification {
                    try FindingTable(database: database).delete(file: fileID)
                    counts = verification.takeBack()
                }
                try RejectionTable(database: database).delete(file: fileID)
                summary = ReadSummary(abortReason: error.description)
                size = fileSize
                digest = sha
                break receiving
            }
        }
        var notes = summary.warnings
        if let reason = summary.abortReason { notes.insert(reason, at: 0) }
        try files.finish(file: fileID, RunFileTable.Reading(
            size: size, sha256: digest, status: summary.abortReason == nil ? .ingested : .failed, read: summary.rowsRead,
            staged: summary.records, rejected: summary.rejected, blankLines: summary.blankLines,
            note: notes.isEmpty ? nil : notes.joined(separator: "; "), staging: try table.appendedRange(after: rowsBefore, in: database),
            counted: summary.abortReason == nil ? summary.counted : nil, continuationLines: summary.continuationLines))
        context.log.info("\(relative): read \(summary.rowsRead), staged \(summary.records), rejected \(summary.rejected)"
                         + (summary.unaccounted != 0 ? ", UNACCOUNTED \(summary.unaccounted)" : "")
                         + (summary.abortReason.map { " — \($0)" } ?? ""))
        return summary
    }

}

/// Builds the reader a dataset's format needs.
public enum RecordReaders {
    public static func make(for dataset: Dataset, input: FileInput, displayPath: String) throws -> RecordReader {
        try make(for: dataset, input: input, displayPath: displayPath, decodedCounter: nil)
    }

    /// `decodedCounter`: a counter to feed the decoded text (see `countsDecodedText`).
    static func make(for dataset: Dataset, input: FileInput, displayPath: String, decodedCounter: RecordCounter?) throws -> RecordReader {
        let sources = dataset.fields.map(\.source)
        var source: ByteSource = dataset.needsTranscoding && dataset.format != .xml
            ? try TranscodingInput(input, from: dataset.encoding) : input
        if let decodedCounter { source = CountingSource(source, counter: decodedCounter) }
        let transcoded = dataset.needsTranscoding
        switch dataset.format {
        case .csv:
            return CSVReader(input: source, path: displayPath, columns: sources, delimiter: dataset.delimiter, transcoded: transcoded,
                             multiline: dataset.multilineFields)
        case .json:
            return JSONReader(input: source, path: displayPath, keys: sources, layout: .array, transcoded: transcoded)
        case .ndjson:
            return JSONReader(input: source, path: displayPath, keys: sources, layout: .lines, transcoded: transcoded)
        case .xml:
            // libxml2 decodes by itself, from the declaration or from the catalog's encoding.
            return XMLReader(input: input, path: displayPath, recordPath: dataset.recordPath ?? "",
                             fieldPaths: sources, encoding: dataset.needsTranscoding ? dataset.encoding : nil)
        }
    }

    /// The independent counter of the records a file of `dataset` holds (see `RecordCounter`).
    static func counter(for dataset: Dataset) -> RecordCounter? {
        switch dataset.format {
        case .csv: return LineCounter(whitespaceIsBlank: false)
        case .ndjson: return LineCounter(whitespaceIsBlank: true)
        case .json: return JSONElementCounter()
        case .xml:
            // The record element's name as the file's bytes spell it.
            let name = String((dataset.recordPath ?? "").split(separator: "/").last ?? "")
            guard !name.isEmpty else { return nil }
            let bytes = dataset.needsTranscoding ? (try? TranscodingInput.encode(to: dataset.encoding, name)) : Array(name.utf8)
            return bytes.map { XMLStartTagCounter(name: $0) }
        }
    }

    /// The records `counter` found, once it saw the whole file: for CSV its non-blank lines less the header.
    static func recordsCounted(by counter: RecordCounter, for dataset: Dataset) -> Int {
        dataset.format == .csv ? max(0, counter.count - 1) : counter.count
    }

    /// Whether a dataset's records are counted on its decoded text rather than its raw bytes: a JSON array in a
    /// legacy encoding (a GB18030 trail byte can be a bracket or a backslash; line breaks and XML's '<' cannot).
    static func countsDecodedText(_ dataset: Dataset) -> Bool { dataset.format == .json && dataset.needsTranscoding }

    /// Opens `path` for `dataset`, with its independent counter on the raw bytes where that is where it counts.
    /// `whole: false` for a look at its first record only: neither hashed nor counted.
    static func open(_ dataset: Dataset, path: String, whole: Bool = true) throws -> (FileInput, RecordCounter?) {
        guard whole else { return (try FileInput(path: path, counter: nil, hashing: false), nil) }
        let counter = counter(for: dataset)
        return (try FileInput(path: path, counter: countsDecodedText(dataset) ? nil : counter), counter)
    }

    /// Reads `input` (from `open`) into `sink`, and completes the summary with the independent count of the whole file.
    static func read(_ dataset: Dataset, input: FileInput, counter: RecordCounter?, displayPath: String, into sink: RecordSink) throws -> ReadSummary {
        var summary = try make(for: dataset, input: input, displayPath: displayPath,
                               decodedCounter: countsDecodedText(dataset) ? counter : nil).read(into: sink)
        _ = try input.sha256()   // reads whatever the reader left, so a count on the raw bytes covers the whole file
        summary.counted = counter.map { recordsCounted(by: $0, for: dataset) }
        return summary
    }
}
