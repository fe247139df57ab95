import Foundation
import Testing
@testable import OneSource

@Suite struct IngestStageTests {
    let pipelinePath = Paths.packageRoot.appendingPathComponent("Pipelines/nightly.json").path

    func freshStore() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("store.sqlite").path)
    }

    /// A 公安局 export of 20,000 rows (five batches) whose every thousandth row repeats a key of a row 4,500 earlier, in
    /// an earlier batch. Batches are verified by several workers at once and come back in any order; the duplicate-key
    /// check must still see them in file order: the same findings, in the same order, for any thread count.
    @Test func duplicateKeysAcrossBatchesAreFoundInFileOrderWhateverTheThreadCount() throws {
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("data/公安局")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func row(_ i: Int) -> String {
            let birth = CivilDate(year: 1950, month: 1, day: 1)!.adding(days: (i / 1000) * 7)
            let body = "321202" + birth.compact + String(format: "%03d", i % 1000)
            let id = body + String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            return "\(id),张三,\((i % 1000) % 2 == 1 ? "男" : "女"),01,\(birth),江苏省泰州市海陵区海陵南路\(i)号,321202,2015-06-01\r\n"
        }
        var text = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,户籍区划代码,登记日期\r\n"
        var duplicates: [(line: Int, firstLine: Int)] = []
        for i in 0..<20_000 {
            if i % 1000 == 999 && i >= 4500 {
                text += row(i - 4500)
                duplicates.append((i + 2, i - 4500 + 2))
            } else {
                text += row(i)
            }
        }
        try text.write(to: folder.appendingPathComponent("户籍人口.csv"), atomically: true, encoding: .utf8)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let divisions = Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path
        let pipeline = root.appendingPathComponent("p.json").path
        try #"{"name": "dups", "catalog": "\#(catalog)", "dataRoot": "data", "divisions": "\#(divisions)", "stages": ["ingest", "verify"], "datasets": ["gongan_household"]}"#
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        var results: [[String]] = []
        for threads in [1, 2, 4] {
            let database = try Store.open(path: root.appendingPathComponent("s\(threads).sqlite").path)
            let run = try Runner(database: database, log: SilentLog(), threads: threads).run(try PipelineDefinition.load(path: pipeline))
            let findings = try database.rows("""
                SELECT rule_id || ' ' || line || ' ' || record_key || ' ' || message FROM findings WHERE run_id = ? ORDER BY finding_id
                """, [.integer(run)]).compactMap { $0[0].text }
            #expect(findings.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
                    == duplicates.map { "unique_key \($0.line)" })
            #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household WHERE run_id = ? AND has_error = 1", [.integer(run)])
                    == Int64(duplicates.count))
            // Two ascending streams: the keys, and the repeated ones among them (each larger than the one before).
            #expect(try RunFileTable(database: database).keyStreams(run: run, dataset: "gongan_household") == .some(.some(2)))
            results.append(findings)
        }
        #expect(duplicates.count == 16)
        #expect(results[1] == results[0])
        #expect(results[2] == results[0])
        // Each names the line where the key was first seen.
        #expect(results[0].first?.contains("\(duplicates[0].firstLine)") == true)
    }

    @Test func ingestsSampleDataWithEveryRowAccountedFor() throws {
        let database = try freshStore()
        let runID = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: pipelinePath))
        let summary = try RunSummary.load(database, run: runID, rejectionLimit: 100)
        #expect(summary.run.status == .doneWithDefects)
        #expect(summary.files.map { "\($0.path) \($0.status) \($0.read) \($0.staged) \($0.rejected)" } == [
            "公安局/户籍人口.csv ingested 1204 1202 2",
            "民政局/死亡登记.json ingested 40 40 0",
            "人社局/社保参保.csv ingested 703 703 0",
            "行政审批局/行政许可.csv ingested 381 381 0",
            "市场监管局/市场主体.xml ingested 300 300 0",
            "信用办/行政处罚.ndjson ingested 150 149 1",
            "自然资源和规划局/标准地址.csv ingested 450 450 0",
            "自然资源和规划局/行政区划.csv ingested 10 10 0",
        ])
        #expect(summary.reconciles)
        #expect(summary.rejections.map { "\($0.path):\($0.line ?? 0) \($0.reason)" } == [
            "公安局/户籍人口.csv:1203 a quote opened in field 2 is not closed on this line (fields may not span lines in this dataset)",
            "公安局/户籍人口.csv:1204 expected 8 fields, found 4",
            "信用办/行政处罚.ndjson:81 invalid value",
        ])
        // Values as delivered: the 18-digit number keeps its digits, the two-line field keeps its line break.
        let number = try deliveredValue(database, "minzheng_deaths", "person.id_number", where: "line = 5")
        #expect(number?.count == 18)
        let content = try deliveredValue(database, "shenpi_licences", "licence.content", where: "record_index = 301")
        #expect(content == "预包装食品销售，散装食品销售\n（含冷藏冷冻食品，\"热食类\"除外）")
        let gb = try deliveredValue(database, "renshe_insured", "insurance.status", where: "record_index = 1")
        #expect(gb == "待遇享受")   // decoded from GB18030
        // Staging itself left the number to the standardized table (it is canonical as delivered): stored once.
        #expect(try database.rows("SELECT \"person.id_number\", same_as_std & 1 FROM stg_minzheng_deaths WHERE line = 5") == [[.null, .integer(1)]])
        let sha = try database.queryScalarText("SELECT sha256 FROM run_files WHERE path = '行政审批局/行政许可.csv'")
        let bytes = try Data(contentsOf: Paths.packageRoot.appendingPathComponent("SampleData/行政审批局/行政许可.csv"))
        #expect(sha == SHA256.hex(of: Array(bytes)))
    }

    @Test func reRunningIngestReplacesTheRunsOutput() throws {
        let database = try freshStore()
        let runner = Runner(database: database, log: SilentLog())
        let runID = try runner.run(try PipelineDefinition.load(path: pipelinePath))
        func counts() throws -> [Int64] {
            try ["stg_gongan_household", "stg_renshe_insured", "stg_shichang_entities", "rejections", "run_files"].map {
                try database.queryScalarInt("SELECT count(*) FROM \($0) WHERE run_id = ?", [.integer(runID)]) ?? -1
            }
        }
        let before = try counts()
        #expect(before == [1202, 703, 300, 3, 8])
        try runner.rerun(stage: "ingest", run: runID)
        try runner.rerun(stage: "ingest", run: runID)
        #expect(try counts() == before)
        #expect(try RunSummary.load(database, run: runID).reconciles)
        #expect(throws: PipelineError.self) { try runner.rerun(stage: "publish", run: runID) }
        #expect(throws: StoreError.self) { try runner.rerun(stage: "ingest", run: 999) }
    }

    @Test func recordsMissingDeliveriesAndUnreadableFiles() throws {
        let root = try Paths.temporaryDirectory()
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data.appendingPathComponent("公安局"), withIntermediateDirectories: true)
        try "身份证,姓名\n1,2\n".write(to: data.appendingPathComponent("公安局/户籍人口.csv"), atomically: true, encoding: .utf8)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let definition = #"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "stages": ["ingest"]}"#
        let pipelineFile = root.appendingPathComponent("p.json")
        try definition.write(to: pipelineFile, atomically: true, encoding: .utf8)
        let database = try freshStore()
        let runID = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: pipelineFile.path))
        let summary = try RunSummary.load(database, run: runID)
        #expect(summary.run.status == .doneWithDefects)
        #expect(summary.files.map(\.status) == ["failed", "missing", "missing", "missing", "missing", "missing", "missing", "missing"])
        #expect(summary.files[0].note == "公安局/户籍人口.csv:1: header lacks the mapped column(s) 公民身份号码, 性别, 民族, 出生日期, 户籍地址, 户籍区划代码, 登记日期")
        #expect(summary.files[1].note == "no file matches 民政局/死亡登记*.json under \(data.path)")
    }

    @Test func aFileThatFailsHalfWayLeavesNothingStaged() throws {
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("data/市场监管局")
        let xml = try writeEntitiesXML(10_000, tail: "<市场主体><名称>broken</名称>\n", under: root)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let definition = #"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "stages": ["ingest"], "datasets": ["shichang_entities"]}"#
        let pipelineFile = root.appendingPathComponent("p.json")
        try definition.write(to: pipelineFile, atomically: true, encoding: .utf8)
        let database = try freshStore()
        let runner = Runner(database: database, log: SilentLog())
        let runID = try runner.run(try PipelineDefinition.load(path: pipelineFile.path))
        let summary = try RunSummary.load(database, run: runID)
        #expect(summary.files.map { "\($0.status) \($0.read) \($0.staged) \($0.rejected)" } == ["failed 0 0 0"])
        #expect(summary.files[0].note == "市场监管局/市场主体.xml:10004: XML error: Opening and ending tag mismatch: 市场主体 line 10003 and 市场主体列表")
        #expect(try database.queryScalarInt("SELECT count(*) FROM stg_shichang_entities") == 0)
        // A good file staged by an earlier run is not touched when a later file of the same dataset fails.
        try xml.replacingOccurrences(of: "<市场主体><名称>broken</名称>\n", with: "")
            .write(to: folder.appendingPathComponent("市场主体.xml"), atomically: true, encoding: .utf8)
        let good = try runner.run(try PipelineDefinition.load(path: pipelineFile.path))
        #expect(try RunSummary.load(database, run: good).totalStaged == 10_000)
        try runner.rerun(stage: "ingest", run: runID)
        // Re-running the failed run's ingest reads the corrected file: each run now holds its own 10,000 rows.
        #expect(try database.rows("SELECT run_id, count(*) FROM stg_shichang_entities GROUP BY run_id ORDER BY run_id")
                == [[.integer(runID), .integer(10_000)], [.integer(good), .integer(10_000)]])
        #expect(throws: PipelineError.self) {
            try runner.run(try PipelineDefinition.parse(data: Data(#"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "stages": ["ingest"], "datasets": ["nope"]}"#.utf8), path: pipelineFile.path))
        }
    }
    @Test func aFileThatFailsHalfWayWhileVerifyingLeavesNoStandardizedRowsOrFindings() throws {
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("data/市场监管局")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Two files of one dataset (the catalog's pattern is 市场主体*.xml): the first good, the second breaks after
        // 4,997 records, among them keys that repeat the first file's (duplicate-key findings, taken back with the file).
        func entities(_ range: ClosedRange<Int>) -> String {
            range.map { "<市场主体><统一社会信用代码>C\($0 % 3000)</统一社会信用代码><名称>N\($0)</名称><法定代表人><姓名>X</姓名></法定代表人>"
                + "<登记状态>存续</登记状态><成立日期>2020-01-01</成立日期></市场主体>\n" }.joined()
        }
        try ("<?xml version=\"1.0\"?>\n<市场主体列表>\n" + entities(1...3) + "</市场主体列表>\n")
            .write(to: folder.appendingPathComponent("市场主体1.xml"), atomically: true, encoding: .utf8)
        try ("<?xml version=\"1.0\"?>\n<市场主体列表>\n" + entities(4...5000) + "<市场主体><名称>broken</名称>\n</市场主体列表>\n")
            .write(to: folder.appendingPathComponent("市场主体2.xml"), atomically: true, encoding: .utf8)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let divisions = Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path
        let definition = #"{"name": "t", "catalog": "\#(catalog)", "divisions": "\#(divisions)", "dataRoot": "data", "stages": ["ingest", "verify"], "datasets": ["shichang_entities"]}"#
        let pipelineFile = root.appendingPathComponent("p.json")
        try definition.write(to: pipelineFile, atomically: true, encoding: .utf8)
        let database = try freshStore()
        let runID = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: pipelineFile.path))
        let summary = try RunSummary.load(database, run: runID)
        #expect(summary.files.map { "\($0.path) \($0.status) \($0.staged)" } == ["市场监管局/市场主体1.xml ingested 3", "市场监管局/市场主体2.xml failed 0"])
        // Only the good file's three records are standardized, and only its findings remain (every code "C1" … is invalid).
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_shichang_entities WHERE run_id = ?", [.integer(runID)]) == 3)
        #expect(try database.rows("SELECT DISTINCT f.path FROM findings g JOIN run_files f USING (file_id) WHERE g.run_id = ? AND g.stage = 'verify'",
                                  [.integer(runID)]) == [[.text("市场监管局/市场主体1.xml")]])
        // The file that failed is a finding against the agency: nothing of it was received.
        #expect(try database.rows("SELECT f.path, g.rule_id, g.severity FROM findings g JOIN run_files f USING (file_id) WHERE g.run_id = ? AND g.stage = 'ingest'",
                                  [.integer(runID)]) == [[.text("市场监管局/市场主体2.xml"), .text("delivery_unreadable"), .text("error")]])
        let verify = try RunLedger(database: database).stages(of: runID).first { $0.stage == "verify" }
        #expect(verify?.recordsIn == 3)
        #expect(verify?.message?.hasPrefix("verified 3 records;") == true)
    }
}

