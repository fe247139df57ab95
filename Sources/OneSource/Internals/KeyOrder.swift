import Foundation

/// How far a dataset's keys, in delivery order, are from sorted.
///
/// Load writes each base in key order. When the keys already arrive as a few ascending streams interleaved
/// (an export ordered by date of registration, with one stream per district, say), rows can go in as they
/// are: each stream appends at its own place in the b-tree, so only a few pages are in use at a time and
/// SQLite's sort of every wide row can be skipped. When they arrive in no useful order, inserting them as
/// they come would touch pages all over the base, and sorting first is much faster.
enum KeyOrder {
    /// The fewest ascending streams (equal keys allowed) that `keys` split into in order, by byte order
    /// as SQLite compares keys; nil as soon as more than `limit` are needed.
    ///
    /// Greedy patience sorting: each key extends the stream whose last key is the greatest not above it,
    /// or starts a new stream; this gives the minimum (the longest strictly descending subsequence).
    static func streams<S: Sequence>(_ keys: S, limit: Int) -> Int? where S.Element == String {
        var iterator = keys.makeIterator()
        return streams(next: { iterator.next() }, limit: limit)
    }

    /// The same over keys produced by `next` until it returns nil.
    static func streams(next: () throws -> String?, limit: Int) rethrows -> Int? {
        var counter = Tally(limit: limit)
        while let key = try next() {
            counter.add(key)
            if counter.streams == nil { return nil }
        }
        return counter.streams
    }

    /// Counts streams key by key, as records go by (ingest counts them while it checks duplicate keys, so
    /// load need not read the keys again).
    ///
    /// The streams' last keys are kept as bytes in one arena, not as strings: comparing a key with strings lent both
    /// strings' storage and storing it counted a reference, about a dozen atomic counts a record (3% of 公安局's ingest).
    struct Tally {
        /// Each stream's last key, ascending: where its bytes lie in `arena`, how many, and the room there.
        private var tails: [(start: Int, count: Int, room: Int)] = []
        private var arena: [UInt8] = []
        private var exceeded = false
        let limit: Int

        init(limit: Int = KeyOrder.streamLimit) { self.limit = limit }

        /// The streams so far; nil once more than `limit` were needed.
        var streams: Int? { exceeded ? nil : tails.count }

        mutating func add(_ key: String) {
            guard !exceeded else { return }
            TextBytes.withBytes(of: key) { add($0) }
        }

        private mutating func add(_ key: UnsafeBufferPointer<UInt8>) {
            // The first tail greater than `key`: the stream before it has the greatest tail not above the key.
            var low = 0, high = tails.count
            arena.withUnsafeBufferPointer { all in
                while low < high {
                    let middle = (low + high) / 2
                    let tail = tails[middle]
                    if TextBytes.less(key, UnsafeBufferPointer(rebasing: all[tail.start..<(tail.start + tail.count)])) {
                        high = middle
                    } else {
                        low = middle + 1
                    }
                }
            }
            if low == 0 {
                if tails.count == limit {
                    exceeded = true
                    tails = []
                    arena = []
                    return
                }
                tails.insert(store(key, over: nil), at: 0)
            } else {
                tails[low - 1] = store(key, over: tails[low - 1])
            }
        }

        /// Puts `key`'s bytes where the tail it replaces had room, or else at the arena's end (then compacting the
        /// arena once most of it is room no tail uses).
        private mutating func store(_ key: UnsafeBufferPointer<UInt8>,
                                    over old: (start: Int, count: Int, room: Int)?) -> (start: Int, count: Int, room: Int) {
            if let old, key.count <= old.room {
                if let source = key.baseAddress {
                    arena.withUnsafeMutableBufferPointer { all in (all.baseAddress! + old.start).update(from: source, count: key.count) }
                }
                return (old.start, key.count, old.room)
            }
            if arena.count > 4096, arena.count > 4 * tails.reduce(0, { $0 + $1.room }) {
                var compact: [UInt8] = []
                compact.reserveCapacity(arena.count / 2)
                for index in tails.indices {
                    let tail = tails[index]
                    tails[index].start = compact.count
                    compact.append(contentsOf: arena[tail.start..<(tail.start + tail.room)])
                }
                arena = compact
            }
            let start = arena.count
            arena.append(contentsOf: key)
            return (start, key.count, key.count)
        }
    }

    /// Most streams for which load inserts in delivery order: each keeps one leaf page (16 KiB) and its
    /// parents busy, a few megabytes against the 64 MiB page cache. Task-local so tests can force either way.
    @TaskLocal static var streamLimit = 256
}
