import Foundation
import Testing
@testable import OneSource

/// Work started before its stage's turn: which stage may start beside which, load committing base by base, and the
/// association passes that run as soon as the bases they read are committed.
@Suite struct EarlyWorkTests {
    /// A log that keeps every message, and calls `onMessage` with each as it comes (on the thread that logs it).
    final class Messages: RunLog {
        private let lock = NSLock()
        private var lines: [String] = []
        let onMessage: (String) -> Void

        init(onMessage: @escaping (String) -> Void = { _ in }) { self.onMessage = onMessage }

        func info(_ message: String) {
            onMessage(message)
            lock.lock()
            lines.append(message)
            lock.unlock()
        }

        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    }

    /// The sample city's pipeline up to load: `associate` then runs by hand on what load committed.
    func throughLoad(_ city: SampleCity) throws -> PipelineDefinition {
        let path = city.root.appendingPathComponent("through-load.json")
        try String(contentsOf: city.pipeline, encoding: .utf8)
            .replacingOccurrences(of: "\"compare\", \"associate\", \"rectify\", \"report\"", with: "")
            .replacingOccurrences(of: "\"load\", ]", with: "\"load\"]")
            .write(to: path, atomically: true, encoding: .utf8)
        let pipeline = try PipelineDefinition.load(path: path.path)
        #expect(pipeline.stages == ["ingest", "verify", "load"])
        return pipeline
    }

    @Test func aStageStartsBesideAnEarlierOneOnlyWhenNothingItReadsIsWrittenMeanwhile() {
        // Compare reads the standardized rows and the seals, which load does not write.
        #expect(Runner.startsEarly(CompareStage(), beside: LoadStage(), after: []) == false)
        // Associate reads the bases, which load commits one by one: it waits for the ones it reads. Compare, between
        // them, writes only findings, which associate does not read.
        #expect(Runner.startsEarly(AssociateStage(), beside: LoadStage(), after: [CompareStage()]) == true)
        // Verify writes the standardized rows both read.
        #expect(Runner.startsEarly(CompareStage(), beside: VerifyStage(), after: [LoadStage()]) == nil)
        #expect(Runner.startsEarly(AssociateStage(), beside: VerifyStage(), after: [LoadStage(), CompareStage()]) == nil)
        // Compare writes only findings: associate may start beside it, with nothing to wait for.
        #expect(Runner.startsEarly(AssociateStage(), beside: CompareStage(), after: []) == false)
        // A stage writing in bulk between them wants the store to itself.
        #expect(Runner.startsEarly(CompareStage(), beside: LoadStage(), after: [IngestStage()]) == nil)
    }

    @Test func committedPartsWakeTheWorkWaitingForThem() {
        let parts = CommittedParts()
        parts.commit("legal_entities")
        let first = parts.wait { $0.contains("legal_entities") }
        #expect(first.parts == ["legal_entities"] && !first.ended)
        // A waiter on another thread wakes when the part it waits for is committed, not before.
        let woke = DispatchSemaphore(value: 0)
        let seen = Box()
        Thread.detachNewThread {
            seen.value = parts.wait { $0.contains("persons") }
            woke.signal()
        }
        parts.commit("licences")
        parts.commit("persons")
        woke.wait()
        #expect(seen.value?.parts == ["legal_entities", "licences", "persons"])
        #expect(seen.value?.ended == false)
        // Once the stage ended, a wait for a part that never came returns with what there is.
        parts.end()
        let last = parts.wait { $0.contains("addresses") }
        #expect(last.parts == ["legal_entities", "licences", "persons"] && last.ended)
    }

    final class Box: @unchecked Sendable {   // written by one thread before the semaphore the reader waits on
        var value: (parts: Set<String>, ended: Bool)?
    }

