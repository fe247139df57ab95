import Foundation
import Testing
@testable import OneSource

/// The store is read while the night runs: the operator's commands, the sqlite3 shell, a refused second writer.
@Suite struct StoreConcurrencyTests {
    /// A generated city, run once alone and once with readers hammering the store; both runs must decide the same.
    @Test func readersDuringARunLeaveItAsItWouldBeAlone() throws {
        let root = try Paths.temporaryDirectory()
        let city = root.appendingPathComponent("city").path
        _ = try CityGenerator(persons: 3000, seed: 21, defectRate: 0.02, output: city,
                              pipelines: Paths.packageRoot.appendingPathComponent("Pipelines").path).write()
        let alone = root.appendingPathComponent("alone/s.sqlite").path
        let busy = root.appendingPathComponent("busy/s.sqlite").path
        let first = try runBinary(["run", city + "/nightly.json", "--store", alone, "--as-of", "2026-12-01"])
        #expect(first.status == 3)

        // The second run stops inside load's transaction (a base written, not committed) until the test says go.
        let go = root.appendingPathComponent("go").path
        let (process, reached) = try startAtFailpoint(["run", city + "/nightly.json", "--store", busy, "--as-of", "2026-12-01"],
                                                      failpoint: "load:1:\(go)")
        #expect(reached)

        let readers: [[String]] = [
            ["runs", "--store", busy], ["summary", "--run", "1", "--store", busy], ["findings", "--run", "1", "--limit", "5", "--store", busy],
            ["tasks", "list", "--limit", "5", "--store", busy], ["tasks", "summary", "--store", busy], ["audit", "--limit", "5", "--store", busy],
            ["lookup", "321202199001010019", "--store", busy],
            // A writer refused by the lock must not disturb the run either (it opened the store before, once).
            ["tasks", "import-replies", city + "/nightly.json", "--store", busy],
        ]
        var rounds = 0
        var statuses: [String: Set<Int32>] = [:]
        func readOnce() throws {
            for words in readers {
                let result = try runBinary(words)
                statuses[words[0] + " " + words[1], default: []].insert(result.status)
            }
            // A read-write connection, as the sqlite3 shell opens one, reading the tables the run writes.
            let shell = try Database(path: busy)
            _ = try shell.queryScalarInt("SELECT count(*) FROM findings")
            _ = try shell.queryScalarInt("SELECT count(*) FROM run_files")
            rounds += 1
        }
        try readOnce()
        // While the run is paused inside its transaction, readers see the state before it: load has not committed.
        #expect(try runBinary(["summary", "--run", "1", "--store", busy]).stdout.contains("Run 1 · pipeline generated-city · running · exit 1: still running"))
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        while process.isRunning { try readOnce() }
        process.waitUntilExit()
        #expect(process.terminationStatus == 3)
        #expect(rounds >= 2)
        #expect(statuses["runs --store"] == [0])
        #expect(statuses["summary --run"] == [0])
        #expect(statuses["findings --run"] == [0])
        #expect(statuses["tasks list"] == [0])
        #expect(statuses["audit --limit"] == [0])
        #expect(statuses["lookup 321202199001010019"] == [3])   // not in the city: nothing known, exit 3
        // Refused while the run writes (75); a last round after the run ended reads the pipeline file as replies (1).
        #expect(statuses["tasks import-replies"]?.contains(75) == true)
        #expect(statuses["tasks import-replies"]?.isSubset(of: [75, 1]) == true)
        let a = try Store.openForReading(path: alone), b = try Store.openForReading(path: busy)
        #expect(try storeFingerprint(a, run: 1) == storeFingerprint(b, run: 1))
        #expect(try b.queryScalarText("SELECT status FROM runs WHERE run_id = 1") == "done_with_defects")
        #expect(try b.queryScalarText("PRAGMA integrity_check") == "ok")
    }

