import Foundation
import Testing
@testable import OneSource

@Suite struct RetentionTests {
    /// Four nights of a generated city, one store keeping every delivered copy and one keeping two runs: the second
    /// decides exactly as the first, holds only the copies the policy keeps, and still answers where values came from.
    @Test func pruningKeepsTheLastRunsAndChangesNoDecision() throws {
        let root = try Paths.temporaryDirectory()
        let pipelines = Paths.packageRoot.appendingPathComponent("Pipelines").path
        for night in 0..<4 {
            _ = try CityGenerator(persons: 1500, seed: 9, defectRate: 0.02, output: root.appendingPathComponent("n\(night)").path,
                                  pipelines: pipelines, night: night).write()
        }
        // 民政局 delivers its deaths on the first night only: that delivery stays, as the dataset's latest.
        for night in 1..<4 { try FileManager.default.removeItem(at: root.appendingPathComponent("n\(night)/data/民政局/死亡登记.json")) }
        let pipeline = root.appendingPathComponent("n0/nightly.json").path
        let text = try String(contentsOfFile: pipeline, encoding: .utf8)
        let keeping = root.appendingPathComponent("n0/keep-all.json").path
        try text.replacingOccurrences(of: ",\n  \"retention\": {\"keepRuns\": 7}", with: "").write(toFile: keeping, atomically: true, encoding: .utf8)
        let pruning = root.appendingPathComponent("n0/keep-2.json").path
        try text.replacingOccurrences(of: "\"keepRuns\": 7", with: "\"keepRuns\": 2").write(toFile: pruning, atomically: true, encoding: .utf8)
        #expect(try PipelineDefinition.load(path: keeping).retention == nil)
        #expect(try PipelineDefinition.load(path: pruning).retention == RetentionPolicy(keepRuns: 2))

        let all = root.appendingPathComponent("all.sqlite").path, kept = root.appendingPathComponent("kept.sqlite").path
        for night in 0..<4 {
            let data = root.appendingPathComponent("n\(night)/data").path
            let day = "2026-12-0\(night + 1)"
            #expect(try runBinary(["run", keeping, "--data", data, "--store", all, "--as-of", day]).status == 3)
            let run = try runBinary(["run", pruning, "--data", data, "--store", kept, "--as-of", day])
            #expect(run.status == 3)
            #expect(run.stderr.contains(night < 2 ? "retention (keep 2 runs): nothing to prune" : "retention (keep 2 runs): pruned "))
            // The free pages kept for the next night: at most what this night took, and what the store now has free.
            let line = try #require(run.stderr.split(separator: "\n").first { $0.contains("retention (keep 2 runs)") })
            let numbers = try #require(line.firstMatch(of: /(\d+) free pages returned, (\d+) kept free for the next night \(this one took (\d+)\)/))
            let keptPages = Int(numbers.output.2)!, tookPages = Int(numbers.output.3)!
            #expect(keptPages <= tookPages)
            #expect(tookPages > 0)
            #expect(try Store.openForReading(path: kept).queryScalarInt("PRAGMA freelist_count") == Int64(keptPages))
            if night >= 2 { #expect(keptPages > 0) }   // a pruning night frees pages, and the next night needs them
        }
        let a = try Store.openForReading(path: all), b = try Store.openForReading(path: kept)
        for run in Int64(1)...4 {
            var fa = try storeFingerprint(a, run: run), fb = try storeFingerprint(b, run: run)
            // A pruned run's quarantined values are gone by design (its findings keep the reasons).
            if run <= 2 { fa["quarantine"] = nil; fb["quarantine"] = nil }
            #expect(fa == fb, "run \(run): \(fa.keys.sorted().filter { fa[$0] != fb[$0] })")
        }
        // Runs 1 and 2 lost their copies, except 民政局's only delivery; runs 3 and 4 keep theirs.
        func staged(_ database: Database, _ table: String, _ run: Int) throws -> Int64 {
            try database.queryScalarInt("SELECT count(*) FROM \(table) WHERE run_id = ?", [.int(run)]) ?? -1
        }
        for table in ["stg_gongan_household", "std_gongan_household", "std_renshe_insured"] {
            #expect(try staged(b, table, 1) == 0 && staged(b, table, 2) == 0, "\(table)")
            #expect(try staged(b, table, 3) == staged(a, table, 3) && staged(b, table, 4) == staged(a, table, 4), "\(table)")
            #expect(try staged(a, table, 1) > 0)
        }
        #expect(try staged(b, "std_minzheng_deaths", 1) == staged(a, "std_minzheng_deaths", 1))
        #expect(try staged(b, "std_minzheng_deaths", 1) > 0)
        #expect(try b.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id <= 2 AND dataset_id <> 'minzheng_deaths'") == 0)
        #expect(try a.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id <= 2 AND dataset_id <> 'minzheng_deaths'") ?? 0 > 0)
        #expect(try b.queryScalarInt("SELECT count(*) FROM rejections WHERE run_id <= 2 AND raw IS NOT NULL AND dataset_id <> 'minzheng_deaths'") == 0)
        #expect(try b.queryScalarInt("SELECT count(*) FROM rejections WHERE run_id <= 2") == a.queryScalarInt("SELECT count(*) FROM rejections WHERE run_id <= 2"))
        #expect(try b.rows("SELECT DISTINCT run_id FROM run_files WHERE pruned_at IS NOT NULL ORDER BY 1") == [[.integer(1)], [.integer(2)]])
        #expect(try b.queryScalarInt("SELECT count(*) FROM run_files WHERE dataset_id = 'minzheng_deaths' AND pruned_at IS NOT NULL") == 0)
        // The lasting record: findings, files with hashes, and the audit entries of each pruning.
        #expect(try b.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 1") == a.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 1"))
        let audits = try b.rows("SELECT counts FROM audit WHERE action = 'store_pruned' ORDER BY audit_id").compactMap { $0[0].text }
        #expect(audits.count == 4)
        #expect(audits[2].hasPrefix("keep runs 2 (pipeline generated-city): pruned 7 file(s) of run(s) 1: "))
        #expect(audits[2].hasSuffix("; older deliveries kept: 1 as their dataset's latest delivery"))
        #expect(audits[3].hasPrefix("keep runs 2 (pipeline generated-city): pruned 7 file(s) of run(s) 2: "))
        // Where a person's values came from stays answerable: the files that supplied the base record, with hashes.
        let key = try #require(try b.queryScalarText("SELECT record_key FROM base_persons ORDER BY record_key LIMIT 1"))
        let fromAll = try runBinary(["audit", "--key", key, "--store", all])
        let fromKept = try runBinary(["audit", "--key", key, "--store", kept])
        #expect(fromKept.status == 0)
        #expect(fromKept.stdout.contains("file_ingested"))
        #expect(fromKept.stdout.contains("n0/data/公安局/户籍人口.csv"))
        #expect(fromAll.stdout.contains("n0/data/公安局/户籍人口.csv"))
        // A pruned run's stages cannot run again, and say why.
        let rerun = try runBinary(["stage", "verify", "--run", "1", "--store", kept])
        #expect(rerun.status == 1)
        #expect(errorMessage(rerun.stderr)?.hasPrefix("run 1's delivered records were pruned by the retention policy on ") == true)
    }

    /// The policy in a definition: a whole number of runs from 1; JSON `true` is not 1.
    @Test func theRetentionPropertyIsChecked() throws {
        func parse(_ retention: String) throws -> PipelineDefinition {
            try PipelineDefinition.parse(data: Data(#"{"name": "p", "catalog": "c", "dataRoot": "d", "stages": ["ingest"], "retention": \#(retention)}"#.utf8),
                                         path: "/x/p.json")
        }
        #expect(try parse(#"{"keepRuns": 1}"#).retention == RetentionPolicy(keepRuns: 1))
        #expect(try parse(#"{"keepRuns": 30}"#).retention == RetentionPolicy(keepRuns: 30))
        for bad in [#"{"keepRuns": true}"#, #"{"keepRuns": 0}"#, #"{"keepRuns": "7"}"#, #"{"keepRuns": 1.5}"#, #"{}"#] {
            #expect(throws: PipelineError.self, "\(bad)") { try parse(bad) }
            do { _ = try parse(bad) } catch {
                #expect("\(error)" == "pipeline definition /x/p.json: $.retention.keepRuns: required, a whole number of runs from 1", "\(bad)")
            }
        }
        do { _ = try parse(#"{"keepRuns": 7, "keepDays": 30}"#) } catch {
            #expect("\(error)" == "pipeline definition /x/p.json: $.retention.keepDays: unknown property (known: keepRuns)")
        }
        do { _ = try parse("7") } catch {
            #expect("\(error)" == #"pipeline definition /x/p.json: $.retention: an object like {"keepRuns": 7}"#)
        }
    }

    /// After a night the store keeps free as many pages as the night took, for the next night's rows, and gives back
    /// only the rest; by hand (`keeping` 0) it gives back every free page.
    @Test func givingBackKeepsWhatTheNightTook() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("g.sqlite").path
        let database = try Store.open(path: path)
        let retention = Retention(database: database)
        try database.execute("CREATE TABLE rows_a (x TEXT); CREATE TABLE rows_b (x TEXT)")
        let start = try retention.pageUse()
        // 300 rows of 10,000 bytes: one overflow chain each, about 300 pages of 16 KiB.
        try database.transaction {
            for i in 0..<300 { try database.run("INSERT INTO rows_a VALUES (?)", [.text(String(repeating: "a", count: 10_000) + "\(i)")]) }
        }
        let grown = try retention.pageUse()
        #expect(grown.free == start.free)
        #expect(try retention.pagesTaken(since: start) == grown.pages - start.pages)
        try database.execute("DELETE FROM rows_a")
        let freed = try retention.pageUse()
        #expect(freed.pages == grown.pages)
        #expect(freed.free >= 300)
        // Filling free pages counts as taking them: the file does not grow.
        try database.transaction {
            for i in 0..<100 { try database.run("INSERT INTO rows_b VALUES (?)", [.text(String(repeating: "b", count: 10_000) + "\(i)")]) }
        }
        let refilled = try retention.pageUse()
        #expect(refilled.pages == freed.pages)
        #expect(try retention.pagesTaken(since: freed) == freed.free - refilled.free)
        // Keeping fewer than are free: the rest goes back; keeping more: none goes back.
        let free = refilled.free
        let some = try retention.giveBackSpace(step: 64, keeping: 50)
        #expect(some.pages == free - 50)
        #expect(some.kept == 50)
        #expect(try retention.pageUse() == Retention.PageUse(pages: refilled.pages - (free - 50), free: 50))
        let none = try retention.giveBackSpace(keeping: 80)
        #expect(none.pages == 0 && none.kept == 50)
        #expect(try retention.pageUse().free == 50)
        let all = try retention.giveBackSpace()
        #expect(all.pages == 50 && all.kept == 0)
        #expect(try retention.pageUse().free == 0)
        #expect(try database.queryScalarText("PRAGMA integrity_check") == "ok")
    }

    /// `onesource prune` applies a policy by hand and gives the space back to the file system.
    @Test func pruneByHandGivesTheSpaceBack() throws {
        let root = try Paths.temporaryDirectory()
        let store = root.appendingPathComponent("s.sqlite").path
        for day in ["2026-12-01", "2026-12-02", "2026-12-03"] {
            #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", day]).status == 3)
        }
        let before = try #require(try FileManager.default.attributesOfItem(atPath: store)[.size] as? Int)
        let prune = try runBinary(["prune", "--keep-runs", "1", "--store", store])
        #expect(prune.status == 0)
        let lines = prune.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("pruned 16 file(s) of run(s) 1-2: "))
        #expect(lines[1].contains(" free pages returned: "))
        let after = try #require(try FileManager.default.attributesOfItem(atPath: store)[.size] as? Int)
        #expect(after < before)
        let database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("PRAGMA freelist_count") == 0)
        #expect(try database.queryScalarText("PRAGMA integrity_check") == "ok")
        #expect(try database.queryScalarInt("SELECT count(*) FROM audit WHERE action = 'store_space_returned'") == 1)
        let again = try runBinary(["prune", "--keep-runs", "1", "--store", store])
        #expect(again.stdout.hasPrefix("nothing to prune\n0 free pages returned: "))
        let none = try runBinary(["prune", "--store", root.appendingPathComponent("none.sqlite").path])
        #expect(none.status == 1)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("none.sqlite").path))
    }
}
