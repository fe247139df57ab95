import SHA256Hardware

/// Incremental SHA-256 (FIPS 180-4), so an input file is hashed in the same pass that reads it.
/// Foundation on Linux has no digest API and the design allows no package dependencies.
public struct SHA256 {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    private static let k = SHA256Hardware.roundConstants

    /// Whether `compress` uses the processor's SHA extensions (`SHA256Hardware`) rather than the portable rounds.
    let usesHardware: Bool

    /// A digest on the SHA extensions where this processor has them.
    public init() { usesHardware = SHA256Hardware.isAvailable }

    /// A digest in the portable rounds (`hardware` false) or, where the processor has them, on the SHA extensions;
    /// tests compare the two.
    init(hardware: Bool) { usesHardware = hardware && SHA256Hardware.isAvailable }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        totalBytes &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: take))
            offset = take
            if pending.count == 64 {
                let block = pending
                block.withUnsafeBufferPointer { compress($0.baseAddress!, blocks: 1) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        let blocks = (bytes.count - offset) / 64
        if blocks > 0 {
            compress(base + offset, blocks: blocks)
            offset += blocks * 64
        }
        if offset < bytes.count {
            pending.append(contentsOf: UnsafeBufferPointer(start: base + offset, count: bytes.count - offset))
        }
    }

    /// Adds bytes to the digest.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    /// Finishes and returns the digest's 32 bytes.
    public mutating func finalizeBytes() -> [UInt8] {
        let bitLength = totalBytes &* 8
        var tail: [UInt8] = [0x80]
        let padding = (55 &- Int(totalBytes % 64) + 64) % 64
        tail.append(contentsOf: repeatElement(0, count: padding))
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        let savedTotal = totalBytes
        update(tail)
        totalBytes = savedTotal
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return bytes
    }

    /// Finishes and returns the digest as lower-case hex.
    public mutating func finalizeHex() -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var hex = ""
        hex.reserveCapacity(64)
        for byte in finalizeBytes() {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xf)])
        }
        return hex
    }

    /// The digest of a whole byte array, as lower-case hex.
    public static func hex(of bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

    /// One round, with the working variables passed in their rotated order so that eight unrolled rounds need no
    /// moves between them: `d` and `h` are the two that change. Choice in its 3-operation form; majority as
    /// b ⊕ ((a ⊕ b) ∧ (b ⊕ c)), where b ⊕ c is the previous round's a ⊕ b, handed on in `bc`.
    /// The two big sigmas are nested rotations (Σ1(e) = ((e ⋙ 14 ⊕ e) ⋙ 5 ⊕ e) ⋙ 6, Σ0(a) = ((a ⋙ 9 ⊕ a) ⋙ 11 ⊕ a) ⋙ 2):
    /// the same value with one copy of the input instead of three, since x86-64's rotate overwrites its operand.
    @inline(__always)
    private static func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
                              _ h: inout UInt32, _ bc: inout UInt32, _ kw: UInt32) {
        let sigma1 = rotr(rotr(rotr(e, 14) ^ e, 5) ^ e, 6)
        let sigma0 = rotr(rotr(rotr(a, 9) ^ a, 11) ^ a, 2)
        let ab = a ^ b
        let t1 = h &+ sigma1 &+ (g ^ (e & (f ^ g))) &+ kw
        let t2 = sigma0 &+ (b ^ (ab & bc))
        bc = ab
        d = d &+ t1
        h = t1 &+ t2
    }

    /// Compresses whole 64-byte blocks: on the SHA extensions where the processor has them (a ninth of the
    /// processor time), otherwise in the portable rounds below.
    private mutating func compress(_ data: UnsafePointer<UInt8>, blocks: Int) {
        if usesHardware {
            SHA256Hardware.compress(&state, UnsafeRawPointer(data), blocks: blocks)
            return
        }
        portableCompress(data, blocks: blocks)
    }

    /// The portable rounds; the message schedule lives on the stack.
    private mutating func portableCompress(_ data: UnsafePointer<UInt8>, blocks: Int) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            SHA256.k.withUnsafeBufferPointer { k in
                for block in 0..<blocks {
                    let raw = UnsafeRawPointer(data + block * 64)
                    for i in 0..<16 {
                        w[i] = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    }
                    for i in 16..<64 {
                        let x = w[i - 15]
                        let y = w[i - 2]
                        // σ0 and σ1 as nested rotations too: (x ⋙ 11 ⊕ x) ⋙ 7 is x ⋙ 18 ⊕ x ⋙ 7.
                        let s0 = SHA256.rotr(SHA256.rotr(x, 11) ^ x, 7) ^ (x >> 3)
                        let s1 = SHA256.rotr(SHA256.rotr(y, 2) ^ y, 17) ^ (y >> 10)
                        w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    var bc = b ^ c
                    for i in stride(from: 0, to: 64, by: 8) {
                        SHA256.round(a, b, c, &d, e, f, g, &h, &bc, k[i] &+ w[i])
                        SHA256.round(h, a, b, &c, d, e, f, &g, &bc, k[i + 1] &+ w[i + 1])
                        SHA256.round(g, h, a, &b, c, d, e, &f, &bc, k[i + 2] &+ w[i + 2])
                        SHA256.round(f, g, h, &a, b, c, d, &e, &bc, k[i + 3] &+ w[i + 3])
                        SHA256.round(e, f, g, &h, a, b, c, &d, &bc, k[i + 4] &+ w[i + 4])
                        SHA256.round(d, e, f, &g, h, a, b, &c, &bc, k[i + 5] &+ w[i + 5])
                        SHA256.round(c, d, e, &f, g, h, a, &b, &bc, k[i + 6] &+ w[i + 6])
                        SHA256.round(b, c, d, &e, f, g, h, &a, &bc, k[i + 7] &+ w[i + 7])
                    }
                    h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d
                    h4 = h4 &+ e; h5 = h5 &+ f; h6 = h6 &+ g; h7 = h7 &+ h
                }
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}
