import Foundation
import Testing
@testable import OneSource

@Suite struct CSVReaderTests {
    func read(_ text: String, columns: [String], delimiter: UInt8 = 0x2C, step: Int = .max, chunk: Int = 1 << 20,
              multiline: Bool = false) throws -> (CollectingSink, ReadSummary) {
        try read(bytes: Array(text.utf8), columns: columns, delimiter: delimiter, step: step, chunk: chunk, multiline: multiline)
    }

    func read(bytes: [UInt8], columns: [String], delimiter: UInt8 = 0x2C, step: Int = .max, chunk: Int = 1 << 20,
              transcode: String? = nil, multiline: Bool = false, maxRecordBytes: Int = 1 << 20) throws -> (CollectingSink, ReadSummary) {
        let sink = CollectingSink()
        var source: ByteSource = MemoryInput(bytes, step: step)
        if let transcode { source = try TranscodingInput(source, from: transcode) }
        let reader = CSVReader(input: source, path: "t.csv", columns: columns, delimiter: delimiter,
                               transcoded: transcode != nil, multiline: multiline, maxRecordBytes: maxRecordBytes, chunkSize: chunk)
        let summary = try reader.read(into: sink)
        return (sink, summary)
    }

    /// Unquoted fields are scanned eight bytes at a time: a delimiter or line end at every offset of a word, next to
    /// bytes one above or below the comma and to Chinese text, for comma and tab, LF and CRLF, and any read split.
    @Test func findsEveryDelimiterAndLineEndWhereverItFallsInAWord() throws {
        let fillers = ["", "a", "中", "+-", "-+-+-+-+", "文字ab", "0123456", "01234567", "012345678", "汉字汉字汉字x"]
        for delimiter: UInt8 in [0x2C, 0x09] {
            let separator = String(UnicodeScalar(delimiter))
            for lineEnd in ["\n", "\r\n"] {
                var text = ["x", "y", "z"].joined(separator: separator) + lineEnd
                var expected: [[String?]] = []
                for (row, first) in fillers.enumerated() {
                    let values = [first, fillers[(row * 3 + 1) % fillers.count] + "-", fillers[(row * 7 + 2) % fillers.count]]
                    text += values.joined(separator: separator) + lineEnd
                    expected.append(values.map { $0 })
                }
                for step in [Int.max, 1, 3, 8, 13] {
                    let (sink, summary) = try read(bytes: Array(text.utf8), columns: ["x", "y", "z"], delimiter: delimiter, step: step)
                    #expect(sink.records.map(\.values) == expected, "delimiter \(delimiter), step \(step)")
                    #expect(summary.records == fillers.count && summary.rejected == 0)
                }
            }
        }
    }

    @Test func mapsHeaderColumnsByNameInAnyOrder() throws {
        let (sink, summary) = try read("b,a,c\n2,1,3\n5,4,6\n", columns: ["a", "c"])
        #expect(sink.records == [.init(line: 2, index: 1, values: ["1", "3"]), .init(line: 3, index: 2, values: ["4", "6"])])
        #expect(summary == ReadSummary(records: 2, rejected: 0))
    }

