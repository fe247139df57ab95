import Foundation
import Testing
@testable import OneSource

/// The reports an agency acts on: its open tasks with due dates, a score that open errors weigh on, the index with
/// the ranking, pages for print and phone, file modes, and early warning against each indicator's own history.
@Suite struct ReportPagesTests {
    /// The nightly pipeline run on SampleData as on 2026-12-10 (after the first tasks' due date), into a fresh store.
    func sampleRun() throws -> (store: String, folder: URL) {
        let root = try Paths.temporaryDirectory()
        let store = root.appendingPathComponent("s.sqlite").path
        let result = try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-10"])
        #expect(result.status == 3)
        return (store, root.appendingPathComponent("reports/run-1"))
    }

    @Test func anAgencyPageListsEveryOpenTaskWithItsDueDate() throws {
        let run = try sampleRun()
        let database = try Store.openForReading(path: run.store)
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        for agency in catalog.agencies.map(\.code) {
            let tasks = try TaskTable(database: database).list(.init(agency: agency, statuses: TaskStatus.allCases.filter(\.isLive)))
            let html = try String(contentsOf: run.folder.appendingPathComponent("agency-\(agency).html"), encoding: .utf8)
            #expect(html.contains("<h2>待办整改任务（\(tasks.count)项）</h2>"))
            for task in tasks {
                #expect(html.contains("<tr><td class=\"n\">\(task.id)</td>"), "task \(task.id) of \(agency)")
                #expect(html.contains("<td class=\"tag\">\(task.dueOn)"), "due date of task \(task.id)")
            }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.folder.appendingPathComponent("agency-\(agency).json")))
                as? [String: Any])
            let listed = try #require(json["openTasks"] as? [[String: Any]])
            #expect(listed.count == tasks.count)
            #expect(Set(listed.compactMap { $0["id"] as? Int64 ?? ($0["id"] as? Int).map(Int64.init) }) == Set(tasks.map(\.id)))
        }
        // 公安局: 14 tasks issued on 2026-12-10, due 7 working days later; none overdue; keys masked.
        let report = try QualityReport.build(database, catalog: catalog, run: 1, agency: "gongan")
        #expect(report.openTasks.count == 14)
        #expect(Set(report.openTasks.map(\.dueOn)) == ["2026-12-21"])
        #expect(report.openTasks.allSatisfy { $0.daysLeft == 11 && !$0.overdue })
        #expect(report.openTasks.allSatisfy { $0.key.contains("*") || $0.key.hasPrefix("（第") })
        // A page lists at most so many (more cannot be read or printed) and says where the rest are.
        let capped = try QualityReport.build(database, catalog: catalog, run: 1, agency: "gongan", listLimit: 5)
        #expect(capped.openTasks.map(\.id) == report.openTasks.prefix(5).map(\.id))
        #expect(capped.openTaskTotal == 14)
        let page = HTMLReport.render(capped, catalog: catalog)
        #expect(page.contains("<h2>待办整改任务（14项）</h2>\n<p class=\"warn\">共14项，此处按逾期优先、截止日期先后列出前5项；"
                              + "全部任务见本单位的任务导出（onesource tasks export）。</p>"))
    }

    /// The report's task list and counts come from SQL (sorted and cut there); they equal sorting every live task in
    /// Swift, overdue first, then by due date and id, with due dates, statuses and severities mixed.
    @Test func theTaskListAndCountsEqualSortingEveryLiveTask() throws {
        let run = try sampleRun()
        let database = try Store.open(path: run.store)
        try database.execute("""
            UPDATE tasks SET due_on = CASE task_id % 3 WHEN 0 THEN '2026-12-09' WHEN 1 THEN '2026-12-21' ELSE '2026-12-15' END,
                             status = CASE task_id % 4 WHEN 0 THEN 'disputed' WHEN 1 THEN 'reopened' ELSE status END,
                             severity = CASE task_id % 5 WHEN 0 THEN 'warning' ELSE severity END
            """)
        let day = try #require(CivilDate(iso: "2026-12-12"))
        let table = TaskTable(database: database)
        var overdueSeen = false
        for agency in ["gongan", "renshe", "shenpi", "shichang"] {
            let every = try table.list(.init(agency: agency, statuses: TaskStatus.allCases.filter(\.isLive), limit: Int.max))
            let sorted = every.sorted { a, b in
                (a.isOverdue(today: day) ? 0 : 1, a.dueOn, a.id) < (b.isOverdue(today: day) ? 0 : 1, b.dueOn, b.id)
            }
            let (listed, total) = try table.live(agency: agency, overdueFirstOn: day, limit: 7)
            #expect(total == every.count)
            #expect(listed.map(\.id) == sorted.prefix(7).map(\.id), "\(agency)")
            overdueSeen = overdueSeen || every.contains { $0.isOverdue(today: day) }
            let counts = try table.awaitingBySeverity(agency: agency, on: day)
            let awaiting = every.filter(\.status.awaitsAgency)
            #expect(counts.map(\.severity) == Set(awaiting.map(\.severity)).sorted())
            for count in counts {
                #expect(count.count == awaiting.filter { $0.severity == count.severity }.count)
                #expect(count.pastDue == awaiting.filter { $0.severity == count.severity && $0.isOverdue(today: day) }.count)
            }
        }
        #expect(overdueSeen)
    }

    @Test func openErrorsWeighOnTheScoreByAStatedRule() throws {
        let run = try sampleRun()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.folder.appendingPathComponent("city.json"))) as? [String: Any])
        let open = try #require(json["openTasksBySeverity"] as? [String: Int])
        #expect(open == ["error": 52, "warning": 0, "notice": 0, "error_overdue": 0])
        let dataScore = try #require(json["dataScore"] as? Double)
        #expect(json["penalty"] as? Double == 26)
        #expect(json["score"] as? Double == ((dataScore - 26) * 100).rounded() / 100)
        let html = try String(contentsOf: run.folder.appendingPathComponent("city.html"), encoding: .utf8)
        #expect(html.contains("整改扣分：每个待整改的错误级任务扣0.5分，其中已逾期的再扣0.5分，最多扣30分。"))
        #expect(html.contains("<span class=\"bad\">错误 52</span>"))
    }

    @Test func theIndexRanksEveryAgencyAndThePagesPrintOnA4AndFitAPhone() throws {
        let run = try sampleRun()
        let index = try String(contentsOf: run.folder.appendingPathComponent("index.html"), encoding: .utf8)
        let database = try Store.openForReading(path: run.store)
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let reports = try catalog.agencies.map { try QualityReport.build(database, catalog: catalog, run: 1, agency: $0.code) }
        let ranked = reports.sorted { ($0.score, $1.agency!.code) > ($1.score, $0.agency!.code) }
        var position = index.startIndex
        for (place, report) in ranked.enumerated() {
            let row = "<tr><td class=\"n\">\(place + 1)</td><td><a href=\"agency-\(report.agency!.code).html\">\(report.agency!.name)</a></td>"
            let found = try #require(index.range(of: row, range: position..<index.endIndex), "row \(place + 1)")
            position = found.upperBound
            let page = try String(contentsOf: run.folder.appendingPathComponent("agency-\(report.agency!.code).html"), encoding: .utf8)
            #expect(page.contains("在全市\(ranked.count)个单位中排名<strong>第\(place + 1)</strong>"))
            #expect(page.contains("<tr><th>维度</th><th>本单位</th><th>全市</th></tr>"))
        }
        for name in ["index.html", "city.html", "agency-gongan.html"] {
            let page = try String(contentsOf: run.folder.appendingPathComponent(name), encoding: .utf8)
            #expect(page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
            #expect(page.contains("@page { size: A4 portrait;"))
            #expect(page.contains("@bottom-center { content: \"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\";"))
            // Chinese first: no English rule id outside small print, no severity in English.
            #expect(!page.contains("(error)") && !page.contains("(warning)"))
        }
        // Delivery: whether new data came this period, said plainly.
        let gongan = try String(contentsOf: run.folder.appendingPathComponent("agency-gongan.html"), encoding: .utf8)
        #expect(gongan.contains("<th>本期是否报送新数据</th>"))
        #expect(gongan.contains("<tr><td>户籍人口信息</td><td><span class=\"ok\">是</span></td>"))
        // Files 0640 in a 0750 folder.
        var info = stat()
        #expect(stat(run.folder.path, &info) == 0 && info.st_mode & 0o777 == 0o750)
        for name in try FileManager.default.contentsOfDirectory(atPath: run.folder.path) {
            #expect(stat(run.folder.appendingPathComponent(name).path, &info) == 0 && info.st_mode & 0o777 == 0o640, "\(name)")
        }
    }

    @Test func aRuleFiringOnMostOfADatasetIsSaidSo() throws {
        // The sample as delivered: no rule fires on half of a dataset.
        let run = try sampleRun()
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let plain = try QualityReport.build(try Store.openForReading(path: run.store), catalog: catalog, run: 1, agency: nil)
        #expect(!plain.rules.isEmpty && plain.rules.allSatisfy { $0.mostOf == nil })
        // 公安局 delivers every household region as 泰兴市 (321283): the region rule fires on everyone registered elsewhere.
        let root = try Paths.temporaryDirectory()
        for folder in ["Pipelines", "SampleData"] {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        let file = root.appendingPathComponent("SampleData/公安局/户籍人口.csv")
        // CRLF lines: Swift keeps "\r\n" as one Character, so split on it as such.
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let moved = lines.enumerated().map { index, line -> String in
            var fields = line.components(separatedBy: ",")
            if index > 0, fields.count == 8, fields[6].count == 6 { fields[6] = "321283" }
            return fields.joined(separator: ",")
        }
        try moved.joined(separator: "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let store = root.appendingPathComponent("s.sqlite").path
        #expect(try runBinary(["run", root.appendingPathComponent("Pipelines/nightly.json").path, "--store", store, "--as-of", "2026-12-10"]).status == 3)
        let report = try QualityReport.build(try Store.openForReading(path: store), catalog: catalog, run: 1, agency: "gongan")
        let region = try #require(report.rules.first { $0.rule == "region_matches_identity" })
        let most = try #require(region.mostOf)
        #expect(most.dataset == "户籍人口信息")
        #expect(most.share > 0.8 && most.share < 0.9)
        #expect(report.rules.filter { $0.mostOf != nil }.map(\.rule) == ["region_matches_identity"])
        let page = try String(contentsOf: root.appendingPathComponent("reports/run-1/agency-gongan.html"), encoding: .utf8)
        #expect(page.contains("<p class=\"warn\">命中《户籍人口信息》\(HTMLReport.percent(most.share))的记录：规则可能不适用于该数据集，请核查（可在目录中按数据集关闭）。</p>"))
    }

    @Test func theNormalBandIsTheMedianAndThreeScaledDeviations() {
        // A history that never moved: a fall of more than 1.5 points warns, a smaller one does not.
        let flat = EarlyWarning.band(Array(repeating: 1.0, count: 10), isCount: false)
        #expect(flat.map { ($0.median, ($0.low * 1000).rounded() / 1000) } ?? (0, 0) == (1.0, 0.985))
        // Fewer than 7 nights: no judgement.
        #expect(EarlyWarning.band([1, 1, 1, 1, 1, 1], isCount: false) == nil)
        // Counts: median 1000, MAD 3 → spread max(4.45, 20) = 20: 940 to 1060.
        let counts = EarlyWarning.band([1000, 1003, 997, 1000, 1006, 994, 1000, 1001], isCount: true)
        #expect(counts.map { [$0.median, $0.low, $0.high] } == [1000, 940, 1060])
        // A noisy ratio: median 0.95, MAD 0.01 → spread 0.014826 → low 0.905522.
        let noisy = EarlyWarning.band([0.94, 0.95, 0.96, 0.95, 0.93, 0.97, 0.95, 0.94, 0.96], isCount: false)
        #expect(noisy.map { (($0.low * 1_000_000).rounded()) } == 905_522)
        // The timeliness of a delivery on time every night, late tonight: below the band.
        #expect((flat?.low ?? 0) > 0)
    }

    @Test func thirtyNightsWithOneSharpDropRaiseExactlyOneWarning() throws {
        let root = try Paths.temporaryDirectory()
        let city = root.appendingPathComponent("city")
        let store = root.appendingPathComponent("s.sqlite").path
        let start = try #require(CivilDate(iso: "2026-11-02"))
        for night in 0..<30 {
            #expect(try runBinary(["generate", "--persons", "200", "--seed", "4", "--night", String(night), "--out", city.path]).status == 0)
            // The generated exports other than 公安局's and 人社局's are the same every night; their datasets are made
            // yearly here so that the only thing out of line is the drop below (timeliness is tested in the band).
            for file in try FileManager.default.contentsOfDirectory(atPath: city.appendingPathComponent("catalog/datasets").path) {
                let url = city.appendingPathComponent("catalog/datasets/\(file)")
                let text = try String(contentsOf: url, encoding: .utf8)
                try text.replacingOccurrences(of: #""frequency": "[a-z]+""#, with: #""frequency": "yearly""#, options: .regularExpression)
                    .write(to: url, atomically: true, encoding: .utf8)
            }
            if night == 20 {
                // Night 20: 公安局's export comes with a quarter of the names missing.
                let url = city.appendingPathComponent("data/公安局/户籍人口.csv")
                // The export's lines end in CRLF, which Swift keeps as one Character: split on it as such.
                let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
                let cut = lines.enumerated().map { index, line -> String in
                    guard index > 0, (index - 1) % 4 == 0 else { return line }
                    var fields = line.components(separatedBy: ",")
                    if fields.count > 2 { fields[1] = "" }
                    return fields.joined(separator: ",")
                }
                try cut.joined(separator: "\r\n").write(to: url, atomically: true, encoding: .utf8)
            }
            let run = try runBinary(["run", city.appendingPathComponent("nightly.json").path, "--store", store,
                                     "--as-of", start.adding(days: night).description])
            #expect(run.status == 3)
        }
        let database = try Store.openForReading(path: store)
        let warnings = try database.rows("SELECT run_id, dataset_id, dimension, severity, message FROM findings WHERE rule_id = 'quality_slip'")
        #expect(warnings.count == 1)
        #expect(warnings.first.map { "\($0[0].integer ?? 0) \($0[1].text ?? "") \($0[2].text ?? "") \($0[3].text ?? "")" }
                == "21 gongan_household completeness warning")
        #expect(warnings.first?[4].text?.hasPrefix("完整性为74.6%，偏离近期正常范围（中位数100.0%，不低于98.5%）") == true)
        // The run summary and the pages say it first.
        let summary = try runBinary(["summary", "--run", "21", "--store", store])
        #expect(summary.stdout.contains("report       done — 1 early warning(s) (quality_slip: `onesource findings --run 21 --rule quality_slip`)"))
        let page = try String(contentsOf: root.appendingPathComponent("reports/run-21/agency-gongan.html"), encoding: .utf8)
        let alert = try #require(page.range(of: "<div class=\"alert\"><h2>预警（1项）</h2>"))
        let score = try #require(page.range(of: "综合得分"))
        #expect(alert.lowerBound < score.lowerBound)
        // The trend of the next night marks run 21.
        let next = try String(contentsOf: root.appendingPathComponent("reports/run-22/agency-gongan.html"), encoding: .utf8)
        #expect(next.contains("<title>第21次运行有预警</title>"))
    }
}
