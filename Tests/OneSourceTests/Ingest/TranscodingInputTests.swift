import Foundation
import Testing
@testable import OneSource

/// The GB family is decoded by a table made from iconv's answers, iconv taking what the table leaves: the output must be
/// iconv's own, byte for byte, wherever the reads split the input and however much output is asked for at a time.
@Suite struct TranscodingInputTests {
    /// Everything `source` gives, asked for `count` bytes at a time.
    func drain(_ source: ByteSource, count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: count)
        defer { buffer.deallocate() }
        while true {
            let n = try source.read(into: buffer, count: count)
            if n == 0 { return out }
            out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: n))
        }
    }

    func decoded(_ bytes: [UInt8], encoding: String = "GB18030", byTable: Bool, step: Int = .max, count: Int = 1 << 16) throws -> [UInt8] {
        try drain(TranscodingInput(MemoryInput(bytes, step: step), from: encoding, byTable: byTable), count: count)
    }

    func gb(_ text: String) throws -> [UInt8] { try TranscodingInput.encode(to: "GB18030", text) }

    @Test func decodesOneTwoAndFourByteCharactersAsIconvDoes() throws {
        // 中 is D6D0; 𠀀 (U+20000) and U+0080 are four-byte GB18030; € is A2E3; ・ and ﹏ are rarer two-byte codes.
        let text = "身份证号,姓名\n320101199001011234,张三·李𠀀\u{80}€﹏\n"
        let bytes = try gb(text)
        #expect(bytes.count == 54)
        #expect(try decoded(bytes, byTable: true) == Array(text.utf8))
        #expect(try decoded(bytes, byTable: false) == Array(text.utf8))
    }

    @Test func invalidBytesBecomeTheReplacementCharacterAsBefore() throws {
        let replacement = "\u{FFFD}"
        // 0x80 and 0xFF are no GB18030 character; D6 7F is a lead byte with a trail byte that is none; a lead byte at the end.
        let bytes: [UInt8] = [0x41, 0x80, 0x42, 0xFF, 0xD6, 0x7F, 0x43, 0xD6, 0xD0, 0xD6]
        let expected = Array("A\(replacement)B\(replacement)\(replacement)\u{7F}C中\(replacement)".utf8)
        #expect(try decoded(bytes, byTable: false) == expected)
        #expect(try decoded(bytes, byTable: true) == expected)
    }

    @Test func tableAndIconvAgreeOnMixedAndBrokenInputWhateverTheSplits() throws {
        // A deterministic mix: ASCII, common and rare Chinese, four-byte characters, and runs of arbitrary bytes.
        var generator = SeededGenerator(seed: 20261202)
        var bytes: [UInt8] = []
        let pieces = try ["泰州市海陵区", "abc,123\n", "𠀀𪚥", "\u{80}\u{FFFF}", "€·—", "龘靐", "\r\n"].map(gb)
        for _ in 0..<4000 {
            if generator.next() % 5 == 0 {
                for _ in 0..<(1 + generator.next() % 4) { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
            } else {
                bytes += pieces[Int(generator.next() % UInt64(pieces.count))]
            }
        }
        let reference = try decoded(bytes, byTable: false)
        #expect(reference.count == 28603)
        // A read may ask for fewer bytes than the next character takes (𠀀 is four): it gets them over several reads,
        // never a 0 that would end the file early.
        for (step, count) in [(Int.max, 1 << 16), (1, 4096), (2, 7), (3, 5), (7, 4), (64, 3), (5, 1), (1000, 17), (4099, 1 << 12)] {
            #expect(try decoded(bytes, byTable: true, step: step, count: count) == reference, "step \(step), count \(count)")
            #expect(try decoded(bytes, byTable: false, step: step, count: count) == reference, "step \(step), count \(count)")
        }
        // And every two-byte sequence there is, each between ASCII bytes.
        var all: [UInt8] = []
        for lead in UInt8(0x80)...0xFF { for trail in UInt8(0x30)...0xFF { all += [0x2C, lead, trail] } }
        #expect(try decoded(all, byTable: true) == decoded(all, byTable: false))
        #expect(try decoded(all, encoding: "GBK", byTable: true) == decoded(all, encoding: "GBK", byTable: false))
    }

    @Test func onlyTheGBFamilyIsDecodedByTable() throws {
        #expect(Iconv.twoByteTable(for: "GB18030") != nil)
        #expect(Iconv.twoByteTable(for: "gbk") != nil)
        #expect(Iconv.twoByteTable(for: "BIG5") == nil)
        #expect(Iconv.twoByteTable(for: "UTF-16LE") == nil)
        let table = try #require(Iconv.twoByteTable(for: "GB18030"))
        #expect(table.entry(0xD6, 0xD0) == 3 << 24 | 0xAD << 16 | 0xB8 << 8 | 0xE4)   // 中 = E4 B8 AD
        #expect(table.entry(0x81, 0x30) == 0)   // the first half of a four-byte character: left to iconv
        #expect(table.entry(0xD6, 0x7F) == 0)
        #expect(table.entry(0x80, 0x41) == 0)
        #expect(table.entry(0xFF, 0xA1) == 0)
    }
}

