import Foundation

/// A set of text keys, each with the line it was first seen on: open addressing over one flat array of
/// slots, the keys' bytes side by side in one arena.
///
/// The duplicate-key check asks it once for every record of every dataset (a million keys for the
/// household register): a Swift dictionary of strings costs several cache misses per key (buckets, the
/// string's own storage, the values) and a separate heap object per key; this costs about one miss.
struct KeyTable {
    /// 16 bytes: at 4 million keys the slots take 128 MiB (a slot holding the line and the whole hash took twice that).
    private struct Slot {
        /// Where the key's entry begins in the arena (its first line, 8 bytes, then its bytes); `KeyTable.empty` or
        /// `KeyTable.removed` when the slot holds none.
        var start: Int = KeyTable.empty
        var length: UInt32 = 0
        /// The hash's high half: most keys that are not the one sought differ here, without a look in the arena.
        var tag: UInt32 = 0
    }

    private static let empty = -1, removed = -2
    private static let lineBytes = MemoryLayout<Int64>.size
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
        // Lent, not copied: `withUTF8` needs a `var`, and copying the key counted a reference to it for every record.
        return TextBytes.withBytes(of: key) { bytes in
            let hash = KeyTable.hash(bytes)
            let tag = UInt32(truncatingIfNeeded: hash >> 32)
            let mask = slots.count - 1
            var index = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[index]
                if slot.start == KeyTable.empty { break }
                if slot.start >= 0, slot.tag == tag, Int(slot.length) == bytes.count, equalsArena(slot, bytes) {
                    return firstLine(of: slot)
                }
                index = (index + 1) & mask
            }
            let start = arena.count
            withUnsafeBytes(of: Int64(line).littleEndian) { arena.append(contentsOf: $0) }
            arena.append(contentsOf: bytes)
            slots[index] = Slot(start: start, length: UInt32(truncatingIfNeeded: bytes.count), tag: tag)
            used += 1
            count += 1
            return nil
        }
    }

    /// Reads the slot each of `count` keys (`key(i)`) first probes, all before any is looked up: the slots lie far apart
    /// in a table too large for the cache, and loads issued together wait for memory together, where one look-up after
    /// the other waits once per key (`firstLine` then finds its slot in the cache). Returns a value made of what it read,
    /// for the caller to keep, so the reads are not left out.
    func warm(_ count: Int, _ key: (Int) -> String) -> Int {
        let mask = slots.count - 1
        var seen = 0
        slots.withUnsafeBufferPointer { slots in
            for position in 0..<count {
                let hash = TextBytes.withBytes(of: key(position)) { KeyTable.hash($0) }
                seen &+= slots[Int(truncatingIfNeeded: hash) & mask].start
            }
        }
        return seen
    }

    /// Where the keys added from now on begin, for `removeKeys(addedSince:)`.
    var mark: Int { arena.count }

    /// Forgets every key added since `mark` was read (a file that failed as a whole is taken back).
    mutating func removeKeys(addedSince mark: Int) {
        for index in slots.indices where slots[index].start >= mark {
            slots[index].start = KeyTable.removed
            count -= 1
        }
        arena.removeLast(arena.count - mark)
    }

    private func firstLine(of slot: Slot) -> Int {
        arena.withUnsafeBytes { Int(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: slot.start, as: Int64.self))) }
    }

    private func equalsArena(_ slot: Slot, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { all in
            bytes.isEmpty || memcmp(all.baseAddress! + slot.start + KeyTable.lineBytes, bytes.baseAddress!, bytes.count) == 0
        }
    }

    /// Moves every key to a table of `slotCount` slots, hashing each again from the arena (the slots keep only half
    /// of each hash).
    private mutating func rebuild(slotCount: Int) {
        let old = slots
        slots = Array(repeating: Slot(), count: slotCount)
        let mask = slotCount - 1
        used = 0
        arena.withUnsafeBufferPointer { all in
            for slot in old where slot.start >= 0 {
                let hash = KeyTable.hash(UnsafeBufferPointer(start: all.baseAddress! + slot.start + KeyTable.lineBytes, count: Int(slot.length)))
                var index = Int(truncatingIfNeeded: hash) & mask
                while slots[index].start != KeyTable.empty { index = (index + 1) & mask }
                slots[index] = slot
                used += 1
            }
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
