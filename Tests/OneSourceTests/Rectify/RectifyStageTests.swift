import Foundation
import Testing
@testable import OneSource

@Suite struct RectifyStageTests {
    func store() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
    }

    func tasks(_ database: Database) throws -> [String: (id: Int64, status: String, observed: String?, lastSeen: Int64)] {
        var result: [String: (Int64, String, String?, Int64)] = [:]
        for row in try database.rows("SELECT identity, task_id, status, observed, last_seen_run FROM tasks") {
            result[row[0].text ?? ""] = (row[1].integer ?? 0, row[2].text ?? "", row[3].text, row[4].integer ?? 0)
        }
        return result
    }

    func identity(_ database: Database, line: Int, dataset: String, rule: String) throws -> String {
        try database.queryScalarText("SELECT identity FROM tasks WHERE dataset_id = ? AND line = ? AND rule_id = ?",
                                     [.text(dataset), .int(line), .text(rule)]) ?? "missing"
    }

    @Test func tasksLiveAcrossNightsFoundAgainChangedResolvedReopened() throws {
        let city = try SampleCity()
        let database = try store()
        let first = try city.run(database)
        let night1 = try tasks(database)
        #expect(night1.count == 52)   // 49 from the rules, 3 rejected rows
        #expect(night1.values.allSatisfy { $0.status == "open" && $0.lastSeen == first })
        let birth = try identity(database, line: 162, dataset: "gongan_household", rule: "conforms")
        let ethnicity = try identity(database, line: 182, dataset: "gongan_household", rule: "in_code_table")
        let penalty = try identity(database, line: 61, dataset: "xinyong_penalties", rule: "conforms")
        let keyless = try #require(night1.keys.first { $0.hasPrefix("required|") && $0.contains("无记录键") })
        #expect(keyless == "required|minzheng|minzheng_deaths|（第7条记录，无记录键）|person.id_number")
        // A row that could not be read is known by its line.
        #expect(night1.keys.filter { $0.hasPrefix("row_rejected|") }.sorted() == [
            "row_rejected|gongan|gongan_household|（第1203行，未能读取）|", "row_rejected|gongan|gongan_household|（第1204行，未能读取）|",
            "row_rejected|xinyong|xinyong_penalties|（第81行，未能读取）|"])
        // The benefit rule is due in 3 working days as the pipeline says; the rest in 7.
        #expect(try database.rows("SELECT DISTINCT due_on FROM tasks WHERE rule_id = 'benefit_after_death'")
                == [[.text(try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path)
                    .adding(workingDays: 3, to: try RunLedger(database: database).run(first).date).description)]])

        // Night 2: 公安局 fixes the impossible birth date, 信用办 its leap day; 公安局's ethnicity changes to another bad code.
        let lines = try String(contentsOf: city.data.appendingPathComponent("公安局/户籍人口.csv"), encoding: .utf8).components(separatedBy: "\r\n")
        let broken = lines[161]
        let id = String(broken.prefix(18))
        let fixedBirth = "\(id.dropFirst(6).prefix(4))-\(id.dropFirst(10).prefix(2))-\(id.dropFirst(12).prefix(2))"
        try city.edit("data/公安局/户籍人口.csv") {
            $0.replacingOccurrences(of: broken, with: broken.replacingOccurrences(of: "2023-02-30", with: fixedBirth))
                .replacingOccurrences(of: lines[181], with: lines[181].replacingOccurrences(of: ",99,", with: ",88,"))
        }
        try city.edit("data/信用办/行政处罚.ndjson") { $0.replacingOccurrences(of: "\"20250229\"", with: "\"20250228\"") }
        let second = try city.run(database)
        let night2 = try tasks(database)
        #expect(night2.count == 52)                                  // never filed twice
        #expect(night2[birth]?.status == "resolved")
        #expect(night2[penalty]?.status == "resolved")
        #expect(night2[ethnicity]?.id == night1[ethnicity]?.id)      // the same task, with the value delivered now
        #expect(night2[ethnicity]?.observed == "88")
        #expect(night2[ethnicity]?.status == "open")
        #expect(night2.filter { $0.value.status == "open" }.count == 50)
        #expect(night2.filter { $0.value.status == "open" }.allSatisfy { $0.value.lastSeen == second })

        // Night 3: the birth date breaks again: the resolved task is reopened, not filed anew.
        try city.edit("data/公安局/户籍人口.csv") { $0.replacingOccurrences(of: fixedBirth + ",", with: "2023-02-30,") }
        let third = try city.run(database)
        let night3 = try tasks(database)
        #expect(night3[birth]?.status == "reopened")
        #expect(night3[birth]?.id == night1[birth]?.id)
        let history = try database.rows("SELECT run_id, from_status, to_status FROM task_events WHERE task_id = ? ORDER BY event_id",
                                        [.integer(night1[birth]!.id)])
        #expect(history == [[.integer(first), .null, .text("open")], [.integer(second), .text("open"), .text("resolved")],
                            [.integer(third), .text("resolved"), .text("reopened")]])
        // Re-running the latest rectify changes nothing; an earlier one is refused.
        let runner = Runner(database: database, log: SilentLog())
        try runner.rerun(stage: "rectify", run: third)
        #expect(try tasks(database).mapValues { "\($0.id) \($0.status) \($0.observed ?? "") \($0.lastSeen)" }
                == night3.mapValues { "\($0.id) \($0.status) \($0.observed ?? "") \($0.lastSeen)" })
        #expect(try database.queryScalarInt("SELECT count(*) FROM task_events WHERE task_id = ?", [.integer(night1[birth]!.id)]) == 3)
        #expect(throws: PipelineError.self) { try runner.rerun(stage: "rectify", run: second) }
    }

    @Test func dueDatesSkipHolidaysAndOverdueIsJudgedOnADate() throws {
        let city = try SampleCity()
        let database = try store()
        let run = try city.run(database)
        // As if the run had happened on the day before the 2026 Mid-Autumn and National Day holidays.
        try database.run("UPDATE runs SET started_at = '2026-09-24T02:00:00+08:00' WHERE run_id = ?", [.integer(run)])
        try Runner(database: database, log: SilentLog()).rerun(stage: "rectify", run: run)
        #expect(try database.rows("SELECT DISTINCT issued_on, due_on FROM tasks WHERE rule_id != 'benefit_after_death'")
                == [[.text("2026-09-24"), .text("2026-10-12")]])
        #expect(try database.rows("SELECT DISTINCT due_on FROM tasks WHERE rule_id = 'benefit_after_death'") == [[.text("2026-09-30")]])
        let catalog = try Catalog.load(directory: city.catalog.path)
        let calendar = try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path)
        let book = TaskBook(database: database, catalog: catalog, calendar: calendar)
        #expect(try book.list(.init(overdueOn: CivilDate(iso: "2026-10-12")!)).map(\.rule) == ["benefit_after_death", "benefit_after_death", "benefit_after_death"])
        #expect(try book.list(.init(overdueOn: CivilDate(iso: "2026-10-13")!)).count == 52)
        #expect(try book.list(.init(overdueOn: CivilDate(iso: "2026-09-30")!)).isEmpty)
    }

    @Test func importsRepliesReportingBadRowsByLine() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database)
        let ids = try database.rows("SELECT task_id FROM tasks ORDER BY task_id LIMIT 2").compactMap { $0[0].integer }
        let file = city.root.appendingPathComponent("replies.csv")
        try """
            任务编号,答复,理由,答复人,答复时间
            \(ids[0]),已更正,,王芳,2026-12-01 09:30
            \(ids[1]),有异议,该人员身份证号码以公安部人口库为准,李明,2026/12/2
            9999,已更正,,张三,2026-12-01
            \(ids[0]),收到,,张三,2026-12-01
            \(ids[1]),有异议,,张三,2026-12-01
            \(ids[0]),已更正,,张三,明天
            "unterminated,已更正,,张三,2026-12-01

            """.write(to: file, atomically: true, encoding: .utf8)
        let outcome = try ReplyImport(database: database).run(path: file.path)
        #expect(outcome.applied == [ids[0], ids[1]])
        #expect(outcome.rejected.map { "\($0.line ?? 0) \($0.field ?? "") \($0.reason)" } == [
            "8  a quote opened in field 1 is not closed on this line (fields may not span lines in this dataset)",
            "4 任务编号 任务9999不存在",
            "5 答复 答复应为“已更正”或“有异议”，实为“收到”",
            "6 理由 答复“有异议”须说明理由",
            "7 答复时间 答复时间“明天”不是有效的日期或时间",
        ])
        #expect(try database.rows("SELECT status, reply, reply_by, reply_at FROM tasks WHERE task_id IN (?, ?) ORDER BY task_id",
                                  [.integer(ids[0]), .integer(ids[1])])
                == [[.text("corrected"), .text("已更正"), .text("王芳"), .text("2026-12-01 09:30:00")],
                    [.text("disputed"), .text("有异议"), .text("李明"), .text("2026-12-02 00:00:00")]])
        // JSON replies with English keys work the same.
        let json = city.root.appendingPathComponent("replies.json")
        try #"[{"task_id": \#(ids[1]), "reply": "已更正", "who": "李明", "when": "2026-12-03"}, {"task_id": "x", "reply": "已更正"}]"#
            .write(to: json, atomically: true, encoding: .utf8)
        let second = try ReplyImport(database: database).run(path: json.path)
        #expect(second.applied == [ids[1]])
        #expect(second.rejected.map { "\($0.line ?? 0) \($0.reason)" } == ["1 任务编号应为整数，实为“x”"])
        // The corrected task is still found next night: reopened.
        _ = try city.run(database)
        #expect(try database.queryScalarText("SELECT status FROM tasks WHERE task_id = ?", [.integer(ids[0])]) == "reopened")
    }

    @Test func exportsAnAgencysTasksAsCSVWithBOMAndJSON() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database)
        try database.run("UPDATE tasks SET issued_on = '2026-11-27', due_on = '2026-12-08'")
        let catalog = try Catalog.load(directory: city.catalog.path)
        let book = TaskBook(database: database, catalog: catalog,
                            calendar: try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path))
        let out = city.root.appendingPathComponent("exports").path
        let paths = try book.export(agency: "ziran", to: out, today: CivilDate(iso: "2026-12-09")!)
        #expect(paths == [out + "/ziran/tasks.xlsx", out + "/ziran/tasks.csv", out + "/ziran/tasks.json"])
        let id = try #require(try database.queryScalarInt("SELECT task_id FROM tasks WHERE agency = 'ziran'"))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: paths[1])))
        let expected: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
            "任务编号,规则,问题说明,数据集,记录键,字段,报送值,期望值,权威来源,下发日期,截止日期,截止日期暂定,状态,是否逾期,答复,理由,答复人,答复时间\r\n" +
            "\(id),必填项为空,经度为必填项，但未填报,标准地址信息,32120000000045,经度,,,,2026-11-27,2026-12-08,否,待整改,是,,,,\r\n").utf8)
        #expect(bytes == expected)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths[2]))) as? [String: Any]
        #expect(json?["单位"] as? String == "泰州市自然资源和规划局")
        #expect((json?["任务"] as? [[String: String]])?.first?["记录键"] == "32120000000045")
        // Another agency's record keys are masked: 公安局 asked to review a value about 人社局's record … here, its own.
        let renshe = try book.exportRows(agency: "renshe", today: CivilDate(iso: "2026-12-01")!)
        #expect(renshe.count == 8)
        #expect(renshe.allSatisfy { $0[13] == "否" })
        #expect(throws: TaskError.self) { try book.export(agency: "nobody", to: out, today: CivilDate(iso: "2026-12-01")!) }
    }

    @Test func accountabilityCountsPerAgency() throws {
        let city = try SampleCity()
        let database = try store()
        let first = try city.run(database)
        try city.edit("data/信用办/行政处罚.ndjson") { $0.replacingOccurrences(of: "\"20250229\"", with: "\"20250228\"") }
        _ = try city.run(database)
        // Make the resolution 3 working days after issue: issued Monday 2026-11-23, resolved Thursday 2026-11-26.
        try database.run("UPDATE tasks SET issued_on = '2026-11-23', due_on = '2026-12-02' WHERE first_run = ?", [.integer(first)])
        try database.run("UPDATE tasks SET resolved_on = '2026-11-26' WHERE status = 'resolved'")
        let catalog = try Catalog.load(directory: city.catalog.path)
        let book = TaskBook(database: database, catalog: catalog,
                            calendar: try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path))
        let rows = try book.accountability(today: CivilDate(iso: "2026-12-03")!)
        #expect(rows.first { $0[0] == "泰州市社会信用体系建设领导小组办公室（信用办）" } == ["泰州市社会信用体系建设领导小组办公室（信用办）", "5", "4", "4", "0", "0", "—", "0", "1", "1", "3", "0", "0", "0"])
        #expect(rows.first { $0[0] == "泰州市公安局" } == ["泰州市公安局", "14", "14", "14", "0", "0", "—", "0", "0", "0", "—", "0", "0", "0"])
        #expect(rows.count == 7)
    }
}
