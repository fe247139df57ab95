import Testing
@testable import OneSource

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

    @Test func hashesAMillionA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finalizeHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
