import Foundation
import Testing
@testable import OneSource

/// The ingest-integrity cases: no row lost on any input, every limit enforced, every record counted twice
/// (by the reader and, independently, from the raw bytes).
@Suite struct IngestIntegrityTests {
    func json(_ text: String, layout: JSONReader.Layout, keys: [String] = ["id", "name"], step: Int = .max, chunk: Int = 1 << 20,
              maxRecordBytes: Int = 1 << 20) throws -> (CollectingSink, ReadSummary) {
        let sink = CollectingSink()
        let reader = JSONReader(input: MemoryInput(text, step: step), path: "t.json", keys: keys, layout: layout,
                                maxRecordBytes: maxRecordBytes, chunkSize: chunk)
        var summary = try reader.read(into: sink)
        summary.counted = count(text, layout == .array ? JSONElementCounter() : LineCounter(whitespaceIsBlank: true))
        return (sink, summary)
    }

    func xml(_ text: String, record: String = "列表/主体", fields: [String] = ["代码", "名称"], step: Int = .max,
             maxRecordBytes: Int = 1 << 20) throws -> (CollectingSink, ReadSummary) {
        let sink = CollectingSink()
        let reader = XMLReader(input: MemoryInput(Array(text.utf8), step: step), path: "t.xml", recordPath: record, fieldPaths: fields,
                               maxRecordBytes: maxRecordBytes)
        var summary = try reader.read(into: sink)
        summary.counted = count(text, XMLStartTagCounter(name: Array(record.split(separator: "/").last!.utf8)))
        return (sink, summary)
    }

