import Testing
@testable import OneSource

@Suite struct XMLMarkupFilterTests {
    /// The filter's output for `text` fed in pieces of `piece` bytes.
    func filtered(_ text: String, piece: Int) -> String {
        var filter = XMLMarkupFilter()
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var start = 0
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: piece + XMLMarkupFilter.maxHeld)
        defer { buffer.deallocate() }
        while start < bytes.count {
            let end = min(bytes.count, start + piece)
            let n = bytes[start..<end].withUnsafeBufferPointer { filter.filter($0, into: buffer) }
            out += UnsafeBufferPointer(start: buffer, count: n)
            start = end
        }
        out += UnsafeBufferPointer(start: buffer, count: filter.finish(into: buffer))
        return String(decoding: out, as: UTF8.self)
    }

    @Test func takesOutCommentsAndInstructionsButKeepsTheDeclarationTheirLineBreaksAndEverythingElse() {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a
            comment --><列表 a="<!-- not a comment -->"><?pi data?><主体>泰<!--c-->州<!---->市<![CDATA[<!-- kept -->]]></主体></列表>
            <记录 b='x>"y<!--z-->' c="'>'"
              d="1"><!--after a tag--><空/></记录>
            <
            """
        let expected = """
            <?xml version="1.0" encoding="UTF-8"?>

            <列表 a="<!-- not a comment -->"><主体>泰州市<![CDATA[<!-- kept -->]]></主体></列表>
            <记录 b='x>"y<!--z-->' c="'>'"
              d="1"><空/></记录>
            <
            """
        for piece in [1, 2, 3, 7, 1000] { #expect(filtered(text, piece: piece) == expected, "piece \(piece)") }
    }

    /// A "<" followed by a tag's first byte goes out the same whether both are in one piece (sent at once) or the "<" ends
    /// a piece (held, then sent with the next byte): also where that byte is a ">" or a quote, as in markup that is not
    /// well-formed, which the parser then rejects with its own message.
    @Test func aTagsFirstTwoBytesGoOutTheSameWhereverThePieceEnds() {
        let text = "<a><>x<!--c-->y</a><\"q<!--d-->\"><b>z<!--e--></b>"
        let expected = "<a><>x<!--c-->y</a><\"q<!--d-->\"><b>z</b>"
        for piece in [1, 2, 3, 4, 5, 1000] { #expect(filtered(text, piece: piece) == expected, "piece \(piece)") }
    }
}
