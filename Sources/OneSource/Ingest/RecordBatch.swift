/// A run of records copied out of a reader's buffers, so parsing (one thread) and writing to the store
/// (another) can overlap. A value type: it crosses threads by copy, never by sharing.
public struct RecordBatch: Sendable {
    /// All values of all records, back to back: the first `byteCount` bytes (room is made ahead, zero-filled, so that a
    /// value goes in with one copy instead of through `append(contentsOf:)`, about 70 instructions a value).
    private(set) var bytes: [UInt8] = []
    private(set) var byteCount = 0
    /// Per record: physical line and record index.
    var lines: [Int] = []
    var indexes: [Int] = []
    /// Per record, per field: start in `bytes`, and length (-1 for an absent value).
    var starts: [Int] = []
    var lengths: [Int] = []
    /// Rejected rows met while filling this batch.
    var rejections: [Rejection] = []
    /// Accepted records worth reporting (a CSV record spanning lines), met while filling this batch.
    var notes: [Rejection] = []
    /// Bytes of the file read when the batch was sent (for progress).
    var bytesRead: Int64 = 0
    /// When ingest verifies as it stages: each record's standardized values and findings, in record order.
    var verified: [RecordVerifier.Output] = []
    let fieldCount: Int

    init(fieldCount: Int) {
        self.fieldCount = fieldCount
    }

    /// An empty batch with room for `records` records of `bytes` bytes of values, so filling it never regrows its
    /// arrays (growing them step by step copied every value about once more).
    init(fieldCount: Int, records: Int, bytes: Int) {
        self.fieldCount = fieldCount
        self.bytes = [UInt8](repeating: 0, count: bytes)
        lines.reserveCapacity(records)
        indexes.reserveCapacity(records)
        starts.reserveCapacity(records * fieldCount)
        lengths.reserveCapacity(records * fieldCount)
    }

    var recordCount: Int { lines.count }

    /// Standardizes and verifies every record of the batch (values decoded from the bytes exactly as staging
    /// would hand them back) on the calling thread: ingest's workers each take whole batches (see `BatchProducer`).
    /// The duplicate-key check follows (`checkDuplicates`).
    mutating func verify(with verifier: RecordVerifier, fileID: Int64) {
        let batch = self
        let repeatable = verifier.repeatableColumns
        verified = VerifyStage.verifyInParallel(count: recordCount, with: verifier, threads: 1, bytesKept: true) { record, input in
            input.fileID = fileID
            input.line = batch.lines[record]
            input.recordIndex = batch.indexes[record]
            if input.values.count != batch.fieldCount {
                input.values = Array(repeating: nil, count: batch.fieldCount)
                input.prepareMemo(columns: batch.fieldCount)
            }
            // A value of a repeatable column equal to the one this input held keeps that string, and its result (see
            // `RecordVerifier.repeatableColumns`); any other is decoded.
            var repeats: UInt64 = 0
            batch.withBytes { all in
                for slot in 0..<batch.fieldCount {
                    guard let bytes = batch.value(record: record, slot: slot, in: all) else {
                        input.values[slot] = nil
                        continue
                    }
                    if slot < 64, repeatable & (1 << UInt64(slot)) != 0, let previous = input.values[slot], TextBytes.equal(previous, bytes) {
                        repeats |= 1 << UInt64(slot)
                        continue
                    }
                    input.values[slot] = String(decoding: bytes, as: UTF8.self)
                }
            }
            input.repeats = repeats
        }
    }

    /// The duplicate-key check of the verified records, in record order (see `DuplicateKeys`).
    mutating func checkDuplicates(_ duplicates: DuplicateKeys, fileID: Int64) {
        duplicates.check(&verified, fileID: fileID, line: { lines[$0] }, recordIndex: { indexes[$0] })
    }

    mutating func append(_ record: RecordFields) {
        lines.append(record.line)
        indexes.append(record.index)
        for slot in 0..<fieldCount {
            if let value = record[slot] {
                starts.append(byteCount)
                lengths.append(value.count)
                appendBytes(value)
            } else {
                starts.append(0)
                lengths.append(-1)
            }
        }
    }

