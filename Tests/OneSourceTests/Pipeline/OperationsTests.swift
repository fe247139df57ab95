import Foundation
import Testing
@testable import OneSource

@Suite struct OperationsTests {
    /// A pipeline over one large generated 公安局 file, slow enough to be caught mid-stage.
    func bigCity() throws -> (root: URL, pipeline: String, store: String, rows: Int) {
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("data/公安局")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = 300_000
        var text = "公民身份号码,姓名,性别,民族,出生日期,户籍地址,户籍区划代码,登记日期\r\n"
        text.reserveCapacity(rows * 110)
        for i in 0..<rows {
            // Unique and valid: 1,000 sequence numbers per birth date.
            let birth = CivilDate(year: 1950, month: 1, day: 1)!.adding(days: (i / 1000) * 7)
            let body = "321202" + birth.compact + String(format: "%03d", i % 1000)
            let id = body + String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            text += "\(id),张三,\((i % 1000) % 2 == 1 ? "男" : "女"),01,\(birth),江苏省泰州市海陵区海陵南路\(i)号,321202,2015-06-01\r\n"
        }
        try text.write(to: folder.appendingPathComponent("户籍人口.csv"), atomically: true, encoding: .utf8)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        let pipeline = root.appendingPathComponent("p.json").path
        try #"{"name": "big", "catalog": "\#(catalog)", "dataRoot": "data", "divisions": "\#(Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path)", "stages": ["ingest", "verify"], "datasets": ["gongan_household"]}"#
            .write(toFile: pipeline, atomically: true, encoding: .utf8)
        return (root, pipeline, root.appendingPathComponent("s.sqlite").path, rows)
    }

    @Test func aKilledRunLeavesTheStoreConsistentAndResumes() throws {
        let city = try bigCity()
        // The run stops in the middle of ingest's transaction, with 100,000 rows staged, and says so: the test waits
        // for that line (an event), whatever the machine's load, then tries a second writer and kills the first.
        let (process, reached) = try startAtFailpoint(["run", city.pipeline, "--store", city.store], failpoint: "ingest:100000")
        #expect(reached)
        let second = try runBinary(["run", city.pipeline, "--store", city.store])
        #expect(second.status == 75)
        #expect(errorMessage(second.stderr)?.hasPrefix("the store is being written by pid \(process.processIdentifier) on ") == true)
        #expect(second.stderr.contains("onesource run \(city.pipeline) --store \(city.store)"))
        // Alone with the store, ingest writes with a rollback journal (`AppendsInBulk`), not the write-ahead log.
        #expect(FileManager.default.fileExists(atPath: city.store + "-journal"))
        // A reader meanwhile sees the state before ingest's transaction: the run started, nothing staged yet.
        let reading = try runBinary(["summary", "--run", "1", "--store", city.store])
        #expect(reading.status == 0)
        #expect(reading.stdout.contains("Run 1 · pipeline big · running · exit 1: still running"))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let database = try Store.open(path: city.store)
        // Opening the store rolled the killed transaction back from that journal and set the log again.
        #expect(!FileManager.default.fileExists(atPath: city.store + "-journal"))
        #expect(try database.queryScalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.queryScalarText("SELECT status FROM runs WHERE run_id = 1") == "running")
        // The 100,000 rows ingest had staged were rolled back with its transaction.
        #expect(try RunLedger(database: database).stages(of: 1).map(\.status) == [.running, .pending])
        #expect(try database.queryScalarInt("SELECT count(*) FROM stg_gongan_household WHERE run_id = 1") == 0)
        let resumed = try runBinary(["run", "--resume", "1", "--store", city.store])
        #expect(resumed.status == 0)
        #expect(resumed.stderr.contains("cleared a stale lock left by a process that is gone (pid \(process.processIdentifier)"))
        #expect(resumed.stdout.contains("Run 1 · pipeline big · done · exit 0: no defects\n"))
        #expect(resumed.stderr.contains("run 1 resumes with the pipeline definition stored when it started (\(city.pipeline)); the file says the same"))
        #expect(try database.queryScalarInt("SELECT count(*) FROM stg_gongan_household WHERE run_id = 1") == Int64(city.rows))
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household WHERE run_id = 1") == Int64(city.rows))
        // The file changes after the run started: a resume says it keeps the stored definition, and what differs.
        try #"{"name": "big", "description": "edited", "catalog": "elsewhere", "dataRoot": "data", "stages": ["ingest"]}"#
            .write(toFile: city.pipeline, atomically: true, encoding: .utf8)
        let again = try runBinary(["run", "--resume", "1", "--store", city.store])
        #expect(again.stderr.contains("run 1 resumes with the pipeline definition stored when it started (\(city.pipeline)); the file now differs "
                                      + "in catalog, datasets, description, divisions, stages (not used: start a new run to use it)"))
        #expect(again.status == 1)
        #expect(errorMessage(again.stderr) == "run 1 finished every stage; nothing to resume (use `onesource stage NAME --run 1` to re-run one)")
        // The audit trail has the run, its resumption and the file with its hash.
        let actions = try database.rows("SELECT action FROM audit ORDER BY audit_id").compactMap { $0[0].text }
        #expect(actions.first == "run_started")
        #expect(actions.contains("run_resumed") && actions.contains("file_ingested") && actions.last == "run_finished")
    }

    @Test func theAuditTrailIsAppendOnly() throws {
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("a.sqlite").path)
        let audit = AuditTrail(database: database)
        try audit.record("tasks_exported", path: "/tmp/x", counts: "agency gongan, 3 tasks", outcome: "written")
        #expect(throws: SQLiteError.self) { try database.run("UPDATE audit SET outcome = 'forged'") }
        #expect(throws: SQLiteError.self) { try database.run("DELETE FROM audit") }
        let query = AuditQuery(database: database, catalog: try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path))
        let entries = try query.entries(since: CivilDate.of(Date()), until: CivilDate.of(Date()))
        #expect(entries.map(\.action) == ["tasks_exported"])
        #expect(entries.first?.user == Clock.userName())
        #expect(try query.entries(since: CivilDate.of(Date()).adding(days: 1)).isEmpty)
    }

    @Test func aSecondLockInTheSameStoreIsRefusedAndReleasedOnExit() throws {
        let store = try Paths.temporaryDirectory().appendingPathComponent("l.sqlite").path
        do {
            let first = try WriterLock(storePath: store, purpose: "first")
            #expect(first.clearedStale == nil)
            do {
                _ = try WriterLock(storePath: store, purpose: "second")
                Issue.record("the second lock should be refused")
            } catch let WriterLockError.busy(_, holder) {
                #expect(holder.hasSuffix(": first"))
            }
        }
        let third = try WriterLock(storePath: store, purpose: "third")
        #expect(third.clearedStale == nil)   // released cleanly: nothing stale
    }
}
