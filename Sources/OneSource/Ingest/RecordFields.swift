/// The mapped values of one record, as UTF-8 bytes, borrowed from the reader for one callback.
///
/// Values are either slices of the reader's input buffer (no copy) or of a scratch arena
/// (values that needed unescaping or decoding). `nil` means the field was absent or JSON null.
public final class RecordFields {
    private enum Slot {
        case absent
        case direct(UnsafeBufferPointer<UInt8>)
        case arena(start: Int, count: Int)
    }

    // The reader that owns it is its only user, on one thread; no access overlaps another, so the runtime's
    // exclusivity check (on every field of every record) is left out of these three.
    /// Physical line where the record starts (0 when unknown).
    @exclusivity(unchecked) public internal(set) var line = 0
    /// 1-based record index within the file.
    @exclusivity(unchecked) public internal(set) var index = 0
    /// The mapped field names, in slot order (for messages).
    public let fieldNames: [String]
    // Fixed-size buffers rather than arrays: a slot is written for every field of every record, and a write to a
    // class's stored array costs a dynamic exclusivity check each time.
    private let slots: UnsafeMutablePointer<Slot>
    private let resolved: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>?>
    public let count: Int
    @exclusivity(unchecked) private var arena: [UInt8] = []

    init(fieldNames: [String]) {
        self.fieldNames = fieldNames
        count = fieldNames.count
        slots = .allocate(capacity: max(1, count))
        slots.initialize(repeating: .absent, count: count)
        resolved = .allocate(capacity: max(1, count))
        resolved.initialize(repeating: nil, count: count)
        arena.reserveCapacity(4096)
    }

    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
        resolved.deinitialize(count: count)
        resolved.deallocate()
    }

    func reset() {
        for i in 0..<count { slots[i] = .absent }
        arena.removeAll(keepingCapacity: true)
    }

    func isSet(_ slot: Int) -> Bool {
        precondition(slot >= 0 && slot < count, "slot \(slot) out of 0..<\(count)")
        if case .absent = slots[slot] { return false }
        return true
    }

    func setDirect(_ slot: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
        precondition(slot >= 0 && slot < count, "slot \(slot) out of 0..<\(count)")
        slots[slot] = .direct(bytes)
    }

    /// Starts a value in the arena; append its bytes with `appendToArena` and close it with `endArena`.
    func beginArena() -> Int { arena.count }

    func appendToArena(_ byte: UInt8) { arena.append(byte) }

    func appendToArena(_ bytes: UnsafeBufferPointer<UInt8>) { arena.append(contentsOf: bytes) }

    func endArena(_ slot: Int, from start: Int) {
        precondition(slot >= 0 && slot < count, "slot \(slot) out of 0..<\(count)")
        slots[slot] = .arena(start: start, count: arena.count - start)
    }

    func setString(_ slot: Int, _ value: String) {
        precondition(slot >= 0 && slot < count, "slot \(slot) out of 0..<\(count)")
        let start = arena.count
        arena.append(contentsOf: value.utf8)
        slots[slot] = .arena(start: start, count: arena.count - start)
    }

    /// Fixes arena pointers and checks every value's encoding; returns the first bad slot, if any.
    func seal(transcoded: Bool) -> (slot: Int, reason: String)? {
        let slots = self.slots, resolved = self.resolved
        arena.withUnsafeBufferPointer { arenaPointer in
            for i in 0..<count {
                switch slots[i] {
                case .absent: resolved[i] = nil
                case .direct(let bytes): resolved[i] = bytes
                case .arena(let start, let count):
                    resolved[i] = UnsafeBufferPointer(rebasing: arenaPointer[start..<(start + count)])
                }
            }
        }
        for i in 0..<count {
            guard let bytes = resolved[i] else { continue }
            if let problem = UTF8Check.problem(in: bytes, transcoded: transcoded) {
                return (i, problem)
            }
        }
        return nil
    }

    /// The bytes of a slot, valid only during the sink callback.
    public subscript(slot: Int) -> UnsafeBufferPointer<UInt8>? {
        precondition(slot >= 0 && slot < count, "slot \(slot) out of 0..<\(count)")
        return resolved[slot]
    }

    /// The value of a slot as a `String`, or nil when absent.
    public func string(_ slot: Int) -> String? {
        self[slot].map { String(decoding: $0, as: UTF8.self) }
    }

    /// All values as strings (tests and small inputs).
    public var strings: [String?] { (0..<count).map { string($0) } }
}

