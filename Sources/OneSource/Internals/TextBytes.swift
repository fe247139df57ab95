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

/// A string as a hash key by its UTF-8 bytes: hashing and equality without Unicode normalization
/// (Swift normalizes non-ASCII strings to hash them, which dominates a look-up of a short Chinese value).
struct ByteKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { TextBytes.equal(lhs.text, rhs.text) }
}
