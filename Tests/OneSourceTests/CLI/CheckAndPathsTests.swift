import Foundation
import Testing
@testable import OneSource

/// The operator's night: `onesource check` before running, and paths that do not depend on the current folder.
@Suite struct CheckAndPathsTests {
    /// A copy of Pipelines and SampleData in a folder of its own, with the nightly definition edited by `edit`.
    func copy(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> (root: URL, pipeline: String) {
        let root = try Paths.temporaryDirectory()
        for folder in ["Pipelines", "SampleData"] {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent(folder), to: root.appendingPathComponent(folder))
        }
        let path = root.appendingPathComponent("Pipelines/nightly.json").path
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
        return (root, path)
    }

    @Test func aCleanPipelineChecksClean() throws {
        let city = try copy()
        let result = try runBinary(["check", city.pipeline, "--as-of", "2026-11-30", "--store", city.root.appendingPathComponent("s.sqlite").path])
        #expect(result.status == 0)
        #expect(result.stdout == "pipeline nightly: 0 problem(s), 0 delivery warning(s), 0 notice(s)\n")
        // Nothing was written: no store, no reports.
        #expect(!FileManager.default.fileExists(atPath: city.root.appendingPathComponent("s.sqlite").path))
        #expect(!FileManager.default.fileExists(atPath: city.root.appendingPathComponent("reports").path))
    }

