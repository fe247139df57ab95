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
}
