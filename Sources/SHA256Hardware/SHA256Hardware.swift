#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
import _Builtin_intrinsics.intel
import _Builtin_intrinsics.intel.cpuid
#endif

/// SHA-256's compression function on the x86-64 SHA extensions (SHA-NI), for `SHA256` in the library, which checks
/// `isAvailable` and keeps its portable rounds for every other processor.
///
/// A module of its own because it is the one compiled with the processor features it needs (`-msha -mssse3 -msse4.1`,
/// see Package.swift): Swift has no per-function target attribute, and the library must run on any x86-64. Nothing
/// here runs unless the processor says it has them (CPUID), so the flags only widen what this module may contain.
/// Measured on the 1M-person city's 345 MB of exports (AMD EPYC): the portable rounds took 1.85 s of processor time
/// (3.8% of the night's processor samples), these 0.21 s. Valgrind has no SHA extensions, so under callgrind
/// `isAvailable` is false and the portable rounds run.
public enum SHA256Hardware {
    /// SHA-256's 64 round constants (FIPS 180-4, 4.2.2), for these rounds and the library's portable ones.
    public static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
}

#if arch(x86_64) && canImport(_Builtin_intrinsics.intel)
extension SHA256Hardware {
    /// Whether this processor has the SHA extensions and the SSSE3 and SSE4.1 shuffles the rounds use.
    public static let isAvailable: Bool = {
        var eax: UInt32 = 0, ebx: UInt32 = 0, ecx: UInt32 = 0, edx: UInt32 = 0
        guard __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 else { return false }
        let ssse3 = ecx & (1 << 9) != 0, sse41 = ecx & (1 << 19) != 0
        guard __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) != 0 else { return false }
        return ssse3 && sse41 && ebx & (1 << 29) != 0
    }()

    private typealias V = SIMD4<UInt32>

    @inline(__always) private static func m(_ v: V) -> __m128i { unsafeBitCast(v, to: __m128i.self) }
    @inline(__always) private static func v(_ m: __m128i) -> V { unsafeBitCast(m, to: V.self) }

    /// Four rounds: the two halves of the state (`abef`: lanes F, E, B, A; `cdgh`: H, G, D, C) with the message words
    /// plus constants `wk`. The instruction does two rounds on the low two words of its third operand.
    @inline(__always)
    private static func four(_ abef: inout __m128i, _ cdgh: inout __m128i, _ wk: V) {
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, m(wk))
        abef = _mm_sha256rnds2_epu32(abef, cdgh, m(V(wk[2], wk[3], wk[2], wk[3])))
    }

    /// The next four message words from the previous sixteen (`w0` oldest), σ0 done by `sha256msg1` on `w0` and `w1`
    /// beforehand and σ1 by `sha256msg2` here; in between, the words seven back (the last of `w2`, the first three of `w3`).
    @inline(__always)
    private static func next(_ w0s: V, _ w2: V, _ w3: V) -> V {
        v(_mm_sha256msg2_epu32(m(w0s &+ V(w2[1], w2[2], w2[3], w3[0])), m(w3)))
    }

    /// Compresses `blocks` 64-byte blocks at `data` into `state` (H0 … H7).
    public static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                _ data: UnsafeRawPointer, blocks: Int) {
        precondition(isAvailable, "SHA256Hardware.compress called on a processor without the SHA extensions")
        let swap = m(unsafeBitCast(SIMD16<UInt8>(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12), to: V.self))
        var abef = m(V(state.5, state.4, state.1, state.0))
        var cdgh = m(V(state.7, state.6, state.3, state.2))
        roundConstants.withUnsafeBufferPointer { kb in
            let k = UnsafeRawPointer(kb.baseAddress!)
            @inline(__always) func kv(_ group: Int) -> V { k.loadUnaligned(fromByteOffset: group * 16, as: V.self) }
            for block in 0..<blocks {
                let p = data + block * 64
                let savedABEF = abef, savedCDGH = cdgh
                // Each message word group is loaded big-endian, used for its four rounds, and folded into the
                // schedule: w[i] = σ1(w[i-2]) + w[i-7] + σ0(w[i-15]) + w[i-16], four at a time.
                // Group g's four words are used for its four rounds; then the words of group g + 1 are completed
                // (σ1 and the words seven back) and group g - 1's get σ0 for their next use, four groups on.
                var w0 = v(_mm_shuffle_epi8(m(p.loadUnaligned(as: V.self)), swap))
                four(&abef, &cdgh, w0 &+ kv(0))
                var w1 = v(_mm_shuffle_epi8(m(p.loadUnaligned(fromByteOffset: 16, as: V.self)), swap))
                four(&abef, &cdgh, w1 &+ kv(1))
                w0 = v(_mm_sha256msg1_epu32(m(w0), m(w1)))
                var w2 = v(_mm_shuffle_epi8(m(p.loadUnaligned(fromByteOffset: 32, as: V.self)), swap))
                four(&abef, &cdgh, w2 &+ kv(2))
                w1 = v(_mm_sha256msg1_epu32(m(w1), m(w2)))
                var w3 = v(_mm_shuffle_epi8(m(p.loadUnaligned(fromByteOffset: 48, as: V.self)), swap))
                four(&abef, &cdgh, w3 &+ kv(3))
                w0 = next(w0, w2, w3)
                w2 = v(_mm_sha256msg1_epu32(m(w2), m(w3)))
                // Rounds 16 to 63: twelve groups, the four words rotating; the last groups need fewer words ahead.
                for group in stride(from: 4, to: 16, by: 4) {
                    four(&abef, &cdgh, w0 &+ kv(group))
                    w1 = next(w1, w3, w0)
                    w3 = v(_mm_sha256msg1_epu32(m(w3), m(w0)))
                    four(&abef, &cdgh, w1 &+ kv(group + 1))
                    w2 = next(w2, w0, w1)
                    if group < 12 { w0 = v(_mm_sha256msg1_epu32(m(w0), m(w1))) }
                    four(&abef, &cdgh, w2 &+ kv(group + 2))
                    w3 = next(w3, w1, w2)
                    if group < 12 { w1 = v(_mm_sha256msg1_epu32(m(w1), m(w2))) }
                    four(&abef, &cdgh, w3 &+ kv(group + 3))
                    if group < 12 {
                        w0 = next(w0, w2, w3)
                        w2 = v(_mm_sha256msg1_epu32(m(w2), m(w3)))
                    }
                }
                abef = m(v(abef) &+ v(savedABEF))
                cdgh = m(v(cdgh) &+ v(savedCDGH))
            }
        }
        let a = v(abef), c = v(cdgh)
        state = (a[3], a[2], c[3], c[2], a[1], a[0], c[1], c[0])
    }
}
#else
extension SHA256Hardware {
    public static let isAvailable = false

    public static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                _ data: UnsafeRawPointer, blocks: Int) {
        preconditionFailure("SHA256Hardware.compress called on a processor without the SHA extensions")
    }
}
#endif