    private mutating func appendBytes(_ value: UnsafeBufferPointer<UInt8>) {
        let count = value.count
        guard count > 0, let source = value.baseAddress else { return }
        if byteCount + count > bytes.count {
            bytes.append(contentsOf: repeatElement(0, count: Swift.max(byteCount + count - bytes.count, bytes.count, 4096)))
        }
        let at = byteCount
        bytes.withUnsafeMutableBufferPointer { buffer in (buffer.baseAddress! + at).update(from: source, count: count) }
        byteCount += count
    }

    /// Calls `body` with the batch's bytes; values are read from them with `value(record:slot:in:)`.
    func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer(body)
    }

    /// The value of one field of one record, nil when absent; `all` comes from `withBytes`.
    func value(record: Int, slot: Int, in all: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        let k = record * fieldCount + slot
        let length = lengths[k]
        if length < 0 { return nil }
        return UnsafeBufferPointer(rebasing: all[starts[k]..<(starts[k] + length)])
    }
}

/// What the parsing side of ingest sends to the writing side, in order.
enum IngestMessage: Sendable {
    case batch(RecordBatch)
    /// The file was read to its end.
    case finished(ReadSummary, size: Int64, sha256: String)
    /// The file as a whole could not be read; `size` and `sha256` when it could at least be opened.
    case failed(IngestError, size: Int64?, sha256: String?)
}

import Foundation

/// The producer side: reads a file with its dataset's reader and sends batches down a channel.
enum BatchProducer {
    /// Records per batch; large enough to amortise the hand-over, small enough to keep memory flat.
    static let batchRecords = 4096
    /// Bytes of values after which a batch is sent even when it holds fewer records.
    static let batchBytes = 1 << 20
    /// The most verifying workers one file gets, whatever `--threads` says.
    static let maxWorkers = 64

    private final class BatchingSink: RecordSink {
        let channel: BoundedChannel<IngestMessage>
        /// Appended to for every record, on the reader's thread only: no runtime exclusivity check.
        @exclusivity(unchecked) var batch: RecordBatch
        let fieldCount: Int
        let input: FileInput

        init(channel: BoundedChannel<IngestMessage>, fieldCount: Int, input: FileInput) {
            self.channel = channel
            self.fieldCount = fieldCount
            self.input = input
            batch = BatchingSink.empty(fieldCount: fieldCount)
        }

        /// A batch with room for a full one: a record may take it past `batchBytes` by at most one record's values,
        /// which a reader bounds at 1 MiB.
        static func empty(fieldCount: Int) -> RecordBatch {
            RecordBatch(fieldCount: fieldCount, records: BatchProducer.batchRecords, bytes: BatchProducer.batchBytes + (64 << 10))
        }

        func accept(_ record: RecordFields) throws {
            batch.append(record)
            if batch.recordCount >= BatchProducer.batchRecords || batch.byteCount >= BatchProducer.batchBytes { flush() }
        }

        func reject(_ rejection: Rejection) throws {
            batch.rejections.append(rejection)
            if batch.rejections.count >= BatchProducer.batchRecords { flush() }
        }

        func note(_ note: Rejection) throws {
            batch.notes.append(note)
        }

        func flush() {
            guard batch.recordCount > 0 || !batch.rejections.isEmpty || !batch.notes.isEmpty else { return }
            batch.bytesRead = input.bytesRead
            channel.send(.batch(batch))
            batch = BatchingSink.empty(fieldCount: fieldCount)
        }
    }

