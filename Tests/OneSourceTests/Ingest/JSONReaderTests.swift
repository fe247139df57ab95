import Testing
@testable import OneSource

@Suite struct JSONReaderTests {
    func read(_ text: String, keys: [String], layout: JSONReader.Layout, step: Int = .max, chunk: Int = 1 << 20)
        throws -> (CollectingSink, ReadSummary) {
        let sink = CollectingSink()
        let reader = JSONReader(input: MemoryInput(text, step: step), path: "t.json", keys: keys, layout: layout, chunkSize: chunk)
        let summary = try reader.read(into: sink)
        return (sink, summary)
    }

    @Test func readsAnArrayOfObjects() throws {
        let text = """
            [
              {"id": "1", "name": "甲", "extra": [1, {"x": 2}]},
              {"name": "乙", "id": "2"}
            ]
            """
        let (sink, summary) = try read(text, keys: ["id", "name"], layout: .array)
        #expect(sink.records == [.init(line: 2, index: 1, values: ["1", "甲"]), .init(line: 3, index: 2, values: ["2", "乙"])])
        #expect(summary == ReadSummary(records: 2, rejected: 0))
    }

    @Test func keepsTheLiteralTextOfNumbers() throws {
        let (sink, _) = try read("[{\"id\": 321202199803150011, \"amount\": 1.50, \"e\": -2E+3}]", keys: ["id", "amount", "e"], layout: .array)
        #expect(sink.records.map(\.values) == [["321202199803150011", "1.50", "-2E+3"]])
    }

    @Test func readsNullTrueFalseNestedKeysAndEscapes() throws {
        let text = #"{"a": null, "b": true, "c": false, "holder": {"code": "91110000600037341L"}, "s": "\u6cf0\u5dde \"q\" \ud840\udc00\n"}"#
        let (sink, _) = try read(text + "\n", keys: ["a", "b", "c", "holder.code", "s"], layout: .lines)
        #expect(sink.records.map(\.values) == [[nil, "true", "false", "91110000600037341L", "泰州 \"q\" 𠀀\n"]])
    }

    @Test func readsNewlineDelimitedObjectsAndSkipsAMalformedLine() throws {
        let text = """
            {"id": "1"}
            {"id": "2", "x": }
            {"id": "3"}
            not json at all
            {"id": "5"}
            """
        let (sink, summary) = try read(text, keys: ["id"], layout: .lines)
        #expect(sink.records.map(\.values) == [["1"], ["3"], ["5"]])
        #expect(sink.records.map(\.line) == [1, 3, 5])
        #expect(sink.rejections.map(\.line) == [2, 4])
        #expect(sink.rejections.map(\.recordIndex) == [2, 4])
        #expect(sink.rejections[0].reason == "invalid value")
        #expect(summary == ReadSummary(records: 3, rejected: 2))
    }

    @Test func aMissingBraceInAnArrayCostsOneObject() throws {
        let text = """
            [
              {"id": "1",
              {"id": "2"},
              {"id": "3"}
            ]
            """
        let (sink, summary) = try read(text, keys: ["id"], layout: .array)
        #expect(sink.records.map(\.values) == [["2"], ["3"]])
        #expect(sink.rejections.map(\.line) == [2])
        #expect(sink.rejections[0].reason == "expected a quoted key (at line 3)")
        #expect(summary.rowsRead == 3)
    }

    @Test func rejectsDuplicateKeysAndNonObjects() throws {
        let (sink, _) = try read("[{\"id\": \"1\", \"id\": \"2\"}, 42, {\"id\": \"3\"}]", keys: ["id"], layout: .array)
        #expect(sink.records.map(\.values) == [["3"]])
        #expect(sink.rejections.map(\.reason) == ["key \"id\" appears twice in the object", "element is not an object"])
        #expect(sink.rejections.map(\.recordIndex) == [1, 2])
    }

    @Test func failsWhenTheArrayLayoutHasNoArray() throws {
        #expect(throws: IngestError.notAnArray(path: "t.json", line: 2)) {
            try read("\n{\"id\": 1}", keys: ["id"], layout: .array)
        }
    }

    @Test func warnsWhenTheArrayIsNeverClosed() throws {
        let (sink, summary) = try read("[{\"id\": \"1\"},\n{\"id\": \"2\"}\n", keys: ["id"], layout: .array)
        #expect(sink.records.count == 2)
        #expect(summary.warnings == ["line 3: the file ends before the array is closed with ']'"])
    }

    @Test func givesTheSameResultForAnyChunking() throws {
        var text = "[\n"
        for i in 1...200 {
            text += i % 9 == 0 ? "  {\"id\": \(i), \"name\": \"坏\" \"x\"},\n" : "  {\"id\": \(i), \"name\": \"名\\u5b57\(i)\", \"n\": {\"k\": [1,2]}},\n"
        }
        text += "  {\"id\": 0}\n]\n"
        let (reference, summary) = try read(text, keys: ["id", "name"], layout: .array)
        #expect(summary.rowsRead == 201)
        #expect(reference.rejections.count == 22)
        for (step, chunk) in [(1, 16), (5, 32), (100, 64)] {
            let (sink, other) = try read(text, keys: ["id", "name"], layout: .array, step: step, chunk: chunk)
            #expect(sink.records == reference.records)
            #expect(sink.rejections == reference.rejections)
            #expect(other == summary)
        }
    }

    /// Keys are matched by their bytes once known, but what a spelling maps to is decided as text: a key written
    /// decomposed (`e` and a combining acute) is the catalog's composed `é`, in one record and the next; an escaped key
    /// is its decoded text; a nested key's error names its whole path, and the next record starts at the top again.
    @Test func keysAreMatchedAsTextWhateverTheirSpelling() throws {
        let text = "{\"caf\u{E9}\": \"1\", \"h\": {\"code\": \"A\", \"x\": 1}, \"n\\u0061me\": \"a\\\"b\\\\c\"}\n"
            + "{\"cafe\u{301}\": \"2\", \"h\": {\"code\": \"B\"}, \"name\": \"\u{6CF0}\\u5dde\"}\n"
            + "{\"h\": {\"code\": tru}, \"caf\u{E9}\": \"3\"}\n"
            + "{\"code\": \"top\", \"caf\u{E9}\": \"4\", \"h\": {\"code\" \"C\"}}\n"
            + "{\"caf\u{E9}\": \"5\", \"cafe\u{301}\": \"6\"}\n"
        let (sink, summary) = try read(text, keys: ["caf\u{E9}", "h.code", "name"], layout: .lines)
        #expect(sink.records.map(\.values) == [["1", "A", "a\"b\\c"], ["2", "B", "泰州"]])
        #expect(sink.rejections.map(\.line) == [3, 4, 5])
        #expect(sink.rejections.map(\.reason) == ["invalid literal (expected true)", "expected ':' after key \"h.code\"",
                                                  "key \"cafe\u{301}\" appears twice in the object"])
        #expect(sink.rejections.map(\.field) == ["h.code", "h.code", "cafe\u{301}"])
        #expect(summary == ReadSummary(records: 2, rejected: 3))
    }
}