    func count(_ text: String, _ counter: RecordCounter, piece: Int = 7) -> Int {
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            bytes[start..<min(bytes.count, start + piece)].withUnsafeBufferPointer { counter.add($0) }
            start += piece
        }
        return counter.count
    }

    func object(_ i: Int) -> String { #"{"id": "\#(i)", "name": "名\#(i)", "n": {"k": [1, {"x": "}"}]}}"# }

    // MARK: - JSON arrays

    @Test func aOneLineArrayWithOneBadObjectLosesOnlyThatObject() throws {
        var objects = (1...100).map(object)
        objects[9] = objects[9].replacingOccurrences(of: #""name": "名10""#, with: #""name": tru"#)
        let text = "[" + objects.joined(separator: ",") + "]\n"
        for (step, chunk) in [(Int.max, 1 << 20), (3, 64), (50, 128)] {
            let (sink, summary) = try json(text, layout: .array, step: step, chunk: chunk)
            #expect(summary == ReadSummary(records: 99, rejected: 1, counted: 100), "step \(step)")
            #expect(sink.rejections.map(\.recordIndex) == [10])
            #expect(sink.records.map(\.index) == Array(1...9) + Array(11...100))
            #expect(summary.warnings.isEmpty)
        }
    }

    @Test func aMissingClosingBraceOnOneLineCostsOneObject() throws {
        let text = #"[{"id": "1", "name": "a", {"id": "2", "name": "b"}, {"id": "3", "name": "c"}]"#
        let (sink, summary) = try json(text, layout: .array)
        #expect(sink.records.map(\.values) == [["2", "b"], ["3", "c"]])
        #expect(summary == ReadSummary(records: 2, rejected: 1, counted: 3))
        // … and an unterminated array string ends at its line's end, not the file's.
        let pretty = "[\n  {\"id\": \"1\", \"name\": \"a},\n  {\"id\": \"2\", \"name\": \"b\"}\n]\n"
        let (broken, brokenSummary) = try json(pretty, layout: .array)
        #expect(broken.records.map(\.values) == [["2", "b"]])
        #expect(brokenSummary == ReadSummary(records: 1, rejected: 1, counted: 2))
    }

    @Test func aMissingCommaLosesNothingAndIsSaid() throws {
        let (sink, summary) = try json(#"[{"id": "1"} {"id": "2"}, {"id": "3"}]"#, layout: .array)
        #expect(sink.records.map(\.values) == [["1", nil], ["2", nil], ["3", nil]])
        #expect(summary == ReadSummary(records: 3, rejected: 0, warnings: ["line 1: a ',' is missing between two elements of the array"], counted: 3))
    }

    @Test func anObjectPastTheRecordLimitIsSkippedWithoutKeepingIt() throws {
        let huge = #"{"id": "2", "name": ""# + String(repeating: "泰", count: 40_000) + #""}"#
        let text = "[" + object(1) + "," + huge + "," + object(3) + "]"
        let (sink, summary) = try json(text, layout: .array, chunk: 4096, maxRecordBytes: 16_384)
        #expect(sink.records.map(\.index) == [1, 3])
        #expect(sink.rejections.map(\.reason) == ["object is longer than 16384 bytes"])
        #expect(summary.unaccounted == 0)
        #expect(summary.peakBufferBytes <= 4 * 16_384 + 2 * 4096)
    }

    // MARK: - NDJSON

    @Test func inNDJSONALineBreakAlwaysEndsTheRecord() throws {
        var lines = (1...20).map(object)
        lines[4] = #"{"id": "#
        let text = lines.joined(separator: "\n") + "\n"
        for step in [Int.max, 5] {
            let (sink, summary) = try json(text, layout: .lines, step: step, chunk: 64)
            #expect(summary == ReadSummary(records: 19, rejected: 1, counted: 20))
            #expect(sink.rejections.map { "\($0.line ?? 0) \($0.reason)" } == ["5 the line ends inside the object (a line break always ends a record)"])
            #expect(sink.records.map(\.line) == [1, 2, 3, 4] + Array(6...20))
        }
    }

    @Test func ndjsonRejectsEachBadLineAloneAndCountsBlankLines() throws {
        let text = "{\"id\": \"1\"} {\"id\": \"2\"}\n\n  \t\n[1]\n{\"id\": \"5\"}\r\n" + String(repeating: "x", count: 300) + "\n{\"id\": \"7\"}"
        let (sink, summary) = try json(text, layout: .lines, chunk: 64, maxRecordBytes: 100)
        #expect(sink.records.map { "\($0.line) \($0.values[0] ?? "")" } == ["5 5", "7 7"])
        #expect(sink.rejections.map { "\($0.line ?? 0) \($0.reason)" } == [
            "1 content after the object on the same line (one object per line)", "4 the line is not an object",
            "6 line is longer than 100 bytes"])
        #expect(summary == ReadSummary(records: 2, rejected: 3, blankLines: 2, counted: 5))
    }

    // MARK: - XML

    @Test func anXMLRecordPastTheLimitIsRejectedAndTheOthersRead() throws {
        let big = String(repeating: "泰", count: 10_000)
        let text = "<?xml version=\"1.0\"?>\n<列表>\n<主体><代码>1</代码><名称>甲</名称></主体>\n<主体><代码>2</代码><名称>\(big)</名称></主体>\n"
            + "<主体><代码>3</代码><备注>\(big)</备注><名称>丙</名称></主体>\n<主体><代码>4</代码><名称>丁</名称></主体>\n</列表>\n"
        let (sink, summary) = try xml(text, maxRecordBytes: 20_000)
        #expect(sink.records.map(\.values) == [["1", "甲"], ["4", "丁"]])
        #expect(sink.rejections.map { "\($0.line ?? 0) \($0.reason)" } == ["4 record is longer than 20000 bytes", "5 record is longer than 20000 bytes"])
        #expect(summary == ReadSummary(records: 2, rejected: 2, counted: 4))
    }

    @Test func xmlTextSplitByCommentsAndEntitiesIsGatheredWhole() throws {
        let pieces = (0..<5_000).map { "段\($0)<!--c-->&amp;" }.joined()
        let text = "<列表><主体><代码>1</代码><名称>\(pieces)</名称></主体></列表>"
        let (sink, _) = try xml(text)
        #expect(sink.records.first?.values[1] == (0..<5_000).map { "段\($0)&" }.joined())
    }

    @Test func xmlNestedDeeperThan256LevelsIsRefused() throws {
        let text = "<列表>" + String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300) + "</列表>"
        #expect(throws: IngestError.self) { try xml(text) }
        do { _ = try xml(text) } catch let error as IngestError {
            #expect(error.description.contains("nested deeper than 256 levels"))
        }
    }

    @Test func xmlTextPastTenMillionBytesRefusesTheFile() throws {
        // One text node of 10,000,001 bytes, however the bytes are pieced: the file fails at that line, nothing is kept.
        let text = "<列表>\n<主体><代码>1</代码></主体>\n<主体><代码>2</代码><名称>" + String(repeating: "a", count: 10_000_001) + "</名称></主体>\n</列表>"
        for step in [65_536, 1_000_003] {
            #expect(throws: IngestError.xml(path: "t.xml", line: 3, message: XMLStreamReader.hugeText)) { try xml(text, step: step) }
        }
        // Exactly the limit is text like any other (the record is then rejected for its size).
        let atLimit = "<列表>\n<主体><代码>2</代码><名称>" + String(repeating: "a", count: 10_000_000) + "</名称></主体>\n</列表>"
        let (sink, summary) = try xml(atLimit)
        #expect(sink.rejections.map { "\($0.line ?? 0) \($0.reason)" } == ["2 record is longer than 1048576 bytes"])
        #expect(summary.records == 0)
    }

    @Test func xmlWithoutARecordAtThePathIsReportedNotEmpty() throws {
        #expect(throws: IngestError.noRecords(path: "t.xml", recordPath: "列表/主体")) {
            try xml("<?xml version=\"1.0\"?>\n<企业列表><企业><名称>x</名称></企业></企业列表>\n")
        }
    }

    @Test func aDoctypeIsRefusedWithItsOwnLine() throws {
        let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n<列表>\n<主体><名称>&a;</名称></主体>\n</列表>\n"
        #expect(throws: IngestError.forbiddenDoctype(path: "t.xml", line: 2)) { try xml(text) }
    }

    // MARK: - Independent counts

    @Test func theCountersCountFromTheBytesAlone() throws {
        let csv = "a,b\r\n1,2\r\n\r\n3,\"x\r\ny\"\r\nlast"
        let lines = LineCounter(whitespaceIsBlank: false)
        #expect(count(csv, lines) == 5)            // header, 1, 3, y", last (the blank line left out)
        #expect(lines.blank == 1)
        #expect(lines.physicalLines == 6)
        #expect(count(#"[{"a": "[{,"}, 1, "x", true, null, [2, 3], {"b": {"c": 1}}]"#, JSONElementCounter()) == 7)
        #expect(count(#"[{"a": "x\"y"}, {"b": "\\"}]"#, JSONElementCounter()) == 2)
        let xml = """
            <?xml version="1.0"?><!-- <主体> --><列表 a="<主体>"><x:主体 k='>'/><主体>
            <![CDATA[<主体>]]></主体><主体s/><主体
            >t</主体><?pi <主体>?></列表>
            """
        // Wherever a piece ends: in a quoted attribute value holding '>' or a tag, between a tag's name and its '>'.
        for piece in 1...xml.utf8.count {
            #expect(count(xml, XMLStartTagCounter(name: Array("主体".utf8)), piece: piece) == 3, "piece \(piece)")
        }
        // The local name is what follows the last prefix; a longer or shorter name, or the name as a prefix, is another.
        let names = "<r><a:b:主体/><主体:x/><主/><主体体/><:主体>t</:主体><体/></r>"
        for piece in 1...names.utf8.count {
            #expect(count(names, XMLStartTagCounter(name: Array("主体".utf8)), piece: piece) == 2, "piece \(piece)")
        }
    }

    @Test func aFileTheReaderMisreadsShowsAsUnaccountedInTheRun() throws {
        // A reader that swallowed lines would show here: a CSV read with line breaks allowed reports its
        // continuation lines, so it still reconciles; the summary says when it does not.
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("data/公安局")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let header = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,户籍区划代码,登记日期"
        var rows = (0..<30).map { _ in "321202199803150011,张三,男,01,1998-03-15,泰州,321202,2015-06-01" }
        rows[10] = rows[10].replacingOccurrences(of: ",张三,", with: ",\"张三,")
        try (header + "\n" + rows.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("户籍人口.csv"), atomically: true, encoding: .utf8)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let pipeline = root.appendingPathComponent("p.json").path
        try #"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "divisions": "\#(Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path)", "stages": ["ingest"], "datasets": ["gongan_household"]}"#
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        let database = try Store.open(path: root.appendingPathComponent("s.sqlite").path)
        let run = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: pipeline))
        let summary = try RunSummary.load(database, run: run)
        #expect(summary.files.map { "\($0.read) \($0.staged) \($0.rejected) \($0.unaccounted)" } == ["30 29 1 0"])
        #expect(summary.reconciles)
        #expect(try database.rows("SELECT rows_counted FROM run_files") == [[.integer(30)]])
        // Tamper with the count as a buggy reader would have: the summary no longer reconciles, and says where.
        try database.run("UPDATE run_files SET rows_counted = 33")
        let tampered = try RunSummary.load(database, run: run)
        #expect(!tampered.reconciles)
        #expect(tampered.render().contains("Rows: read 30 = staged 29 + rejected 1 (DOES NOT RECONCILE)\n"
                                           + "  unaccounted 3 in 公安局/户籍人口.csv: an independent count of the file's records disagrees with the rows read\n"))
    }
}