    @Test func readsQuotedFieldsDoubledQuotesAndLineBreaksWhereTheDatasetAllowsThem() throws {
        let text = "id,text\r\n1,\"a, \"\"quoted\"\" word\"\r\n2,\"two\r\nlines\"\r\n3,plain\r\n"
        let (sink, summary) = try read(text, columns: ["id", "text"], multiline: true)
        #expect(sink.records.map(\.values) == [["1", "a, \"quoted\" word"], ["2", "two\r\nlines"], ["3", "plain"]])
        #expect(sink.records.map(\.line) == [2, 3, 5])
        #expect(sink.rejections.isEmpty)
        // Allowed, and still reported: the record spans lines 3 and 4.
        #expect(sink.notes.map { "\($0.line ?? 0) \($0.reason)" } == ["3 a quoted field holds a line break: the record spans lines 3 to 4"])
        #expect(summary.continuationLines == 1)
        // By default a record is one line: the broken line is rejected alone, and so is its orphan second half.
        let (single, singleSummary) = try read(text, columns: ["id", "text"])
        #expect(single.records.map(\.values) == [["1", "a, \"quoted\" word"], ["3", "plain"]])
        #expect(single.rejections.map { "\($0.line ?? 0) \($0.reason)" } == [
            "3 a quote opened in field 2 is not closed on this line (fields may not span lines in this dataset)",
            "4 expected 2 fields, found 1"])
        #expect(singleSummary == ReadSummary(records: 2, rejected: 2))
    }

    @Test func aQuoteOpenedOnOneLineAndAStrayQuoteLaterMergeNothing() throws {
        // The case: 100 rows; line 51 opens a quote in field 2, line 60 ends field 2 with a stray quote.
        var rows = (1...100).map { "3212021978050640\($0 % 10)4,余勇\($0),男" }
        rows[49] = rows[49].replacingOccurrences(of: ",余勇50,", with: ",\"余勇50,")
        rows[58] = rows[58].replacingOccurrences(of: ",余勇59,", with: ",余勇59\",")
        let text = "id,name,gender\r\n" + rows.joined(separator: "\r\n") + "\r\n"
        let (sink, summary) = try read(text, columns: ["id", "name", "gender"])
        #expect(summary == ReadSummary(records: 99, rejected: 1))
        #expect(sink.rejections.map(\.line) == [51])
        #expect(sink.records.first { $0.line == 60 }?.values[1] == "余勇59\"")
        // Where the dataset allows line breaks in fields, the ten lines become one record, and that is reported.
        let (multi, multiSummary) = try read(text, columns: ["id", "name", "gender"], multiline: true)
        #expect(multiSummary == ReadSummary(records: 91, rejected: 0, continuationLines: 9))
        #expect(multi.notes.map { "\($0.line ?? 0) \($0.reason)" } == ["51 a quoted field holds a line break: the record spans lines 51 to 60"])
    }

    @Test func aHeaderWhoseQuoteNeverClosesFailsWithinTheRecordLimit() throws {
        let text = "id,\"name,gender\n" + String(repeating: "1,张三,男\n", count: 2000)
        #expect(throws: IngestError.cannotRead(path: "t.csv", reason: "header row (line 1): a quote opened in field 2 is not closed on this line (fields may not span lines in this dataset)")) {
            try read(text, columns: ["id"])
        }
        // Allowing line breaks, the header is looked for no further than the record limit.
        #expect(throws: IngestError.cannotRead(path: "t.csv", reason: "header row (line 1) does not end within 4096 bytes (a quote that never closes?)")) {
            try read(bytes: Array(text.utf8), columns: ["id"], chunk: 1024, multiline: true, maxRecordBytes: 4096)
        }
    }

    @Test func acceptsLFOrCRLFAndNoFinalNewline() throws {
        let (lf, _) = try read("a,b\n1,2\n3,4", columns: ["a", "b"])
        let (crlf, _) = try read("a,b\r\n1,2\r\n3,4", columns: ["a", "b"])
        #expect(lf.records.map(\.values) == [["1", "2"], ["3", "4"]])
        #expect(crlf.records.map(\.values) == [["1", "2"], ["3", "4"]])
    }

    @Test func skipsTheByteOrderMark() throws {
        let (sink, _) = try read(bytes: [0xEF, 0xBB, 0xBF] + Array("名称,编号\n泰州,1\n".utf8), columns: ["名称"])
        #expect(sink.records.map(\.values) == [["泰州"]])
    }

    @Test func usesTheConfiguredDelimiter() throws {
        let (semicolon, _) = try read("a;b\n1;\"x;y\"\n", columns: ["b"], delimiter: UInt8(ascii: ";"))
        #expect(semicolon.records.map(\.values) == [["x;y"]])
        let (tab, _) = try read("a\tb\n1\t2,3\n", columns: ["b"], delimiter: 0x09)
        #expect(tab.records.map(\.values) == [["2,3"]])
    }

    @Test func rejectsAWrongFieldCountWithItsLineAndContinues() throws {
        let (sink, summary) = try read("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n", columns: ["a"])
        #expect(sink.records.map(\.values) == [["1"], ["10"]])
        #expect(sink.rejections.map(\.line) == [3, 4])
        #expect(sink.rejections.map(\.reason) == ["expected 3 fields, found 2", "expected 3 fields, found 4"])
        #expect(sink.rejections.map(\.recordIndex) == [2, 3])
        #expect(sink.rejections[0].raw == "4,5")
        #expect(summary == ReadSummary(records: 2, rejected: 2))
    }

    @Test func rejectsUnterminatedQuoteAndKeepsTheFollowingLines() throws {
        // Line 3 opens a quote that never closes; lines 4 and 5 are good and must survive.
        let text = "id,name,city\n1,甲,泰州\n2,\"乙,泰州\n3,丙,兴化\n4,丁,靖江\n"
        let (sink, summary) = try read(text, columns: ["id", "name", "city"])
        #expect(sink.records.map(\.values) == [["1", "甲", "泰州"], ["3", "丙", "兴化"], ["4", "丁", "靖江"]])
        #expect(sink.records.map(\.line) == [2, 4, 5])
        #expect(sink.rejections.count == 1)
        #expect(sink.rejections[0].line == 3)
        #expect(sink.rejections[0].reason == "a quote opened in field 2 is not closed on this line (fields may not span lines in this dataset)")
        #expect(summary.rowsRead == 4)
        let (multi, _) = try read(text, columns: ["id", "name", "city"], multiline: true)
        #expect(multi.records.map(\.line) == [2, 4, 5])
        #expect(multi.rejections.map(\.reason) == ["quoted field is never closed before the end of the file"])
    }

    @Test func aStrayQuoteThatMeetsALaterQuoteCostsOnlyItsOwnLine() throws {
        // The quote opened on line 3 "closes" at the first quote of line 5, which leaves garbage after it.
        let text = "id,name,note\n1,甲,ok\n2,\"乙,broken\n3,丙,fine\n4,丁,\"quoted, fine\"\n5,戊,end\n"
        let (sink, summary) = try read(text, columns: ["id", "note"])
        #expect(sink.records.map(\.values) == [["1", "ok"], ["3", "fine"], ["4", "quoted, fine"], ["5", "end"]])
        #expect(sink.rejections.map(\.line) == [3])
        #expect(summary == ReadSummary(records: 4, rejected: 1))
    }

    @Test func aQuotedFieldSpanningLinesWithTheWrongCountRejectsOnlyTheFirstLine() throws {
        // Line 3's quote closes on line 4 but leaves a row of 2 fields: line 3 is the defect, and line 4 is
        // read again on its own (where it has 2 fields and is rejected for that).
        let text = "a,b,c\n1,2,3\n\"x,y\n4\",5\n7,8,9\n"
        let (sink, _) = try read(text, columns: ["a", "b", "c"], multiline: true)
        #expect(sink.rejections.map(\.line) == [3, 4])
        #expect(sink.rejections[0].reason == "a quoted field opened on this line does not close on it, and reading on gives 2 fields instead of 3; only this line is rejected")
        #expect(sink.rejections[1].reason == "expected 3 fields, found 2")
        #expect(sink.records.map(\.values) == [["1", "2", "3"], ["7", "8", "9"]])
        #expect(sink.records.map(\.line) == [2, 5])
    }

    @Test func rejectsCharactersAfterAClosingQuote() throws {
        let (sink, _) = try read("a,b\n\"x\"y,1\n2,3\n", columns: ["a", "b"])
        #expect(sink.rejections.map(\.line) == [2])
        #expect(sink.rejections[0].reason == "unexpected character after the closing quote of field 1")
        #expect(sink.records.map(\.values) == [["2", "3"]])
    }

    @Test func countsBlankLinesWithoutCallingThemRows() throws {
        let (sink, summary) = try read("a\n1\n\n2\r\n\r\n3\n", columns: ["a"])
        #expect(sink.records.map(\.values) == [["1"], ["2"], ["3"]])
        #expect(sink.records.map(\.line) == [2, 4, 6])
        #expect(summary == ReadSummary(records: 3, rejected: 0, blankLines: 2))
    }

    @Test func givesTheSameResultForAnyChunking() throws {
        var text = "id,name,note\r\n"
        for i in 1...300 {
            switch i % 7 {
            case 0: text += "\(i),\"名字\(i)\",\"two\r\nlines \"\"q\"\"\"\r\n"
            case 3: text += "\(i),bad\r\n"
            case 5: text += "\(i),\"open,never\r\n"
            default: text += "\(i),泰州\(i),\r\n"
            }
        }
        for multiline in [true, false] {
            let (reference, referenceSummary) = try read(text, columns: ["id", "name", "note"], multiline: multiline)
            // 342 lines either way: 300 records (42 of them over two lines), or, one record per line, 342 rows
            // (each two-line record being two rejected lines).
            #expect(referenceSummary.rowsRead == (multiline ? 300 : 342))
            #expect(referenceSummary.rowsRead + referenceSummary.continuationLines == 342)
            for (step, chunk) in [(1, 16), (7, 16), (13, 64), (4096, 32)] {
                let (sink, summary) = try read(text, columns: ["id", "name", "note"], step: step, chunk: chunk, multiline: multiline)
                #expect(sink.records == reference.records, "step \(step) chunk \(chunk)")
                #expect(sink.rejections == reference.rejections, "step \(step) chunk \(chunk)")
                #expect(sink.notes == reference.notes, "step \(step) chunk \(chunk)")
                #expect(summary == referenceSummary)
            }
        }
    }

    @Test func failsTheFileWhenAMappedColumnIsMissingOrDoubled() throws {
        #expect(throws: IngestError.missingColumns(path: "t.csv", columns: ["c", "d"])) {
            try read("a,b\n1,2\n", columns: ["a", "c", "d"])
        }
        #expect(throws: IngestError.duplicateColumn(path: "t.csv", column: "a")) {
            try read("a,a\n1,2\n", columns: ["a"])
        }
        #expect(throws: IngestError.emptyFile(path: "t.csv")) { try read("", columns: ["a"]) }
    }

    @Test func rejectsInvalidUTF8NamingTheField() throws {
        let bytes = Array("a,b\n1,".utf8) + [0xE6, 0xB3] + Array("\n2,ok\n".utf8)
        let (sink, _) = try read(bytes: bytes, columns: ["a", "b"])
        #expect(sink.records.map(\.values) == [["2", "ok"]])
        #expect(sink.rejections.map(\.field) == ["b"])
        #expect(sink.rejections.map(\.line) == [2])
    }

    @Test func decodesGB18030IncludingFourByteSequencesAcrossChunks() throws {
        // 姓名 = D0 D5 C3 FB; 您好 = C4 FA BA C3; U+20000 𠀀 = 95 32 82 36 (four bytes).
        let header: [UInt8] = [0xD0, 0xD5, 0xC3, 0xFB] + Array(",id\r\n".utf8)
        let row1: [UInt8] = [0xC4, 0xFA, 0xBA, 0xC3] + Array(",1\r\n".utf8)
        let row2: [UInt8] = [0x95, 0x32, 0x82, 0x36] + Array(",2\r\n".utf8)
        let bad: [UInt8] = [0xC4, 0xFF] + Array(",3\r\n".utf8)
        for step in [1, 2, 3, 5, 1000] {
            let (sink, _) = try read(bytes: header + row1 + row2 + bad, columns: ["姓名", "id"], step: step, transcode: "GB18030")
            #expect(sink.records.map(\.values) == [["您好", "1"], ["𠀀", "2"]], "step \(step)")
            #expect(sink.rejections.map(\.line) == [4])
            #expect(sink.rejections.first?.field == "姓名")
            #expect(sink.rejections.first?.reason.hasPrefix("byte sequence not valid in the declared encoding") == true)
        }
    }
}

