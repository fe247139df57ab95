import Foundation

/// A set of text keys, each with the line it was first seen on: open addressing over one flat array of
/// slots, the keys' bytes side by side in one arena.
///
/// The duplicate-key check asks it once for every record of every dataset (a million keys for the
/// household register): a Swift dictionary of strings costs several cache misses per key (buckets, the
/// string's own storage, the values) and a separate heap object per key; this costs about one miss.
struct KeyTable {
    private struct Slot {
        var hash: UInt64 = 0
        /// First line of the key; `KeyTable.empty` or `KeyTable.removed` when the slot holds none.
        var line: Int = KeyTable.empty
        var start = 0
        var length: Int32 = 0
    }

    private static let empty = -1, removed = -2
    private var slots: [Slot]
    private var arena: [UInt8] = []
    /// Slots in use, removed ones included (they still lengthen probes until the next growth).
    private var used = 0
    private(set) var count = 0

    init() {
        slots = Array(repeating: Slot(), count: KeyTable.slotCount(for: 0))
    }

    private static func slotCount(for keys: Int) -> Int {
        var n = 16
        while n * 7 / 10 < keys { n <<= 1 }
        return n
    }

    /// Makes room for `more` keys without growing step by step.
    mutating func reserve(_ more: Int) {
        let needed = KeyTable.slotCount(for: count + more)
        if needed > slots.count { rebuild(slotCount: needed) }
    }

    /// The line `key` was first seen on; when it is new, records it with `line` and returns nil.
    mutating func firstLine(of key: String, insertingAt line: Int) -> Int? {
        if (used + 1) * 10 > slots.count * 7 { rebuild(slotCount: KeyTable.slotCount(for: count + 1) * 2) }
        var key = key
        return key.withUTF8 { bytes in
            let hash = KeyTable.hash(bytes)
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot.line == KeyTable.empty { break }
                if slot.line >= 0, slot.hash == hash, Int(slot.length) == bytes.count, equalsArena(slot, bytes) {
                    return slot.line
                }
                index = (index + 1) & mask
            }
            let start = arena.count
            arena.append(contentsOf: bytes)
            slots[index] = Slot(hash: hash, line: line, start: start, length: Int32(truncatingIfNeeded: bytes.count))
            used += 1
            count += 1
            return nil
        }
    }

    /// Where the keys added from now on begin, for `removeKeys(addedSince:)`.
    var mark: Int { arena.count }

    /// Forgets every key added since `mark` was read (a file that failed as a whole is taken back).
    mutating func removeKeys(addedSince mark: Int) {
        for index in slots.indices where slots[index].line >= 0 && slots[index].start >= mark {
            slots[index].line = KeyTable.removed
            count -= 1
        }
        arena.removeLast(arena.count - mark)
    }

    private func equalsArena(_ slot: Slot, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { all in
            bytes.isEmpty || memcmp(all.baseAddress! + Int(slot.start), bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func rebuild(slotCount: Int) {
        let old = slots
        slots = Array(repeating: Slot(), count: slotCount)
        let mask = slotCount - 1
        used = 0
        for slot in old where slot.line >= 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].line != KeyTable.empty { index = (index + 1) & mask }
            slots[index] = slot
            used += 1
        }
    }

    /// A 64-bit hash of the bytes: eight at a time, multiply and fold, then a final avalanche.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return mix(h) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for i in offset..<bytes.count { tail |= UInt64(base[i]) << UInt64((i - offset) * 8) }
            h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        }
        return mix(h)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
