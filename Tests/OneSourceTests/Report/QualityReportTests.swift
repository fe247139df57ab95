import Foundation
import Testing
@testable import OneSource

@Suite struct QualityReportTests {
    func store() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
    }

    func metrics(_ database: Database, _ run: Int64, _ dataset: String) throws -> [String] {
        try database.rows("""
            SELECT dimension || ' ' || numerator || '/' || denominator FROM quality_metrics WHERE run_id = ? AND dataset_id = ?
            ORDER BY dimension
            """, [.integer(run), .text(dataset)]).compactMap { $0[0].text }
    }

    /// The weighted sum runs in the order of `QualityMetrics.measured`, not a dictionary's (which changes from process to
    /// process): for these ratios 284 of the 720 orders give a different last bit, which the reports' charts printed.
    @Test func theScoreIsSummedInTheDimensionsOrder() {
        let ratios = ["delivery": 0.9991, "timeliness": 1.0, "consistency": 0.7777777, "accuracy": 0.1234567, "completeness": 0.3333333,
                      "conformity": 0.9971234]
        #expect(QualityMetrics.score(ratios) == 60.2322225)
        #expect(QualityMetrics.score(["accuracy": 0.5, "timeliness": 0]) == 12.5 / 30 * 100)
    }

    @Test func pinsTheSampleDataMetrics() throws {
        let city = try SampleCity()
        let database = try store()
        let run = try city.run(database)
        #expect(try metrics(database, run, "gongan_household") == [
            "accuracy 1201/1202", "completeness 1200/1202", "conformity 1190/1204", "consistency 1197/1202",
            "delivery 1202/1204", "timeliness 1/1"])
        #expect(try metrics(database, run, "renshe_insured") == [
            "accuracy 703/703", "completeness 703/703", "conformity 699/703", "consistency 697/703", "delivery 703/703", "timeliness 1/1"])
        #expect(try metrics(database, run, "shenpi_licences") == [
            "accuracy 379/381", "completeness 381/381", "conformity 378/381", "consistency 367/381", "delivery 381/381", "timeliness 1/1"])
        #expect(try metrics(database, run, "xinyong_penalties") == [
            "accuracy 149/149", "completeness 149/149", "conformity 148/150", "consistency 146/149", "delivery 149/150", "timeliness 1/1"])
        let catalog = try Catalog.load(directory: city.catalog.path)
        let report = try QualityReport.build(database, catalog: catalog, run: run, agency: nil)
        #expect(report.totals.map { "\($0.dimension) \($0.numerator)/\($0.denominator)" } == [
            "conformity 3211/3238", "completeness 3231/3235", "accuracy 3230/3235", "consistency 3207/3235",
            "timeliness 8/8", "delivery 3235/3238"])
        // The three rejected rows are tasks too (row_rejected).
        #expect(report.tasks == ["open": 52, "overdue": 0, "corrected": 0, "disputed": 0, "accepted": 0, "resolved": 0, "provisional": 0])
        #expect(report.rules.first.map { "\($0.rule) \($0.count)" } == "conforms 12")
        // gongan's score: weighted ratios, stated weights.
        let gongan = try #require(report.datasets.first { $0.id == "gongan_household" })
        let parts: [Double] = [1190.0 / 1204 * 25, 1200.0 / 1202 * 20, 1201.0 / 1202 * 25, 1197.0 / 1202 * 20, 5.0, 1202.0 / 1204 * 5]
        let expected = parts.reduce(0, +)
        #expect(abs(gongan.score - expected) < 1e-9)
    }

    @Test func theJSONHasTheReportsStructureAndNoUnmaskedIdentityNumbers() throws {
        let city = try SampleCity()
        let database = try store()
        let run = try city.run(database)
        let folder = city.root.appendingPathComponent("reports/run-\(run)")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["agency-gongan.html", "agency-gongan.json", "agency-minzheng.html", "agency-minzheng.json", "agency-renshe.html",
                          "agency-renshe.json", "agency-shenpi.html", "agency-shenpi.json", "agency-shichang.html", "agency-shichang.json",
                          "agency-xinyong.html", "agency-xinyong.json", "agency-ziran.html", "agency-ziran.json", "city.html", "city.json",
                          "index.html", "metrics.csv"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("agency-gongan.json"))) as? [String: Any])
        #expect(json.keys.sorted() == ["agency", "dataScore", "datasets", "deliveries", "dimensions", "earlyWarnings", "openTaskListLimit", "openTaskTotal", "openTasks",
                                       "openTasksBySeverity", "penalty", "penaltyRule", "requests", "rules", "run", "score", "tasks", "title", "trend", "weights"])
        #expect(json["title"] as? String == "泰州市公安局 数据质量报告")
        #expect((json["weights"] as? [String: Double]) == ["conformity": 25, "completeness": 20, "accuracy": 25, "consistency": 20,
                                                           "timeliness": 5, "delivery": 5])
        let dimension = try #require((json["dimensions"] as? [[String: Any]])?.first)
        #expect(dimension["dimension"] as? String == "conformity")
        #expect(dimension["numerator"] as? Int == 1190)
        #expect(dimension["denominator"] as? Int == 1204)
        // Every report file: no 18-character identity number in the clear, no script, nothing fetched.
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(text.range(of: #"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])"#, options: .regularExpression) == nil, "\(name)")
            if name.hasSuffix(".html") {
                #expect(!text.contains("<script") && !text.contains("http://") && !text.contains("https://") && !text.contains("src="), "\(name)")
                #expect(text.contains("<svg") == (name != "index.html"), "\(name)")
            }
        }
    }

    @Test func deliveriesShowDuplicatesLatenessAndSharpChanges() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database)
        // Night 2: 自然资源和规划局's addresses lose most rows; every other file is the same file again.
        try city.edit("data/自然资源和规划局/标准地址.csv") { text in
            text.components(separatedBy: "\r\n").prefix(101).joined(separator: "\r\n") + "\r\n"
        }
        try FileManager.default.removeItem(at: city.data.appendingPathComponent("民政局/死亡登记.json"))
        let second = try city.run(database)
        let rows = try database.rows("""
            SELECT dataset_id, status, late, duplicate_of_run, records, previous_records, sharp_change FROM quality_deliveries
            WHERE run_id = ? AND dataset_id IN ('ziran_addresses', 'minzheng_deaths', 'gongan_household') ORDER BY dataset_id
            """, [.integer(second)])
        #expect(rows == [
            [.text("gongan_household"), .text("duplicate"), .integer(0), .integer(second - 1), .integer(1202), .integer(1202), .integer(0)],
            // Missing tonight, but last delivered today: not yet past its weekly frequency.
            [.text("minzheng_deaths"), .text("missing"), .integer(0), .null, .integer(0), .integer(40), .integer(0)],
            [.text("ziran_addresses"), .text("delivered"), .integer(0), .null, .integer(100), .integer(450), .integer(1)],
        ])
        // The cut-off addresses are a finding (and a task) against 自然资源和规划局; the missing deaths file is not yet.
        #expect(try database.rows("SELECT dataset_id, rule_id, severity, observed, expected, reason FROM findings WHERE run_id = ? AND stage = 'ingest' AND rule_id NOT IN ('row_rejected', 'multiline_record')",
                                  [.integer(second)])
                == [[.text("ziran_addresses"), .text("record_count_drop"), .text("error"), .text("100"), .text("450"), .text("78%")]])
        // Three days later nothing new has come: a daily dataset's unchanged file is late, and a finding.
        let third = try Runner(database: database, log: SilentLog())
            .run(try PipelineDefinition.load(path: city.pipeline.path), asOf: try RunLedger(database: database).run(second).date.adding(days: 3))
        let late = try database.rows("SELECT age_days, allowed_days, late FROM quality_deliveries WHERE run_id = ? AND dataset_id = 'gongan_household'",
                                     [.integer(third)])
        #expect(late == [[.integer(3), .integer(1), .integer(1)]])
        #expect(try database.rows("SELECT numerator, denominator FROM quality_metrics WHERE run_id = ? AND dataset_id = 'gongan_household' AND dimension = 'timeliness'",
                                  [.integer(third)]) == [[.integer(0), .integer(1)]])
        #expect(try database.rows("SELECT message FROM findings WHERE run_id = ? AND dataset_id = 'gongan_household' AND rule_id = 'delivery_overdue'",
                                  [.integer(third)]).map { $0[0].text ?? "" }
                == ["文件内容自\(try RunLedger(database: database).run(second - 1).date)起未更新（已3天），超过更新周期（1天）"])
    }
}
