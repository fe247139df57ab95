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
    struct Tally {
        private var tails: [String] = []   // each stream's last key, ascending
        private var exceeded = false
        let limit: Int

        init(limit: Int = KeyOrder.streamLimit) { self.limit = limit }

        /// The streams so far; nil once more than `limit` were needed.
        var streams: Int? { exceeded ? nil : tails.count }

        mutating func add(_ key: String) {
            guard !exceeded else { return }
            // The first tail greater than `key`: the stream before it has the greatest tail not above the key.
            var low = 0, high = tails.count
            while low < high {
                let middle = (low + high) / 2
                if TextBytes.less(key, tails[middle]) { high = middle } else { low = middle + 1 }
            }
            if low == 0 {
                if tails.count == limit { exceeded = true; tails = []; return }
                tails.insert(key, at: 0)
            } else {
                tails[low - 1] = key
            }
        }
    }

    /// Most streams for which load inserts in delivery order: each keeps one leaf page (16 KiB) and its
    /// parents busy, a few megabytes against the 64 MiB page cache. Task-local so tests can force either way.
    @TaskLocal static var streamLimit = 256
}