/// Reading only what the catalog may read: links out of the data root, FIFOs and devices are failed files.
@Suite struct IngestConfinementTests {
    @Test func linksOutOfTheDataRootFIFOsAndDanglingLinksAreFailedFilesAndTheRunEnds() throws {
        let root = try Paths.temporaryDirectory()
        let data = root.appendingPathComponent("data")
        for folder in ["公安局", "民政局", "人社局", "市场监管局"] {
            try FileManager.default.createDirectory(at: data.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("公安局/户籍人口.csv").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(data.appendingPathComponent("民政局/死亡登记.json").path, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("人社局/社保参保.csv").path, withDestinationPath: "nowhere.csv")
        // A link that stays inside the root is read as the file it points to.
        try "<?xml version=\"1.0\"?><市场主体列表><市场主体><名称>甲</名称></市场主体></市场主体列表>"
            .write(to: data.appendingPathComponent("市场监管局/real.xml"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("市场监管局/市场主体.xml").path, withDestinationPath: "real.xml")
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let pipeline = root.appendingPathComponent("p.json")
        try #"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "stages": ["ingest"], "datasets": ["gongan_household", "minzheng_deaths", "renshe_insured", "shichang_entities"]}"#
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let database = try Store.open(path: root.appendingPathComponent("s.sqlite").path)
        let run = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: pipeline.path))
        let files = try RunSummary.load(database, run: run).files
        #expect(files.map { "\($0.path) \($0.status)" } == ["公安局/户籍人口.csv failed", "民政局/死亡登记.json failed", "人社局/社保参保.csv failed",
                                                           "市场监管局/市场主体.xml ingested"])
        #expect(files[0].note == "公安局/户籍人口.csv: a link that leads outside the data root \(data.path): not read")
        #expect(files[1].note?.hasSuffix(": cannot open: is a FIFO (named pipe), not a regular file") == true)
        #expect(files[2].note?.hasSuffix(": cannot open: No such file or directory") == true)
        #expect(files[3].staged == 1)
        // Nothing of /etc/passwd was hashed or recorded.
        #expect(try database.rows("SELECT sha256, size_bytes FROM run_files WHERE path = '公安局/户籍人口.csv'") == [[.null, .null]])
    }

    @Test func patternsThatLeaveTheDataRootAreRefused() throws {
        #expect(Dataset.filePatternProblem("../../../etc/pass*") == "file pattern \"../../../etc/pass*\" uses \"..\": it must stay inside the pipeline's data root")
        #expect(Dataset.filePatternProblem("/etc/passwd") == "file pattern \"/etc/passwd\" is absolute: it must be relative to the pipeline's data root")
        #expect(Dataset.filePatternProblem("公安局//x.csv") == "file pattern \"公安局//x.csv\" has an empty path component")
        #expect(Dataset.filePatternProblem("公安局/户籍人口*.csv") == nil)
        #expect(throws: IngestError.self) { try FilePattern.matches("../../dev/zer?", under: "/tmp") }
        #expect(try PathComponent.child("/out", "gongan") == "/out/gongan")
        for bad in ["", ".", "..", "../../x", "a/b"] { #expect(throws: PathComponentError.self) { try PathComponent.child("/out", bad) } }
    }
}

