import Foundation

/// Comparisons of strings by their UTF-8 bytes, for the per-value hot paths.
///
/// Swift's `==` and `<` on strings compare by canonical equivalence: for text that is not ASCII they normalize
/// both sides first, which costs more than the standard being checked. Canonical values are compared to what
/// was delivered byte for byte (a different encoding of the same text is a different delivery), and the
/// values compared by order here are ASCII dates, where byte order and `<` agree.
enum TextBytes {
    /// Whether `a` and `b` have the same UTF-8 bytes.
    static func equal(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
    }

    /// Whether the first `length` bytes of `text` (all of it when shorter) sort after `other`, byte by byte.
    static func prefix(_ text: String, _ length: Int, isAfter other: String) -> Bool {
        order(text, other, firstLength: length) > 0
    }

    /// Whether `a` sorts before `b` byte by byte (SQLite's BINARY collation).
    static func less(_ a: String, _ b: String) -> Bool { order(a, b) < 0 }

    /// Negative, zero or positive as the first `firstLength` bytes of `a` sort before, with or after `b`.
    private static func order(_ a: String, _ b: String, firstLength: Int = .max) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, firstLength)
                let common = min(n, y.count)
                if common > 0 {
                    let order = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return n - y.count
            }
        }
    }
}

/// A table from text to values, fixed when built, looked up by the text's UTF-8 bytes: a multiply hash of the bytes
/// (`KeyTable.hash`) and a byte comparison, where a `Set` or `Dictionary` of strings normalizes non-ASCII text to hash
/// it and a `Hasher` costs hundreds of instructions (a code table is asked once per coded value of every record).
/// Keys are the same when their bytes are, as in `TextBytes.equal`; of two entries with the same key the first stays.
struct FrozenTextTable<Value: Sendable>: Sendable {
    private let keys: [String]
    private let values: [Value?]
    private let mask: Int

    init(_ entries: [(key: String, value: Value)]) {
        var size = 8
        while size < entries.count * 2 { size <<= 1 }
        var keys = [String](repeating: "", count: size), values = [Value?](repeating: nil, count: size)
        for entry in entries {
            var key = entry.key
            let slot = key.withUTF8 { bytes in
                var index = Int(truncatingIfNeeded: KeyTable.hash(bytes)) & (size - 1)
                while values[index] != nil, !TextBytes.equal(keys[index], entry.key) { index = (index + 1) & (size - 1) }
                return index
            }
            if values[slot] == nil { keys[slot] = entry.key; values[slot] = entry.value }
        }
        self.keys = keys
        self.values = values
        mask = size - 1
    }

    /// The value of `text`, if the table has it.
    subscript(_ text: String) -> Value? {
        var text = text
        return text.withUTF8 { bytes in
            var index = Int(truncatingIfNeeded: KeyTable.hash(bytes)) & mask
            while let value = values[index] {
                var key = keys[index]
                if key.withUTF8({ $0.count == bytes.count && ($0.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, $0.count) == 0) }) {
                    return value
                }
                index = (index + 1) & mask
            }
            return nil
        }
    }
}