    @Test func aMissingDivisionTableAndCalendarAreProblemsAndTheRunDoesNotStart() throws {
        let city = try copy { $0["divisions"] = "divisions/gbt2260-2024.tsv"; $0["calendar"] = "calender" }
        let store = city.root.appendingPathComponent("s.sqlite").path
        let result = try runBinary(["check", city.pipeline, "--as-of", "2026-11-30", "--store", store])
        #expect(result.status == 2)
        let pipelines = city.root.appendingPathComponent("Pipelines").path
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "problem: \(city.pipeline): $.divisions: \(pipelines)/divisions/gbt2260-2024.tsv:0: file not found",
            "problem: \(city.pipeline): $.calendar: calendar folder \(pipelines)/calender not found",
            "pipeline nightly: 2 problem(s), 0 delivery warning(s), 0 notice(s)",
        ])
        // The run makes the same check first and exits 2 before it touches the store (no file, no lock).
        let run = try runBinary(["run", city.pipeline, "--store", store])
        #expect(run.status == 2)
        #expect(errorMessage(run.stderr) == "the pipeline cannot run: 2 problem(s) (`onesource check` lists the same)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: city.root.path).sorted() == ["Pipelines", "SampleData"])
    }

    @Test func anEncodingTypoAnUnknownStageAndAnUnknownKeyAreNamedWithTheClosest() throws {
        let city = try copy { object in
            object["stages"] = ["ingest", "verfy", "load"]
            object["retension"] = ["keepRuns": 7]
        }
        var result = try runBinary(["check", city.pipeline, "--as-of", "2026-11-30"])
        #expect(result.status == 2)
        #expect(result.stdout == "problem: \(city.pipeline): $.retension: unknown property (did you mean \"retention\"?)\n"
                + "pipeline Pipelines/nightly.json: 1 problem(s), 0 delivery warning(s), 0 notice(s)\n"
                    .replacingOccurrences(of: "Pipelines/nightly.json", with: city.pipeline))
        let fixed = try copy { $0["stages"] = ["ingest", "verfy", "load"] }
        let dataset = fixed.root.appendingPathComponent("Pipelines/catalog/datasets/renshe_insured.json")
        let text = try String(contentsOf: dataset, encoding: .utf8)
        try text.replacingOccurrences(of: "\"encoding\": \"gb18030\"", with: "\"encoding\": \"gbk18030\"", options: .caseInsensitive)
            .write(to: dataset, atomically: true, encoding: .utf8)
        result = try runBinary(["check", fixed.pipeline, "--as-of", "2026-11-30"])
        #expect(result.status == 2)
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "problem: \(fixed.pipeline): $.stages[1]: unknown stage \"verfy\" (did you mean \"verify\"? known: ingest, verify, load, compare, "
                + "associate, rectify, report)",
            "problem: \(dataset.path): $.encoding: unknown encoding \"gbk18030\" (did you mean \"gb18030\"?) (usual: utf-8, gb18030, gbk, "
                + "gb2312, big5, utf-16le, utf-16be; any name iconv knows)",
            "pipeline nightly: 2 problem(s), 0 delivery warning(s), 0 notice(s)",
        ])
    }

    @Test func aMissingFileAndAHeaderWithoutAMappedColumnAreDeliveryWarnings() throws {
        let city = try copy()
        let data = city.root.appendingPathComponent("SampleData")
        try FileManager.default.removeItem(at: data.appendingPathComponent("民政局/死亡登记.json"))
        let household = data.appendingPathComponent("公安局/户籍人口.csv")
        let text = try String(contentsOf: household, encoding: .utf8)
        try text.replacingOccurrences(of: "公民身份号码,姓名,", with: "公民身份号码,名字,").write(to: household, atomically: true, encoding: .utf8)
        let result = try runBinary(["check", city.pipeline, "--as-of", "2026-12-23"])
        #expect(result.status == 3)
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "delivery: \(household.path): dataset gongan_household: line 1: header lacks the mapped column(s) 姓名",
            "delivery: \(data.path)/民政局/死亡登记*.json: no file of minzheng_deaths (泰州市民政局) matches 民政局/死亡登记*.json under \(data.path)",
            "notice: \(city.root.path)/Pipelines/calendar: tasks raised on 2026-12-23 fall due by 2027-01-04, counted on a provisional "
                + "calendar for 2027: add 2027.json from the State Council's holiday notice (see README, Working days)",
            "pipeline nightly: 0 problem(s), 2 delivery warning(s), 1 notice(s)",
        ])
        // A run goes ahead: the agency gets the delivery problems as findings, the log carries the warnings.
        let run = try runBinary(["run", city.pipeline, "--as-of", "2026-12-23", "--store", city.root.appendingPathComponent("s.sqlite").path])
        #expect(run.status == 3)
        #expect(run.stderr.contains("\"message\":\"warning: delivery: \(household.path): dataset gongan_household: line 1: header lacks"))
    }

    @Test func commandsWorkFromAnyFolderAndReportsGoBesideTheStore() throws {
        let city = try copy()
        let elsewhere = try Paths.temporaryDirectory()
        let store = elsewhere.appendingPathComponent("night/s.sqlite").path
        let run = try runBinary(["run", city.pipeline, "--store", store, "--as-of", "2026-11-30"], in: elsewhere)
        #expect(run.status == 3)
        #expect(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("night/reports/run-1/city.html").path))
        let root = URL(fileURLWithPath: "/")
        // From another folder, the commands on a store find its catalog and calendar through the store's runs, and the
        // ones without a store find the installation's.
        let tasks = try runBinary(["tasks", "list", "--store", store, "--agency", "minzheng"], in: root)
        #expect(tasks.status == 0)
        #expect(tasks.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) } == [
            ["13", "minzheng", "conforms", "minzheng_deaths", "321282********6934", "open", "2026-12-09", "民政局/死亡登记.json:7"],
            ["14", "minzheng", "required", "minzheng_deaths", "（第7条记录，无记录键）", "open", "2026-12-09", "民政局/死亡登记.json:8"],
            ["2", "task(s);", "personal", "data", "masked"],
        ])
        let lookup = try runBinary(["lookup", "--store", store, "321202197805064054"], in: root)
        #expect(lookup.status == 0)
        #expect(lookup.stdout.hasPrefix("自然人基础库 (base_persons) · 公民身份号码 321202********4054\n  基础库记录（自第1次运行）：\n"))
        // Codes show their meaning.
        #expect(lookup.stdout.contains("\n    性别: 1（男性）  ← 泰州市公安局《户籍人口信息》 公安局/户籍人口.csv:2 (run 1) [权威来源]\n"))
        let standardize = try runBinary(["standardize", "identity_number", "321025 19781003 2974"], in: root)
        #expect(standardize.stdout == "321025197810032974\t去除了代码中间的空格\n")
        let version = try runBinary(["--version"], in: root)
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("onesource \(Version.release) (store schema \(Schema.currentVersion), SQLite "))
    }

    @Test func generateIntoAFolderItCannotWriteSaysWhyAndLeavesNothing() throws {
        let root = try Paths.temporaryDirectory()
        let file = root.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        let result = try runBinary(["generate", "--persons", "50", "--out", file.appendingPathComponent("city").path], in: root)
        #expect(result.status == 1)
        #expect(errorMessage(result.stderr)?.hasPrefix("cannot generate the city at \(file.path): cannot create the folder: ") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == ["a-file"])
        // Written again over an earlier city, the folder is replaced whole, with no partial folder left beside it.
        let out = root.appendingPathComponent("city")
        #expect(try runBinary(["generate", "--persons", "50", "--out", out.path], in: root).status == 0)
        #expect(try runBinary(["generate", "--persons", "60", "--out", out.path, "--night", "1"], in: root).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["a-file", "city"])
        let lines = try String(contentsOf: out.appendingPathComponent("data/公安局/户籍人口.csv"), encoding: .utf8).split(whereSeparator: \.isNewline).count
        #expect(lines == 61)
    }
}