    /// Commands that only read create nothing: no store, no folder, no temporary folder.
    @Test func readingAStoreThatIsNotThereCreatesNothing() throws {
        let root = try Paths.temporaryDirectory()
        let path = root.appendingPathComponent("nonexistent/x.sqlite").path
        for words in [["summary", "--run", "1"], ["runs"], ["findings", "--run", "1"], ["tasks", "list"], ["audit"], ["lookup", "x"]] {
            let result = try runBinary(words + ["--store", path])
            #expect(result.status == 1, "\(words)")
            #expect(errorMessage(result.stderr) == "no store at \(path) (a run creates it: onesource run Pipelines/nightly.json --store \(path))", "\(words)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path) == [])
    }
}

/// Runs the binary with a folder made read-only: by permissions for an ordinary user, in a private mount namespace
/// with a read-only bind mount for root (whom permissions do not stop).
enum ReadOnlyFolder {
    static let asRoot = getuid() == 0
    /// Whether this machine can make a folder read-only for the binary.
    static let available: Bool = {
        guard asRoot else { return true }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-rm", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,ro,bind /tmp /tmp && ! touch /tmp/.onesource-ro-probe"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    static func run(_ folder: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard asRoot else {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files { chmod(folder + "/" + file, 0o400) }
            chmod(folder, 0o500)
            defer {
                chmod(folder, 0o700)
                for file in files { chmod(folder + "/" + file, 0o600) }
            }
            return try runBinary(arguments)
        }
        let quoted = ([Paths.binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try runProgram(URL(fileURLWithPath: "/usr/bin/unshare"),
                              ["-rm", "sh", "-c", "mount --bind '\(folder)' '\(folder)' && mount -o remount,ro,bind '\(folder)' '\(folder)' && exec \(quoted)"])
    }
}

/// A store whose write was interrupted while ingest held a rollback journal (`Database.withRollbackJournal`): the file
/// and its journal, copied in the middle of a transaction whose changed pages had already gone into the file.
struct InterruptedWrite {
    let folder: String
    let store: String

    init() throws {
        let root = try Paths.temporaryDirectory()
        let original = root.appendingPathComponent("original.sqlite").path
        folder = root.appendingPathComponent("store").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = folder + "/s.sqlite"
        let database = try Store.open(path: original)
        try database.execute("CREATE TABLE t (x TEXT)")
        try database.transaction {
            for i in 0..<2000 { try database.run("INSERT INTO t VALUES (?)", [.text(String(repeating: "v", count: 500) + String(i))]) }
        }
        let (_, journal) = try database.withRollbackJournal {
            // A cache of 10 pages: the update's changed pages go into the file long before any commit.
            try database.execute("PRAGMA cache_size=10")
            try database.execute("BEGIN")
            try database.run("UPDATE t SET x = 'changed'")
            try FileManager.default.copyItem(atPath: original, toPath: store)
            try FileManager.default.copyItem(atPath: original + "-journal", toPath: store + "-journal")
            try database.execute("ROLLBACK")
        }
        #expect(journal == .rollback)
    }
}

@Suite struct InterruptedWriteTests {
    /// Read as immutable, the file would show the unfinished update; a reader allowed to write rolls it back first.
    @Test func aReaderPutsBackAnInterruptedWriteBeforeReading() throws {
        let left = try InterruptedWrite()
        let unsafe = left.folder + "/unsafe.sqlite"
        try FileManager.default.copyItem(atPath: left.store, toPath: unsafe)
        let raw = try Database(path: unsafe, mode: .immutable)
        #expect(try raw.queryScalarInt("SELECT count(*) FROM t WHERE x = 'changed'") ?? 0 > 0)

        let reader = try Store.openForReading(path: left.store)
        #expect(try reader.queryScalarInt("SELECT count(*) FROM t WHERE x = 'changed'") == 0)
        #expect(try reader.queryScalarInt("SELECT count(*) FROM t") == 2000)
        #expect(!FileManager.default.fileExists(atPath: left.store + "-journal"))
        #expect(try reader.queryScalarText("PRAGMA integrity_check") == "ok")
    }

    /// A reader that may not write the store cannot put the write back, and does not read it either.
    @Test(.enabled(if: ReadOnlyFolder.available)) func aReaderThatMayNotWriteRefusesAnInterruptedWrite() throws {
        let left = try InterruptedWrite()
        let runs = try ReadOnlyFolder.run(left.folder, ["runs", "--store", left.store])
        #expect(runs.status == 1)
        #expect(errorMessage(runs.stderr) == "store \(left.store) was left in the middle of a write (a run was stopped while ingest wrote; "
                + "\(left.store)-journal holds what it changed): reading it now could show half of that write. It is put back when a user who "
                + "may write the store and its folder opens it: as that user, run any onesource command on it (onesource runs --store "
                + "\(left.store)), or resume the run.")
        #expect(FileManager.default.fileExists(atPath: left.store + "-journal"))
    }
}

@Suite struct ReadOnlyStoreTests {
    /// A store on a file system that cannot be written: read commands work (immutable, no -shm), a run says why it
    /// cannot and exits 1, not 75 (nothing to wait for).
    @Test(.enabled(if: ReadOnlyFolder.available)) func aReadOnlyStoreCanBeReadAndARunSaysWhyNot() throws {
        let root = try Paths.temporaryDirectory()
        let folder = root.appendingPathComponent("store").path
        let store = folder + "/s.sqlite"
        #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-01"]).status == 3)
        // The last connection's close checkpointed the log and removed it and its index.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["reports", "s.sqlite", "s.sqlite.lock", "sqlite-tmp"])
        let runs = try ReadOnlyFolder.run(folder, ["runs", "--store", store])
        #expect(runs.status == 0)
        #expect(runs.stdout.hasPrefix("run  pipeline  status             started"))
        #expect(runs.stdout.contains("  1  nightly   done_with_defects  "))
        let summary = try ReadOnlyFolder.run(folder, ["summary", "--run", "1", "--store", store])
        #expect(summary.status == 0)
        #expect(summary.stdout.hasPrefix("Run 1 · pipeline nightly · done_with_defects · exit 3: "))
        let tasks = try ReadOnlyFolder.run(folder, ["tasks", "list", "--limit", "1", "--store", store])
        #expect(tasks.status == 0)
        #expect(tasks.stdout.hasSuffix("1 task(s); personal data masked\n"))
        let run = try ReadOnlyFolder.run(folder, ["run", "Pipelines/nightly.json", "--store", store])
        #expect(run.status == 1)
        #expect(errorMessage(run.stderr)?.hasPrefix("cannot write the store's lock file \(store).lock: ") == true)
        #expect(run.stderr.contains("this command writes the store (read commands such as `onesource runs` and `onesource summary` work"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["reports", "s.sqlite", "s.sqlite.lock", "sqlite-tmp"])
    }

    /// Read-only and immutable connections read the store and can write nothing.
    @Test func readOnlyAndImmutableConnectionsReadButNeverWrite() throws {
        let root = try Paths.temporaryDirectory()
        let path = root.appendingPathComponent("s.sqlite").path
        _ = try Store.open(path: path)
        let database = try Database(path: path, mode: .readOnly)
        #expect(throws: Never.self) { try database.queryScalarInt("SELECT count(*) FROM runs") }
        #expect(throws: SQLiteError.self) { try database.execute("CREATE TABLE x (a)") }
        let immutable = try Database(path: path, mode: .immutable)
        #expect(try immutable.queryScalarInt("PRAGMA user_version") == Int64(Schema.currentVersion))
        #expect(throws: SQLiteError.self) { try immutable.execute("CREATE TABLE x (a)") }
    }
}