@available(*, unavailable)
extension RecordFields: Sendable {}

/// Strict UTF-8 validation, with an ASCII fast path.
enum UTF8Check {
    /// Nil when valid; otherwise the reason. A U+FFFD in a transcoded input marks a byte that iconv could not decode.
    static func problem(in bytes: UnsafeBufferPointer<UInt8>, transcoded: Bool) -> String? {
        var i = 0
        let n = bytes.count
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        while i < n {
            // Eight ASCII bytes at a time.
            if i + 8 <= n, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
                continue
            }
            // Two Chinese characters at a time: two three-byte sequences whose lead bytes are E1–EC (U+1000–U+CFFF, every
            // common Chinese character and most CJK punctuation), which need no overlong, surrogate or U+FFFD test.
            if i + 6 <= n {
                let word = UInt64(raw.loadUnaligned(fromByteOffset: i, as: UInt32.self))
                    | UInt64(raw.loadUnaligned(fromByteOffset: i + 4, as: UInt16.self)) << 32
                if word & 0x0000_C0C0_F0C0_C0F0 == 0x0000_8080_E080_80E0 {
                    let lead0 = UInt8(truncatingIfNeeded: word), lead1 = UInt8(truncatingIfNeeded: word >> 24)
                    if lead0 &- 0xE1 < 12 && lead1 &- 0xE1 < 12 {
                        i += 6
                        continue
                    }
                }
            }
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            // A well-formed three-byte sequence (every Chinese character) in one step; anything else, and every error,
            // takes the general path below.
            if b0 & 0xF0 == 0xE0, i + 2 < n {
                let b1 = bytes[i + 1], b2 = bytes[i + 2]
                if b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80 {
                    let scalar = UInt32(b0 & 0x0F) << 12 | UInt32(b1 & 0x3F) << 6 | UInt32(b2 & 0x3F)
                    if scalar >= 0x800, scalar & 0xF800 != 0xD800, !(transcoded && scalar == 0xFFFD) {
                        i += 3
                        continue
                    }
                }
            }
            var need = 0
            var minimum: UInt32 = 0
            var scalar: UInt32 = 0
            if b0 & 0xE0 == 0xC0 { need = 1; minimum = 0x80; scalar = UInt32(b0 & 0x1F) }
            else if b0 & 0xF0 == 0xE0 { need = 2; minimum = 0x800; scalar = UInt32(b0 & 0x0F) }
            else if b0 & 0xF8 == 0xF0 { need = 3; minimum = 0x10000; scalar = UInt32(b0 & 0x07) }
            else { return "invalid UTF-8 byte 0x\(String(b0, radix: 16, uppercase: true)) at byte \(i + 1)" }
            guard i + need < n else { return "truncated UTF-8 sequence at byte \(i + 1)" }
            for k in 1...need {
                let b = bytes[i + k]
                guard b & 0xC0 == 0x80 else { return "invalid UTF-8 sequence at byte \(i + 1)" }
                scalar = scalar << 6 | UInt32(b & 0x3F)
            }
            if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) {
                return "invalid UTF-8 sequence at byte \(i + 1)"
            }
            if transcoded && scalar == 0xFFFD {
                return "byte sequence not valid in the declared encoding at character \(i + 1)"
            }
            i += need + 1
        }
        return nil
    }
}