    /// Load commits each base in a transaction of its own, the smallest first, and the quarantine with the last: a
    /// reader sees each base whole or not yet, and the quarantine once every base is in.
    @Test func loadCommitsBaseByBaseTheSmallestFirst() throws {
        let city = try SampleCity()
        let path = try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path
        let database = try Store.open(path: path)
        let reader = try Database(path: path, mode: .readOnly)
        // What a reader sees as each base is merged (its line is logged inside its transaction).
        var seen: [String] = []
        let log = Messages { message in
            guard let base = message.components(separatedBy: ": ").first, message.contains(" keys, ") else { return }
            let committed = (try? reader.rows("SELECT base FROM base_loads WHERE run_id = 1 ORDER BY rowid").compactMap { $0[0].text }) ?? []
            let quarantined = (try? reader.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id = 1")) ?? -1
            seen.append("\(base) after \(committed.joined(separator: " ")); quarantine \(quarantined)")
        }
        let run = try Runner(database: database, log: log, threads: 2).run(try throughLoad(city))
        #expect(run == 1)
        #expect(seen == [
            "divisions after ; quarantine 0",
            "credit_records after divisions; quarantine 0",
            "legal_entities after divisions credit_records; quarantine 0",
            "licences after divisions credit_records legal_entities; quarantine 0",
            "addresses after divisions credit_records legal_entities licences; quarantine 0",
            "persons after divisions credit_records legal_entities licences addresses; quarantine 0",
        ])
        #expect(try reader.queryScalarInt("SELECT count(*) FROM quarantine WHERE run_id = 1") == 24)
        #expect(try reader.rows("SELECT base, records FROM base_loads WHERE run_id = 1 ORDER BY rowid")
                == [["divisions", 10], ["credit_records", 148], ["legal_entities", 298], ["licences", 377], ["addresses", 449], ["persons", 1199]]
                    .map { [.text($0[0] as! String), .integer(Int64($0[1] as! Int))] })
        // Done: the summary counts the quarantine.
        #expect(try RunSummary.load(database, run: 1).quarantined == 24)
    }

    /// The bases that work started early waits for are committed first (the smallest first among them), then the others.
    @Test func loadCommitsTheAwaitedBasesFirst() throws {
        let city = try SampleCity()
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let pipeline = try throughLoad(city)
        let run = try Runner(database: database, log: SilentLog(), threads: 2).run(pipeline)
        let parts = CommittedParts()
        parts.willWait(for: ["persons", "legal_entities"])
        parts.willWait(for: ["unknown_base"])
        #expect(parts.awaited == ["persons", "legal_entities", "unknown_base"])
        let log = Messages()
        _ = try LoadStage().run(StageContext(database: database, catalog: try Catalog.load(directory: city.catalog.path), pipeline: pipeline,
                                             runID: run, log: log, threads: 2, parts: parts))
        #expect(log.all.filter { $0.contains(" keys, ") }.map { String($0.prefix { $0 != ":" }) }
                == ["legal_entities", "persons", "divisions", "credit_records", "licences", "addresses"])
        #expect(parts.wait { _ in true }.parts == ["legal_entities", "persons", "divisions", "credit_records", "licences", "addresses"])
    }

    /// Load's page cache follows the rows feeding the largest base, 64 bytes a row, between 8 MiB and 64 MiB.
    @Test func loadsPageCacheFollowsTheLargestMerge() {
        #expect(LoadStage.cacheKiB(rows: 0) == 8_192)
        #expect(LoadStage.cacheKiB(rows: 131_072) == 8_192)        // exactly the floor
        #expect(LoadStage.cacheKiB(rows: 200_000) == 12_500)
        #expect(LoadStage.cacheKiB(rows: 375_000) == 23_437)       // the 250k city's persons
        #expect(LoadStage.cacheKiB(rows: 1_048_576) == 65_536)     // exactly the ceiling
        #expect(LoadStage.cacheKiB(rows: 1_507_690) == 65_536)     // the 1M city's persons
        #expect(LoadStage.cacheKiB(rows: Int.max) == 65_536)
    }

    /// A load that fails in a later base takes back the bases it had committed: the run has none of its load, and
    /// loading it again gives the bases as before.
    @Test func aLoadFailingInALaterBaseLeavesNoneOfTheRun() throws {
        let city = try SampleCity()
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let runner = Runner(database: database, log: SilentLog(), threads: 2)
        let run = try runner.run(try throughLoad(city))
        func bases() throws -> [[SQLValue]] {
            try database.rows("SELECT run_id, base, records FROM base_loads ORDER BY rowid")
                + database.rows("SELECT * FROM base_legal_entities ORDER BY record_key") + database.rows("SELECT * FROM base_persons ORDER BY record_key")
        }
        let loaded = try bases()
        #expect(loaded.count == 6 + 298 + 1199)
        // The persons base, merged last, refuses its rows.
        try database.execute("CREATE TRIGGER refuse BEFORE INSERT ON base_persons BEGIN SELECT RAISE(FAIL, 'disk full'); END")
        try runner.rerun(stage: "load", run: run)
        let stage = try #require(try RunLedger(database: database).stages(of: run).first { $0.stage == "load" })
        #expect(stage.status == .failed)
        #expect(stage.message?.contains("disk full") == true)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_loads") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_legal_entities") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_divisions") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM quarantine") == 0)
        #expect(try RunSummary.load(database, run: run).quarantined == nil)
        try database.execute("DROP TRIGGER refuse")
        try runner.rerun(stage: "load", run: run)
        #expect(try bases() == loaded)
        #expect(try database.queryScalarInt("SELECT count(*) FROM quarantine") == 24)
    }

    /// A run killed inside load, after some bases were committed, resumes to the store an uninterrupted run gives.
    @Test func aRunKilledBetweenBasesResumesToTheSameStore() throws {
        let root = try Paths.temporaryDirectory()
        let alone = root.appendingPathComponent("alone.sqlite").path, killed = root.appendingPathComponent("killed.sqlite").path
        #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", alone, "--as-of", "2026-12-01"]).status == 3)
        // The bases associate waits for first (298 legal entities, 1,199 persons), then 10 divisions: 1,507 keys. Stopped
        // inside the credit records' transaction (148 more).
        // Two threads, so associate starts beside load and says which bases it waits for, on a machine of any size.
        let (process, reached) = try startAtFailpoint(["run", "Pipelines/nightly.json", "--store", killed, "--as-of", "2026-12-01",
                                                       "--threads", "2"], failpoint: "load:1600")
        #expect(reached)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let reader = try Store.openForReading(path: killed)
        #expect(try reader.rows("SELECT base FROM base_loads ORDER BY rowid") == [[.text("legal_entities")], [.text("persons")], [.text("divisions")]])
        #expect(try reader.queryScalarInt("SELECT count(*) FROM base_credit_records") == 0)
        #expect(try reader.queryScalarInt("SELECT count(*) FROM base_licences") == 0)
        let resumed = try runBinary(["run", "--resume", "1", "--store", killed])
        #expect(resumed.status == 3)
        #expect(try storeFingerprint(try Store.openForReading(path: killed), run: 1) == (try storeFingerprint(try Store.openForReading(path: alone), run: 1)))
        #expect(try Store.openForReading(path: killed).queryScalarInt("SELECT count(*) FROM base_history") == 0)
    }

    /// Passes whose bases were committed run before the stage's turn and give the rows the turn would: the licence and
    /// penalty passes read only the legal-entity base, the others the persons base too.
    @Test func associationPassesRunAheadOnceTheirBasesAreCommitted() throws {
        let city = try SampleCity()
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let pipeline = try throughLoad(city)
        let run = try Runner(database: database, log: SilentLog(), threads: 2).run(pipeline)
        let catalog = try Catalog.load(directory: city.catalog.path)
        func findings() throws -> [[SQLValue]] {
            try database.rows("""
                SELECT rule_id, record_key, element, observed, expected, reason, file_id, line FROM findings
                WHERE run_id = ? AND stage = 'associate' ORDER BY finding_id
                """, [.integer(run)])
        }
        // At the turn alone.
        let alone = Messages()
        _ = try AssociateStage().run(StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: run, log: alone, threads: 2))
        let expected = try findings()
        #expect(expected.count == 22)
        // Ahead, with the legal-entity base committed and no other.
        let parts = CommittedParts()
        let early = AssociateStage().startEarly(StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: run,
                                                             log: SilentLog(), threads: 2, parts: parts))
        parts.commit("legal_entities")
        parts.end()
        let ahead = try #require(early.value as? AssociateStage.PassesAhead)
        ahead.waitUntilStopped()
        let log = Messages()
        _ = try AssociateStage().run(StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: run, log: log, threads: 2,
                                                  early: early))
        #expect(try findings() == expected)
        let marker = ", run ahead of the stage, once its bases were loaded)"
        let rules = log.all.filter { $0.contains(" findings") && !$0.hasPrefix("stage") }
        #expect(rules.filter { $0.hasSuffix(marker) }.map { String($0.prefix { $0 != "(" }) } == [
            "licence_holder_inactive: 8 findings ", "licence_holder_unregistered: 4 findings ", "penalty_subject_unregistered: 3 findings ",
            "licence_before_establishment: 2 findings ", "licence_holder_name_mismatch: 0 findings ", "penalty_subject_name_mismatch: 0 findings ",
        ])
        #expect(rules.filter { !$0.hasSuffix(marker) }.map { String($0.prefix { $0 != "(" }) } == [
            "benefit_after_death: 3 findings ", "legal_rep_invalid_or_dead: 2 findings ", "death_before_birth: 0 findings ",
            "insured_after_death: 0 findings ",
        ])
        // The same lines as the turn alone wrote, but for the marker and the times.
        func plain(_ lines: [String]) -> [String] {
            lines.map { $0.replacingOccurrences(of: marker, with: ")").replacingOccurrences(of: #"query [0-9.]+ s"#, with: "query", options: .regularExpression) }
        }
        #expect(plain(log.all) == plain(alone.all))
        // Nothing committed: nothing ahead, the same findings.
        let none = CommittedParts()
        let idle = AssociateStage().startEarly(StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: run,
                                                            log: SilentLog(), threads: 2, parts: none))
        none.end()
        let quiet = Messages()
        _ = try AssociateStage().run(StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: run, log: quiet, threads: 2,
                                                  early: idle))
        #expect(try findings() == expected)
        #expect(!quiet.all.contains { $0.contains(marker) })
    }
}
