import Testing
@testable import OneSource

@Suite struct XMLReaderTests {
    func read(_ text: String, record: String, fields: [String], step: Int = .max) throws -> (CollectingSink, ReadSummary) {
        try read(bytes: Array(text.utf8), record: record, fields: fields, step: step)
    }

    func read(bytes: [UInt8], record: String, fields: [String], step: Int = .max) throws -> (CollectingSink, ReadSummary) {
        let sink = CollectingSink()
        let reader = XMLReader(input: MemoryInput(bytes, step: step), path: "t.xml", recordPath: record, fieldPaths: fields)
        let summary = try reader.read(into: sink)
        return (sink, summary)
    }

    let document = """
        <?xml version="1.0" encoding="UTF-8"?>
        <列表 版本="1">
          <主体 序号="1">
            <代码>91110000600037341L</代码>
            <名称>甲 &amp; 乙<![CDATA[<公司>]]></名称>
            <代表><姓名>张三</姓名></代表>
          </主体>
          <主体 序号="2"><代码>91350100M000100Y43</代码><名称/></主体>
        </列表>
        """

    @Test func readsRecordsWithNestedPathsAttributesAndCDATA() throws {
        for step in [1, 7, 100_000] {
            let (sink, summary) = try read(document, record: "列表/主体", fields: ["@序号", "代码", "名称", "代表/姓名"], step: step)
            #expect(sink.records == [
                .init(line: 3, index: 1, values: ["1", "91110000600037341L", "甲 & 乙<公司>", "张三"]),
                .init(line: 8, index: 2, values: ["2", "91350100M000100Y43", "", nil]),
            ])
            #expect(summary == ReadSummary(records: 2, rejected: 0))
        }
    }

    @Test func refusesADoctypeWithEntities() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY a "aaaa">]>
            <r><x>&xxe;&a;</x></r>
            """
        #expect(throws: IngestError.forbiddenDoctype(path: "t.xml", line: 2)) {   // the DOCTYPE's own line
            try read(text, record: "x", fields: ["."])
        }
    }

    @Test func failsTheWholeDocumentWhenItIsNotWellFormed() throws {
        let text = "<r>\n<x><a>1</a></x>\n<x><a>2</b></x>\n<x><a>3</a></x>\n</r>\n"
        #expect(throws: IngestError.xml(path: "t.xml", line: 3, message: "Opening and ending tag mismatch: a line 3 and b")) {
            try read(text, record: "x", fields: ["a"])
        }
    }

    @Test func rejectsARecordWithARepeatedField() throws {
        let (sink, _) = try read("<r><x><a>1</a><a>2</a></x><x><a>3</a></x></r>", record: "x", fields: ["a"])
        #expect(sink.records.map(\.values) == [["3"]])
        #expect(sink.rejections.map(\.reason) == ["a occurs more than once in the record"])
    }

    @Test func decodesADeclaredGB18030Document() throws {
        // <?xml version="1.0" encoding="GB18030"?><r><x>您好</x></r>
        let bytes = Array("<?xml version=\"1.0\" encoding=\"GB18030\"?><r><x>".utf8) + [0xC4, 0xFA, 0xBA, 0xC3] + Array("</x></r>".utf8)
        let (sink, _) = try read(bytes: bytes, record: "r", fields: ["x"])
        #expect(sink.records.map(\.values) == [["您好"]])
    }

    @Test func knowsTheLinesOfRecordsPastLine65535() throws {
        // libxml2 keeps an element's line in 16 bits; one record a line, and pretty-printed over four lines.
        var oneLine = "<?xml version=\"1.0\"?>\n<列表>\n"
        for i in 0..<70_000 { oneLine += "<主体><代码>C\(i)</代码></主体>\n" }
        oneLine += "</列表>\n"
        let (sink, _) = try read(oneLine, record: "列表/主体", fields: ["代码"])
        #expect(sink.records.count == 70_000)
        #expect(sink.records.allSatisfy { $0.line == $0.index + 2 })
        var pretty = "<?xml version=\"1.0\"?>\n<列表>\n"
        for i in 0..<20_000 { pretty += "  <主体>\n    <代码>C\(i)</代码>\n  </主体>\n\n" }
        pretty += "</列表>\n"
        let (prettySink, _) = try read(pretty, record: "列表/主体", fields: ["代码"])
        #expect(prettySink.records.allSatisfy { $0.line == 3 + ($0.index - 1) * 4 })
    }
}