extension IngestIntegrityTests {
    @Test func aCSVLineOfSpacesIsARowAndAnNDJSONLineOfSpacesIsBlank() throws {
        let csv = LineCounter(whitespaceIsBlank: false), ndjson = LineCounter(whitespaceIsBlank: true)
        #expect(count("a,b\n  \n\t\n1,2\n\n", csv) == 4)
        #expect(csv.blank == 1)
        #expect(count("{}\n  \n\t\n{}\n\n", ndjson) == 2)
        #expect(ndjson.blank == 3)
    }
}

extension IngestIntegrityTests {
    /// The counters skip ahead (to the line's end once a line has content, to the next '<' in XML text): whatever
    /// the pieces the bytes arrive in, the counts are those of the whole.
    @Test func theCountsDoNotDependOnHowTheBytesArePieced() throws {
        let csv = "a,b\r\n1,2\r\n\r\n \r\n3,\"x\r\ny\"\r\n\n\t\nlast"
        let xml = "<列表><主体 k=\"<主体>\"/><!-- <主体> --><ns:主体>x</ns:主体><主体\n/><主体s/><![CDATA[<主体>]]></列表>"
        for piece in 1...csv.utf8.count {
            let lines = LineCounter(whitespaceIsBlank: false), spaces = LineCounter(whitespaceIsBlank: true)
            #expect(count(csv, lines, piece: piece) == 7, "piece \(piece)")
            #expect(lines.blank == 2 && lines.physicalLines == 9, "piece \(piece)")
            #expect(count(csv, spaces, piece: piece) == 5, "piece \(piece)")
            #expect(spaces.blank == 4, "piece \(piece)")
        }
        for piece in 1...xml.utf8.count {
            #expect(count(xml, XMLStartTagCounter(name: Array("主体".utf8)), piece: piece) == 3, "piece \(piece)")
        }
    }
}