/// The encoding check every delivered value goes through, against the standard library's own UTF-8 validation.
@Suite struct UTF8CheckTests {
    func problem(_ bytes: [UInt8], transcoded: Bool = false) -> String? {
        bytes.withUnsafeBufferPointer { UTF8Check.problem(in: $0, transcoded: transcoded) }
    }

    /// Every three-byte lead with a wide range of second bytes and the interesting third bytes, alone and after ASCII
    /// and Chinese text: valid exactly when Swift finds it valid (overlong forms, surrogates and broken continuations
    /// refused), and U+FFFD refused only in transcoded input (iconv's mark for an undecodable byte).
    @Test func agreesWithTheStandardLibrary() {
        var checked = 0
        for b0 in UInt8(0xE0)...0xEF {
            for b1 in UInt8(0x70)...0xD0 {
                for b2: UInt8 in [0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBD, 0xBF, 0xC0, 0xFF] {
                    // Before or after one or two Chinese characters too: the check takes two at a time when it can.
                    for (prefix, suffix): ([UInt8], [UInt8]) in [([], []), (Array("abcdefgh".utf8), []), (Array("中".utf8), []),
                                                                 (Array("a中".utf8), Array("b".utf8)), ([], Array("中".utf8)),
                                                                 (Array("中文".utf8), Array("字".utf8))] {
                        let bytes = prefix + [b0, b1, b2] + suffix
                        let valid = String(validating: bytes, as: UTF8.self) != nil
                        #expect((problem(bytes) == nil) == valid, "\(bytes)")
                        let replacement = b0 == 0xEF && b1 == 0xBF && b2 == 0xBD
                        #expect((problem(bytes, transcoded: true) == nil) == (valid && !replacement), "\(bytes)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == 16 * 97 * 10 * 6)
    }

    @Test func namesTheByteAndTheCause() {
        #expect(problem(Array("户籍人口".utf8)) == nil)
        #expect(problem(Array("中".utf8) + [0xED, 0xA0, 0x80]) == "invalid UTF-8 sequence at byte 4")   // a surrogate
        #expect(problem([0x41, 0xE0, 0x80, 0x80]) == "invalid UTF-8 sequence at byte 2")   // overlong
        #expect(problem([0x41, 0xE4, 0xB8]) == "truncated UTF-8 sequence at byte 2")
        #expect(problem([0xE4, 0x41, 0xAD]) == "invalid UTF-8 sequence at byte 1")
        #expect(problem([0xFF]) == "invalid UTF-8 byte 0xFF at byte 1")
        #expect(problem(Array("a\u{FFFD}".utf8)) == nil)
        #expect(problem(Array("a\u{FFFD}".utf8), transcoded: true) == "byte sequence not valid in the declared encoding at character 2")
        #expect(problem(Array("𠀀".utf8)) == nil)   // four bytes, outside the three-byte step
    }
}
