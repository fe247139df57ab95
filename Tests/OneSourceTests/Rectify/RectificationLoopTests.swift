import Foundation
import Testing
@testable import OneSource

/// The rectification loop over several nights: partial deliveries, the year's end, disputes and replies.
@Suite struct RectificationLoopTests {
    func store() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
    }

    func task(_ database: Database, agency: String, line: Int, rule: String) throws -> (id: Int64, status: String, lastSeen: Int64) {
        let row = try #require(try database.rows("SELECT task_id, status, last_seen_run FROM tasks WHERE agency = ? AND line = ? AND rule_id = ?",
                                                 [.text(agency), .int(line), .text(rule)]).first)
        return (row[0].integer ?? 0, row[1].text ?? "", row[2].integer ?? 0)
    }

    func rectifyMessage(_ database: Database, _ run: Int64) throws -> String {
        try RunLedger(database: database).stages(of: run).first { $0.stage == "rectify" }?.message ?? ""
    }

    @Test func aTruncatedDeliveryKeepsTheTasksOfTheRecordsItDidNotSend() throws {
        let city = try SampleCity()
        let database = try store()
        let first = try city.run(database)
        let line342 = try task(database, agency: "renshe", line: 342, rule: "matches_authority")
        let line557 = try task(database, agency: "renshe", line: 557, rule: "matches_authority")
        let line14 = try task(database, agency: "renshe", line: 14, rule: "matches_authority")
        #expect([line342.status, line557.status, line14.status] == ["open", "open", "open"])

        // Night 2: 人社局's export is cut to its first 300 lines (299 records of 703).
        let file = city.data.appendingPathComponent("人社局/社保参保.csv")
        let full = try Data(contentsOf: file)
        var cut = 0, lines = 0
        while lines < 300 { if full[cut] == 0x0A { lines += 1 }; cut += 1 }
        try full.prefix(cut).write(to: file)
        let second = try city.run(database)
        // The records on lines 342 and 557 were not delivered again: their tasks stay open, untouched.
        #expect(try task(database, agency: "renshe", line: 342, rule: "matches_authority") == line342)
        #expect(try task(database, agency: "renshe", line: 557, rule: "matches_authority") == line557)
        #expect(try task(database, agency: "renshe", line: 14, rule: "matches_authority").lastSeen == second)
        #expect(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status = 'resolved'") == 0)
        #expect(try rectifyMessage(database, second).contains("0 resolved, 2 not redelivered (kept open)"))
        // The cut itself is a finding and a task for 人社局.
        let drop = try #require(try database.rows("""
            SELECT t.status, t.observed, t.expected, t.message FROM tasks t WHERE t.rule_id = 'record_count_drop' AND t.agency = 'renshe'
            """).first)
        #expect(drop == [.text("open"), .text("299"), .text("703"), .text("本次报送299条记录，较上次的703条减少57%，请核实是否漏报")])

        // Night 3: the whole file again. The drop is resolved; the two records came back with the same problem.
        try full.write(to: file)
        let third = try city.run(database)
        #expect(try database.queryScalarText("SELECT status FROM tasks WHERE rule_id = 'record_count_drop'") == "resolved")
        #expect(try task(database, agency: "renshe", line: 342, rule: "matches_authority") == (line342.id, "open", third))
        #expect(try task(database, agency: "renshe", line: 557, rule: "matches_authority") == (line557.id, "open", third))
        #expect(try rectifyMessage(database, third).hasPrefix("0 new tasks, 52 found again (0 reopened), 1 resolved, 0 not redelivered"))
        _ = first
    }

    @Test func aDatasetWhoseFileCannotBeReadGetsAFindingATaskAndScoresZero() throws {
        let city = try SampleCity()
        let database = try store()
        // 民政局 delivers its deaths in the wrong encoding: the JSON is cut in the middle of an object... as bytes
        // that are not UTF-8 at all, so the reader cannot even start.
        try Data([0xFF, 0xFE, 0x00, 0x5B]).write(to: city.data.appendingPathComponent("民政局/死亡登记.json"))
        let run = try city.run(database)
        let finding = try #require(try database.rows("""
            SELECT rule_id, dimension, severity, agency, observed FROM findings WHERE run_id = ? AND dataset_id = 'minzheng_deaths'
            """, [.integer(run)]).first)
        #expect(finding == [.text("delivery_unreadable"), .text("completeness"), .text("error"), .text("minzheng"), .text("民政局/死亡登记.json")])
        #expect(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE agency = 'minzheng' AND rule_id = 'delivery_unreadable'") == 1)
        let catalog = try Catalog.load(directory: city.catalog.path)
        let report = try QualityReport.build(database, catalog: catalog, run: run, agency: "minzheng")
        #expect(report.datasets.map(\.score) == [0])
        #expect(report.rules.map(\.rule) == ["delivery_unreadable"])
    }

    @Test func aNightOn23DecemberGetsProvisionalDueDatesThatMoveWhenTheNoticeArrives() throws {
        let city = try SampleCity(ownCalendar: true)
        let database = try store()
        let first = try city.run(database, asOf: CivilDate(iso: "2026-12-23")!)
        #expect(try database.rows("SELECT DISTINCT due_on, due_provisional FROM tasks WHERE rule_id != 'benefit_after_death'")
                == [[.text("2027-01-04"), .integer(1)]])
        // Three working days stay in 2026: an official date.
        #expect(try database.rows("SELECT DISTINCT due_on, due_provisional FROM tasks WHERE rule_id = 'benefit_after_death'")
                == [[.text("2026-12-28"), .integer(0)]])
        #expect(try rectifyMessage(database, first).contains("; 49 due dates provisional (no State Council notice for their year yet); "
                                                              + "warning: no official working-day calendar for 2027: deadlines there are provisional"))
        let catalog = try Catalog.load(directory: city.catalog.path)
        let book = TaskBook(database: database, catalog: catalog, calendar: try WorkingDayCalendar.load(directory: city.root.appendingPathComponent("calendar").path))
        let exported = try book.exportRows(agency: "ziran", today: CivilDate(iso: "2026-12-23")!)
        #expect(exported.map { [$0[10], $0[11]] } == [["2027-01-04", "是"]])

        // The notice for 2027 is added (a made-up schedule for the test: 元旦 1-4 January).
        try #"{"year": 2027, "source": "test notice", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-04"}], "workingWeekendDays": []}"#
            .write(to: city.root.appendingPathComponent("calendar/2027.json"), atomically: true, encoding: .utf8)
        let second = try city.run(database, asOf: CivilDate(iso: "2026-12-24")!)
        #expect(try database.rows("SELECT DISTINCT due_on, due_provisional FROM tasks WHERE rule_id != 'benefit_after_death' AND first_run = ?",
                                  [.integer(first)]) == [[.text("2027-01-05"), .integer(0)]])
        #expect(try rectifyMessage(database, second).hasSuffix("; 49 provisional due dates moved by the official calendar"))
        let id = try #require(try database.queryScalarInt("SELECT min(task_id) FROM tasks WHERE rule_id != 'benefit_after_death'"))
        #expect(try TaskTable(database: database).history(id).last?.note == "截止日期由2027-01-04调整为2027-01-05（按国务院放假安排重新计算）")
        // Re-running the night's rectify gives the same, and restores the provisional dates in between.
        try Runner(database: database, log: SilentLog()).rerun(stage: "rectify", run: second)
        #expect(try database.rows("SELECT DISTINCT due_on, due_provisional FROM tasks WHERE rule_id != 'benefit_after_death' AND first_run = ?",
                                  [.integer(first)]) == [[.text("2027-01-05"), .integer(0)]])
        #expect(try TaskTable(database: database).history(id).count == 2)
    }

    @Test func aDisputeIsDecidedRejectedOpensAgainAcceptedStaysAnException() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database, asOf: CivilDate(iso: "2026-11-30")!)
        let ethnicity = try task(database, agency: "gongan", line: 182, rule: "in_code_table")
        let other = try task(database, agency: "renshe", line: 14, rule: "matches_authority")
        let replies = city.root.appendingPathComponent("replies.csv")
        try """
            任务编号,答复,理由,答复人,答复时间
            \(ethnicity.id),有异议,该民族代码为系统内部扩展代码,王芳,2026-12-01
            \(other.id),有异议,以人社局核实的姓名为准,李明,2026-12-01T10:00:00+08:00

            """.write(to: replies, atomically: true, encoding: .utf8)
        #expect(try ReplyImport(database: database).run(path: replies.path).applied == [ethnicity.id, other.id])
        let calendar = try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path)
        let catalog = try Catalog.load(directory: city.catalog.path)
        let book = TaskBook(database: database, catalog: catalog, calendar: calendar)
        // A dispute waits for the bureau: counted, with its age in working days, and never overdue.
        let waiting = try book.accountability(today: CivilDate(iso: "2026-12-08")!)
        #expect(waiting.first { $0[0] == "泰州市公安局" }?[5...7] == ["1", "5", "0"])

        let decision = TaskDecision(database: database, calendar: calendar)
        #expect(throws: TaskError.decisionNeedsReason) { try decision.decide(other.id, .reject, reason: " ") }
        let rejected = try decision.decide(other.id, .reject, reason: "姓名以公安局户籍登记为准", by: "数据局张科", on: CivilDate(iso: "2026-12-08")!)
        #expect(rejected.status == .open)
        #expect([rejected.dueFrom, rejected.dueOn, rejected.decision, rejected.decidedBy] == ["2026-12-08", "2026-12-17", "rejected", "数据局张科"])
        let accepted = try decision.decide(ethnicity.id, .accept, reason: "经核实为合法的扩展代码", by: "数据局张科", on: CivilDate(iso: "2026-12-08")!)
        #expect(accepted.status == .accepted)
        #expect(accepted.acceptedValue == "99")
        #expect(throws: TaskError.self) { try decision.decide(ethnicity.id, .reject, reason: "again") }
        #expect(try TaskTable(database: database).history(ethnicity.id).last?.note
                == "数据主管部门裁定异议成立（经核实为合法的扩展代码），列为例外：该记录的值“99”不再下发任务")
        #expect(try database.queryScalarInt("SELECT count(*) FROM audit WHERE action = 'task_decided'") == 2)

        // Next night the same data: the exception is not raised again, the rejected dispute is an open task.
        let second = try city.run(database, asOf: CivilDate(iso: "2026-12-09")!)
        #expect(try task(database, agency: "gongan", line: 182, rule: "in_code_table").status == "accepted")
        #expect(try task(database, agency: "renshe", line: 14, rule: "matches_authority").status == "open")
        #expect(try rectifyMessage(database, second).contains("; 1 accepted exceptions not raised again"))
        // The value changes: the exception no longer applies.
        let lines = try String(contentsOf: city.data.appendingPathComponent("公安局/户籍人口.csv"), encoding: .utf8).components(separatedBy: "\r\n")
        try city.edit("data/公安局/户籍人口.csv") { $0.replacingOccurrences(of: lines[181], with: lines[181].replacingOccurrences(of: ",99,", with: ",88,")) }
        _ = try city.run(database, asOf: CivilDate(iso: "2026-12-10")!)
        #expect(try task(database, agency: "gongan", line: 182, rule: "in_code_table").status == "reopened")
        #expect(try TaskTable(database: database).history(ethnicity.id).last?.note == "异议成立时的值“99”已变化，例外不再适用，问题再次出现")
    }

    @Test func theExportGoesBackFromChineseExcelAndTheSameFileTwiceChangesNothing() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database)
        let catalog = try Catalog.load(directory: city.catalog.path)
        let book = TaskBook(database: database, catalog: catalog,
                            calendar: try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path))
        let out = city.root.appendingPathComponent("exports").path
        let paths = try book.export(agency: "renshe", to: out, today: CivilDate(iso: "2026-12-01")!)
        #expect(paths == ["xlsx", "csv", "json"].map { "\(out)/renshe/tasks.\($0)" })
        for path in paths { #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600) }
        #expect(try FileManager.default.attributesOfItem(atPath: out + "/renshe")[.posixPermissions] as? Int == 0o700)
        // The workbook holds every value as text, in columns formatted as text.
        let workbook = String(decoding: try Data(contentsOf: URL(fileURLWithPath: paths[0])), as: UTF8.self)
        let key = try #require(try database.queryScalarText("SELECT record_key FROM tasks WHERE agency = 'renshe' AND line = 14"))
        #expect(workbook.contains("t=\"inlineStr\" s=\"1\"><is><t xml:space=\"preserve\">\(key)</t>"))
        #expect(workbook.contains("<xf numFmtId=\"49\""))

        // The agency fills in two replies in Excel and saves "CSV (逗号分隔)": GB18030, no BOM, the rest blank.
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: paths[1])).dropFirst(3), as: UTF8.self)
        var rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows[0] == TaskBook.exportHeader.joined(separator: ","))
        let ids = rows.dropFirst().map { String($0.prefix { $0 != "," }) }
        #expect(ids.count == 8)
        #expect(rows.dropFirst().allSatisfy { $0.hasSuffix(",,,,") })   // the four reply columns, empty
        rows[1] = rows[1].dropLast(3) + "已更正,,王芳,2026-12-02T09:30:00+08:00"
        rows[2] = rows[2].dropLast(3) + "有异议,\"该人员已迁出，以公安局为准\",李明,2026/12/2"
        let utf8 = city.root.appendingPathComponent("replies-utf8.csv")
        try (rows.joined(separator: "\r\n") + "\r\n").write(to: utf8, atomically: true, encoding: .utf8)
        let gbk = city.root.appendingPathComponent("replies.csv")
        let iconv = Process()
        iconv.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        iconv.arguments = ["-f", "UTF-8", "-t", "GB18030", utf8.path, "-o", gbk.path]
        try iconv.run()
        iconv.waitUntilExit()
        #expect(try Data(contentsOf: gbk).prefix(3) != Data([0xEF, 0xBB, 0xBF]))
        let first = try ReplyImport(database: database).run(path: gbk.path)
        #expect(first.encoding == "GB18030")
        #expect(first.applied.map(String.init) == Array(ids.prefix(2)))
        #expect(first.blank == 6)
        #expect(first.rejected.isEmpty)
        #expect(try database.rows("SELECT status, reply_at FROM tasks WHERE task_id IN (\(ids[0]), \(ids[1])) ORDER BY task_id")
                == [[.text("corrected"), .text("2026-12-02 09:30:00")], [.text("disputed"), .text("2026-12-02 00:00:00")]])
        let events = try database.queryScalarInt("SELECT count(*) FROM task_events")
        let again = try ReplyImport(database: database).run(path: gbk.path)
        #expect(again.applied.isEmpty)
        #expect(again.unchanged.map(String.init) == Array(ids.prefix(2)))
        #expect(try database.queryScalarInt("SELECT count(*) FROM task_events") == events)
        #expect(try database.queryScalarInt("SELECT count(*) FROM audit WHERE action = 'replies_imported'") == 2)
    }

    @Test func noCellOfAnExportRunsAsAFormula() throws {
        let hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tx", "plain", "18-digit 321081196604265516"]
        let bytes = CSVFile.bytes([hostile])
        #expect(String(decoding: bytes.dropFirst(3), as: UTF8.self)
                == "'=cmd|' /C calc'!A0,'+1+1,'-2+3,'@SUM(A1),'\tx,plain,18-digit 321081196604265516\r\n")
        #expect(hostile.map { ReplyImport.cell("'" + $0) }.prefix(4) == ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"])
        #expect(ReplyImport.cell("'s Gravenhage") == "'s Gravenhage")
        // In the workbook a cell is an inline string, never a formula (no <f> element).
        let sheet = String(decoding: SpreadsheetFile.xlsx(sheet: "t", rows: [["h"], [hostile[0]]]), as: UTF8.self)
        #expect(sheet.contains("<is><t xml:space=\"preserve\">=cmd|&apos;") || sheet.contains("<is><t xml:space=\"preserve\">=cmd|' /C calc'!A0</t></is>"))
        #expect(!sheet.contains("<f>"))
        #expect(ReplyImport.time("2026-11-30T07:00:00Z") == "2026-11-30 15:00:00")
        #expect(ReplyImport.time("2026-11-30T15:00:00+08:00") == "2026-11-30 15:00:00")
        #expect(ReplyImport.time("2026年11月30日") == "2026-11-30 00:00:00")
        #expect(ReplyImport.time("tomorrow") == nil)
    }

    @Test func theZipOfAWorkbookIsWhatUnzipReads() throws {
        let folder = try Paths.temporaryDirectory()
        let file = folder.appendingPathComponent("t.xlsx")
        try Data(SpreadsheetFile.xlsx(sheet: "整改任务", rows: [["任务编号", "记录键"], ["1", "321081196604265516"]])).write(to: file)
        let unzip = Process()
        unzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        unzip.arguments = ["python3", "-c", """
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None
            print(" ".join(z.namelist())); print(z.read("xl/worksheets/sheet1.xml").decode().count("321081196604265516"))
            """, file.path]
        let pipe = Pipe()
        unzip.standardOutput = pipe
        try unzip.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        unzip.waitUntilExit()
        #expect(unzip.terminationStatus == 0)
        #expect(output == "[Content_Types].xml _rels/.rels xl/workbook.xml xl/_rels/workbook.xml.rels xl/styles.xml xl/worksheets/sheet1.xml\n1\n")
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(SpreadsheetFile.columnName(0) == "A" && SpreadsheetFile.columnName(25) == "Z" && SpreadsheetFile.columnName(26) == "AA")
    }
}
