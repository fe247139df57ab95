import Foundation
import Testing
@testable import OneSource

@Suite struct BackupTests {
    /// A backup taken while a run is inside load's transaction is the store as of the last commit before it, sound and
    /// owner-only; its audit entry waits for the run's transaction; the run ends as it would alone.
    @Test func aBackupDuringARunIsTheStoreAsOfOneCommit() throws {
        let root = try Paths.temporaryDirectory()
        let store = root.appendingPathComponent("s.sqlite").path
        let go = root.appendingPathComponent("go").path
        let (process, reached) = try startAtFailpoint(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-01"],
                                                      failpoint: "load:1:\(go)")
        #expect(reached)
        // The copy is made at once; the command then waits for the run's transaction to write its audit entry.
        let target = root.appendingPathComponent("backups/b.sqlite").path
        let backup = Process()
        backup.executableURL = Paths.binary
        backup.arguments = ["backup", target, "--store", store]
        let out = Pipe()
        backup.standardOutput = out
        backup.standardError = FileHandle.nullDevice
        try backup.run()
        // The copy exists (complete: SQLite wrote it before the audit entry waits) before the run is let go.
        while !FileManager.default.fileExists(atPath: target) { usleep(10_000) }
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        backup.waitUntilExit()
        process.waitUntilExit()
        #expect(backup.terminationStatus == 0)
        #expect(process.terminationStatus == 3)
        #expect(printed.hasPrefix("\(target): "))
        #expect(printed.contains(", schema \(Schema.currentVersion), 1 run(s) (latest 1), quick_check ok; "))
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let copy = try Database(path: target, mode: .readOnly)
        #expect(try copy.queryScalarText("PRAGMA integrity_check") == "ok")
        // As of the last commit before load: ingest and verify done, load running and nothing of it in the bases.
        #expect(try copy.queryScalarText("SELECT status FROM runs WHERE run_id = 1") == "running")
        #expect(try copy.rows("SELECT stage, status FROM run_stages WHERE run_id = 1 ORDER BY position").prefix(3)
                == [[.text("ingest"), .text("done_with_defects")], [.text("verify"), .text("done_with_defects")], [.text("load"), .text("running")]])
        #expect(try copy.queryScalarInt("SELECT count(*) FROM base_loads") == 0)
        #expect(try copy.queryScalarInt("SELECT count(*) FROM std_gongan_household") ?? 0 > 0)
        let database = try Store.openForReading(path: store)
        #expect(try database.queryScalarText("SELECT status FROM runs WHERE run_id = 1") == "done_with_defects")
        let entry = try database.rows("SELECT path, sha256, outcome FROM audit WHERE action = 'store_backed_up'")
        #expect(entry == [[.text(target), .text(try Backup.hash(target)), .text("written")]])
        // Never over an existing file.
        let again = try runBinary(["backup", target, "--store", store])
        #expect(again.status == 1)
        #expect(errorMessage(again.stderr) == "\(target) exists: a backup is written to a new file, never over one")
    }

    /// Restoring puts the copy in place, keeps the replaced store (with its log) beside it, and records it.
    @Test func restoreBringsBackTheStoreAsBackedUp() throws {
        let root = try Paths.temporaryDirectory()
        let store = root.appendingPathComponent("s.sqlite").path
        #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-01"]).status == 3)
        let target = root.appendingPathComponent("b.sqlite").path
        #expect(try runBinary(["backup", target, "--store", store]).status == 0)
        let before = try storeFingerprint(try Store.openForReading(path: store), run: 1)
        #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-02"]).status == 3)
        let restored = try runBinary(["restore", target, "--store", store])
        #expect(restored.status == 0)
        #expect(restored.stdout.hasPrefix("restored \(target): "))
        let database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT max(run_id) FROM runs") == 1)
        #expect(try storeFingerprint(database, run: 1) == before)
        #expect(try database.queryScalarText("SELECT action FROM audit ORDER BY audit_id DESC LIMIT 1") == "store_restored")
        let aside = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasPrefix("s.sqlite.replaced-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(aside.count == 1)
        let replaced = try Database(path: root.appendingPathComponent(aside[0]).path, mode: .readOnly)
        #expect(try replaced.queryScalarInt("SELECT max(run_id) FROM runs") == 2)
        // A file that is not a store is refused before anything moves.
        let junk = root.appendingPathComponent("junk").path
        try "不是数据库".write(toFile: junk, atomically: true, encoding: .utf8)
        let refused = try runBinary(["restore", junk, "--store", store])
        #expect(refused.status == 1)
        #expect(errorMessage(refused.stderr) == "\(junk) is not a sound SQLite database: file is not a database")
        #expect(try database.queryScalarInt("SELECT max(run_id) FROM runs") == 1)
    }

    /// A store left in the middle of a write keeps its journal when a backup replaces it: the journal goes aside with it,
    /// never onto the restored file.
    @Test func restoreTakesAnInterruptedWritesJournalAsideWithTheStore() throws {
        let left = try InterruptedWrite()
        let good = left.folder + "/good.sqlite", copy = left.folder + "/b.sqlite"
        do {
            let database = try Store.open(path: good)
            try database.execute("CREATE TABLE t (x TEXT)")
            try database.run("INSERT INTO t VALUES ('restored'), ('restored'), ('restored')")
        }
        _ = try Backup.write(store: good, to: copy)
        let (_, replaced) = try Backup.restore(copy, to: left.store)
        let aside = try #require(replaced)
        #expect(!FileManager.default.fileExists(atPath: left.store + "-journal"))
        #expect(FileManager.default.fileExists(atPath: aside + "-journal"))
        let database = try Store.openForReading(path: left.store)
        #expect(try database.queryScalarText("PRAGMA integrity_check") == "ok")
        #expect(try database.rows("SELECT x, count(*) FROM t GROUP BY x") == [[.text("restored"), .integer(3)]])
    }
}
