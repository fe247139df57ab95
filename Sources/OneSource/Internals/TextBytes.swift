import Foundation

/// Comparisons of strings by their UTF-8 bytes, for the per-value hot paths.
///
/// Swift's `==` and `<` on strings compare by canonical equivalence: for text that is not ASCII they normalize
/// both sides first, which costs more than the standard being checked. Canonical values are compared to what
/// was delivered byte for byte (a different encoding of the same text is a different delivery), and the
/// values compared by order here are ASCII dates, where byte order and `<` agree.
enum TextBytes {
    /// Calls `body` with the UTF-8 bytes of `text`. A native string lends its storage as it is; only a bridged one is
    /// copied to native storage first (`withUTF8` needs a `var`, so calling it means copying the string: a retain and
    /// a release for every value of every record).
    static func withBytes<R>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return try copy.withUTF8(body)
    }

    /// Whether `a` and `b` have the same UTF-8 bytes.
    static func equal(_ a: String, _ b: String) -> Bool {
        // The same representation (the same storage, or the same small string held inline) is the same bytes: a standard
        // that finds a value already canonical returns the delivered string itself, and lending both strings' bytes
        // cost two retains and two releases.
        if sameRepresentation(a, b) { return true }
        return withBytes(of: b) { equal(a, $0) }
    }

    /// Whether two strings have the same bits: then they have the same bytes (the converse does not hold).
    static func sameRepresentation(_ a: String, _ b: String) -> Bool {
        unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self)
    }

    /// Whether `text` has exactly the bytes `bytes`.
    static func equal(_ text: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        withBytes(of: text) { x in
            x.count == bytes.count && (x.count == 0 || memcmp(x.baseAddress!, bytes.baseAddress!, x.count) == 0)
        }
    }

    /// Whether the first `length` bytes of `text` (all of it when shorter) sort after `other`, byte by byte.
    static func prefix(_ text: String, _ length: Int, isAfter other: String) -> Bool {
        order(text, other, firstLength: length) > 0
    }

    /// Whether `a` sorts before `b` byte by byte (SQLite's BINARY collation).
    static func less(_ a: String, _ b: String) -> Bool { order(a, b) < 0 }

    /// Whether the bytes `a` sort before the bytes `b` (SQLite's BINARY collation).
    static func less(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool { order(a, b) < 0 }

    /// Negative, zero or positive as the first `firstLength` bytes of `a` sort before, with or after `b`.
    private static func order(_ a: String, _ b: String, firstLength: Int = .max) -> Int {
        withBytes(of: a) { x in withBytes(of: b) { y in order(x, y, firstLength: firstLength) } }
    }

    private static func order(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>, firstLength: Int = .max) -> Int {
        let n = min(x.count, firstLength)
        let common = min(n, y.count)
        if common > 0 {
            let order = memcmp(x.baseAddress!, y.baseAddress!, common)
            if order != 0 { return Int(order) }
        }
        return n - y.count
    }
}

/// A table from text to values, fixed when built, looked up by the text's UTF-8 bytes: a multiply hash of the bytes
/// (`KeyTable.hash`) and a byte comparison, where a `Set` or `Dictionary` of strings normalizes non-ASCII text to hash
/// it and a `Hasher` costs hundreds of instructions (a code table is asked once per coded value of every record).
/// Keys are the same when their bytes are, as in `TextBytes.equal`.
struct FrozenTextTable<Value: Sendable>: Sendable {
    /// Per slot, the entry there or -1; an entry's key is `bytes[starts[e] ..< starts[e + 1]]`.
    private let slots: [Int]
    private let starts: [Int]
    private let bytes: [UInt8]
    private let values: [Value]

    /// A table of `entries`; a key met again has its value folded by `merge` into the one already there (by default
    /// the first stays).
    init(_ entries: [(key: String, value: Value)], merging merge: (inout Value, Value) -> Void = { _, _ in }) {
        var size = 8
        while size < entries.count * 2 { size <<= 1 }
        var slots = [Int](repeating: -1, count: size), starts = [0], bytes: [UInt8] = [], values: [Value] = []
        for entry in entries {
            var key = entry.key
            let slot = key.withUTF8 { key in
                bytes.withUnsafeBufferPointer { FrozenTextTable.slot(of: key, slots: slots, starts: starts, bytes: $0) }
            }
            if slots[slot] >= 0 {
                merge(&values[slots[slot]], entry.value)
                continue
            }
            slots[slot] = values.count
            bytes += entry.key.utf8
            starts.append(bytes.count)
            values.append(entry.value)
        }
        self.slots = slots
        self.starts = starts
        self.bytes = bytes
        self.values = values
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private static func slot(of key: UnsafeBufferPointer<UInt8>, slots: [Int], starts: [Int], bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: KeyTable.hash(key)) & mask
        while slots[index] >= 0 {
            let entry = slots[index], start = starts[entry]
            if starts[entry + 1] - start == key.count
                && (key.isEmpty || memcmp(bytes.baseAddress! + start, key.baseAddress!, key.count) == 0) {
                return index
            }
            index = (index + 1) & mask
        }
        return index
    }

    /// The value of `text`, if the table has it.
    subscript(_ text: String) -> Value? {
        let entry = TextBytes.withBytes(of: text) { key in
            bytes.withUnsafeBufferPointer { slots[FrozenTextTable.slot(of: key, slots: slots, starts: starts, bytes: $0)] }
        }
        return entry < 0 ? nil : values[entry]
    }
}
