import Foundation
import Testing
@testable import OneSource
import SHA256Hardware

@Suite struct SHA256Tests {
    @Test func matchesTheFIPSExamples() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func givesTheSameDigestWhateverTheChunking() {
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hex(of: bytes)
        for step in [1, 3, 63, 64, 65, 1000] {
            var hasher = SHA256()
            var i = 0
            while i < bytes.count {
                hasher.update(Array(bytes[i..<min(i + step, bytes.count)]))
                i += step
            }
            #expect(hasher.finalizeHex() == whole, "step \(step)")
        }
    }

    /// The FIPS examples in the portable rounds and, where this processor has them, on the SHA extensions.
    @Test(arguments: [false, true]) func matchesTheFIPSExamplesOnBothPaths(hardware: Bool) {
        func hex(_ text: String) -> String {
            var hasher = SHA256(hardware: hardware)
            hasher.update(Array(text.utf8))
            return hasher.finalizeHex()
        }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Two blocks of message (FIPS 180-2, appendix B.3's 896-bit example).
        #expect(hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    /// The SHA extensions and the portable rounds agree on every length from 0 to 300 bytes (every padding case,
    /// one to five blocks) and on a long input hashed in uneven pieces.
    @Test func theSHAExtensionsAgreeWithThePortableRounds() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<70_000).map { _ -> UInt8 in
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 56)
        }
        for length in 0...300 {
            var portable = SHA256(hardware: false), hardware = SHA256(hardware: true)
            portable.update(Array(bytes[0..<length]))
            hardware.update(Array(bytes[0..<length]))
            #expect(hardware.finalizeHex() == portable.finalizeHex(), "length \(length)")
        }
        var portable = SHA256(hardware: false), hardware = SHA256(hardware: true)
        var start = 0, step = 1
        while start < bytes.count {
            let end = min(start + step, bytes.count)
            portable.update(Array(bytes[start..<end]))
            hardware.update(Array(bytes[start..<end]))
            start = end
            step = step * 3 % 4099 + 1
        }
        #expect(hardware.finalizeHex() == portable.finalizeHex())
        #expect(SHA256.hex(of: bytes) == portable.finalizeHex())
    }

    /// The processor check agrees with what Linux read of the processor (so the comparison above ran on the SHA
    /// extensions wherever they exist).
    @Test func findsTheSHAExtensionsWhereLinuxListsThem() throws {
        #if arch(x86_64) && os(Linux)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        #expect(SHA256Hardware.isAvailable == (flags.contains("sha_ni") && flags.contains("ssse3") && flags.contains("sse4_1")))
        #endif
    }

    @Test func hashesAMillionA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
