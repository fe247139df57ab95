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
    /// Per slot, the entry there or -1; an entry's key is `bytes[starts[e] ..< starts[e + 1]]`.
    private let slots: [Int]
    private let starts: [Int]
    private let bytes: [UInt8]
    private let values: [Value]

    init(_ entries: [(key: String, value: Value)]) {
        var size = 8
        while size < entries.count * 2 { size <<= 1 }
        var slots = [Int](repeating: -1, count: size), starts = [0], bytes: [UInt8] = [], values: [Value] = []
        for entry in entries {
            let key = Array(entry.key.utf8)
            var index = key.withUnsafeBufferPointer { Int(truncatingIfNeeded: KeyTable.hash($0)) } & (size - 1)
            while slots[index] >= 0, !bytes[starts[slots[index]] ..< starts[slots[index] + 1]].elementsEqual(key) {
                index = (index + 1) & (size - 1)
            }
            guard slots[index] < 0 else { continue }
            slots[index] = values.count
            bytes += key
            starts.append(bytes.count)
            values.append(entry.value)
        }
        self.slots = slots
        self.starts = starts
        self.bytes = bytes
        self.values = values
    }

    /// The value of `text`, if the table has it.
    subscript(_ text: String) -> Value? {
        var text = text
        let entry = text.withUTF8 { key -> Int in
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: KeyTable.hash(key)) & mask
            return bytes.withUnsafeBufferPointer { all in
                while true {
                    let entry = slots[index]
                    if entry < 0 { return -1 }
                    let start = starts[entry]
                    if starts[entry + 1] - start == key.count
                        && (key.isEmpty || memcmp(all.baseAddress! + start, key.baseAddress!, key.count) == 0) {
                        return entry
                    }
                    index = (index + 1) & mask
                }
            }
        }
        return entry < 0 ? nil : values[entry]
    }
}