extension IngestStageTests {
    /// Staging leaves to the standardized table the values it holds byte for byte; the records read back as delivered
    /// are exactly those of an ingest that verified nothing (every value in staging), for every dataset, and stay so when
    /// a verify re-run replaces the standardized rows.
    @Test func valuesLeftToTheStandardizedTableReadBackAsDelivered() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let datasets = catalog.datasets.map(\.id).sorted()
        let sparse = try freshStore()
        let runner = Runner(database: sparse, log: SilentLog())
        let run = try runner.run(try PipelineDefinition.load(path: pipelinePath))
        // The same exports ingested alone: nothing verified, every value stored in staging.
        let dense = try freshStore()
        let definition = try String(contentsOfFile: pipelinePath, encoding: .utf8)
            .replacingOccurrences(of: #""stages": \[[^\]]*\]"#, with: #""stages": ["ingest"]"#, options: .regularExpression)
        let ingestOnly = Paths.packageRoot.appendingPathComponent("Pipelines/.ingest-only-\(UUID().uuidString).json").path
        try definition.write(toFile: ingestOnly, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: ingestOnly) }
        let denseRun = try Runner(database: dense, log: SilentLog()).run(try PipelineDefinition.load(path: ingestOnly))
        #expect(try dense.queryScalarInt("SELECT count(*) FROM stg_gongan_household WHERE same_as_std <> 0") == 0)
        #expect(try sparse.queryScalarInt("SELECT count(*) FROM stg_gongan_household WHERE same_as_std <> 0") == 1202)
        var records = 0
        for dataset in datasets {
            let expected = try deliveredRows(dense, dataset, where: "run_id = ?", [.integer(denseRun)])
            #expect(try deliveredRows(sparse, dataset, where: "run_id = ?", [.integer(run)]) == expected, "\(dataset)")
            records += expected.count
        }
        #expect(records == 1202 + 40 + 703 + 381 + 300 + 149 + 450 + 10)
        let before = try datasets.map { try deliveredRows(sparse, $0) }
        try runner.rerun(stage: "verify", run: run)
        #expect(try sparse.queryScalarInt("SELECT count(*) FROM stg_gongan_household WHERE same_as_std <> 0") == 0)
        #expect(try datasets.map { try deliveredRows(sparse, $0) } == before)
        // The quarantined records keep their delivered values.
        #expect(try sparse.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id = ? AND raw LIKE '%person.id_number%'", [.integer(run)]) ?? 0 > 0)
    }
}
