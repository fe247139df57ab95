import Foundation

/// The rows of one query, read ahead on a background thread over a connection of its own and handed over
/// in chunks: compare reads several datasets sorted by key at once, so their sorting and reading overlap with
/// each other and with the merge on the stage's own thread.
///
/// The query's first column is the key (text), then `ints` integer columns, then `texts` text columns.
/// The background connection sees what was committed before it started (WAL snapshot): the stage reading
/// must only read tables that earlier stages wrote.
final class SortedRows {
    struct Chunk: Sendable {
        var keys: [String] = []
        var ints: [Int64] = []
        var texts: [String?] = []
    }

    enum Message: Sendable {
        case chunk(Chunk)
        case done
        case failed(any Error)
    }

    static let rowsPerChunk = 4096
    static let cacheKiB = 4 * 1024

    let ints: Int
    let texts: Int
    private let channel = BoundedChannel<Message>(capacity: 4)
    private var chunk = Chunk()
    private var row = -1
    private var finished = false
    /// The current row's key; nil once every row was read.
    private(set) var key: String?

    /// Starts reading in the background; `advance()` makes the first row current (so several readers can
    /// be started before waiting on any).
    /// `yielding`: read on a thread that gives way to the run's own (see `Background.run`).
    init(path: String, sql: String, arguments: [SQLValue], ints: Int, texts: Int, yielding: Bool = false) {
        self.ints = ints
        self.texts = texts
        let channel = self.channel
        Background.run(yielding: yielding) {
            // `.done` is sent once the connection is closed: were it closed after, the reader's run could end and close
            // the store's own connection first, which is then not the last, and the process could exit before this
            // close had checkpointed and removed the log and its index.
            do {
                if try SortedRows.read(path: path, sql: sql, arguments: arguments, ints: ints, texts: texts, into: channel) {
                    channel.send(.done)
                }
            } catch {
                channel.send(.failed(error))
            }
        }
    }

    /// Sends the query's rows in chunks; false when the consumer gave up. The connection is closed on return.
    private static func read(path: String, sql: String, arguments: [SQLValue], ints: Int, texts: Int,
                             into channel: BoundedChannel<Message>) throws -> Bool {
        let database = try Database(path: path)
        // 4 MiB of page cache, which also bounds the sort's memory before it spills to temporary files: the
        // query scans its table once, so a larger cache keeps pages never read again, and a sort in smaller runs
        // that spill is no slower. Compare of the 4M city alone, by hand: 5.82 and 6.16 s with 4 MiB (peak 110 MB),
        // 7.76 and 6.43 s with 16 MiB (208 MB); 13.7 and 13.2 s with the store's 64 MiB (554 MB, an earlier build).
        // Of the 1M city: 1.52 and 1.51 s (93 MB) against 1.74 and 1.68 s (179 MB). While load runs, three of these
        // sort at once: the 1M night's peak after load was 288-300 MB with 4 MiB, 363-366 MB with 16 MiB.
        try database.setCacheSize(kiB: SortedRows.cacheKiB)
        let statement = try database.prepare(sql)
        try statement.bind(arguments)
        var chunk = Chunk()
        while try statement.step() {
            chunk.keys.append(statement.text(0) ?? "")
            for column in 0..<ints { chunk.ints.append(statement.int64(1 + column)) }
            for column in 0..<texts { chunk.texts.append(statement.text(1 + ints + column)) }
            if chunk.keys.count == SortedRows.rowsPerChunk {
                channel.send(.chunk(chunk))
                if channel.isCancelled { return false }
                chunk = Chunk()
            }
        }
        if !chunk.keys.isEmpty { channel.send(.chunk(chunk)) }
        return true
    }

    deinit { channel.cancel() }

    /// Moves to the next row (the first, on the first call).
    /// - Throws: the error of the query on the background connection, when it failed.
    func advance() throws {
        row += 1
        if row < chunk.keys.count { key = chunk.keys[row]; return }
        key = nil
        guard !finished else { return }
        switch channel.receive() {
        case .chunk(let next):
            chunk = next
            row = 0
            key = chunk.keys[0]
        case .done:
            finished = true
        case .failed(let error):
            finished = true
            throw error
        }
    }

    /// Integer column `index` (0-based among the integer columns) of the current row.
    func int(_ index: Int) -> Int64 { chunk.ints[row * ints + index] }

    /// Text column `index` (0-based among the text columns) of the current row.
    func text(_ index: Int) -> String? { chunk.texts[row * texts + index] }
}

@available(*, unavailable)
extension SortedRows: Sendable {}