    /// Starts reading `path` on a background queue; the messages arrive on `channel`, ending with
    /// `.finished` or `.failed`.
    /// With a `verifier`, `threads` workers standardize and verify whole batches, each its own, between the reader and
    /// `channel`, and one more worker checks their keys for duplicates in record order as they come back in file order.
    /// So parsing, verifying, the key check and writing overlap. (Verifying each batch on all threads at once, then
    /// checking its keys, made every batch wait for its slowest slice and then for the serial key check, while the
    /// writer waited for the batch: about one core in eight stood idle through ingest.)
    static func start(dataset: Dataset, path: String, displayPath: String, channel: BoundedChannel<IngestMessage>,
                      verifier: DuplicateKeys? = nil, fileID: Int64 = 0, threads: Int = 1) {
        guard let duplicates = verifier else { return read(dataset: dataset, path: path, displayPath: displayPath, channel: channel) }
        // More workers than cores gain nothing; the bound keeps a mistyped --threads from asking Dispatch for hundreds
        // of threads (it starts at most about 255; a worker it never starts is harmless, the reader and key check are not).
        let workers = min(max(1, threads), BatchProducer.maxWorkers)
        let parsed = BoundedChannel<IngestMessage>(capacity: workers)
        let numbered = Numbered(parsed)
        let verified = InOrder<IngestMessage>(window: workers + 1)
        read(dataset: dataset, path: path, displayPath: displayPath, channel: parsed)
        // From here on this worker alone touches the key table, until it has sent its last message. It starts before the
        // verifying workers, so it has its thread whatever else is waiting.
        Background.loop {
            while true {
                var message = verified.take()
                switch message {
                case .batch(var batch):
                    // The message lets go of the batch first: held twice, the batch's outputs were copied whole by the
                    // first change the key check made to them.
                    message = .batch(RecordBatch(fieldCount: 0))
                    batch.checkDuplicates(duplicates, fileID: fileID)
                    channel.send(.batch(batch))
                    // The writer gave up: stop the verifiers and the reader too.
                    if channel.isCancelled {
                        verified.cancel()
                        parsed.cancel()
                        return
                    }
                case .finished, .failed:
                    channel.send(message)
                    return
                }
            }
        }
        for _ in 0..<workers {
            Background.loop {
                let verifier = duplicates.verifier.forAnotherThread()
                while let (number, message) = numbered.receive() {
                    guard case .batch(var batch) = message else {
                        verified.put(number, message)
                        continue
                    }
                    batch.verify(with: verifier, fileID: fileID)
                    verified.put(number, .batch(consume batch))
                }
            }
        }
    }

    /// The reader's messages numbered in the order it sent them, for several workers: after the last one (`.finished`
    /// or `.failed`), or once the channel is cancelled, every worker gets nil.
    private final class Numbered: @unchecked Sendable {   // `next` and `ended` are guarded by `lock`
        private let lock = NSLock()
        private let channel: BoundedChannel<IngestMessage>
        private var next = 0
        private var ended = false

        init(_ channel: BoundedChannel<IngestMessage>) { self.channel = channel }

        func receive() -> (Int, IngestMessage)? {
            lock.lock()
            defer { lock.unlock() }
            guard !ended, let message = channel.receiveUnlessCancelled() else {
                ended = true
                return nil
            }
            if case .batch = message {} else { ended = true }
            next += 1
            return (next - 1, message)
        }
    }

    private static func read(dataset: Dataset, path: String, displayPath: String, channel: BoundedChannel<IngestMessage>) {
        Background.loop {
            let input: FileInput, counter: RecordCounter?
            do {
                (input, counter) = try RecordReaders.open(dataset, path: path)
            } catch let error as IngestError {
                channel.send(.failed(error, size: nil, sha256: nil))
                return
            } catch {
                channel.send(.failed(.cannotRead(path: displayPath, reason: "\(error)"), size: nil, sha256: nil))
                return
            }
            let sink = BatchingSink(channel: channel, fieldCount: dataset.fields.count, input: input)
            do {
                let summary = try RecordReaders.read(dataset, input: input, counter: counter, displayPath: displayPath, into: sink)
                sink.flush()
                channel.send(.finished(summary, size: input.size, sha256: try input.sha256()))
            } catch {
                let failure = error as? IngestError ?? .cannotRead(path: displayPath, reason: "\(error)")
                channel.send(.failed(failure, size: input.size, sha256: try? input.sha256()))
            }
        }
    }
}
