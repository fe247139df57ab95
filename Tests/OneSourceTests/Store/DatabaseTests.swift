import Foundation
import Testing
@testable import OneSource

@Suite struct DatabaseTests {
    @Test func createsTheFileOwnerOnlyInWALMode() throws {
        let dir = try Paths.temporaryDirectory()
        let path = dir.appendingPathComponent("sub/store.sqlite").path
        let database = try Store.open(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("sub").path)
        #expect((folder[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try database.queryScalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.queryScalarInt("PRAGMA page_size") == 16384)
        #expect(try database.queryScalarInt("PRAGMA user_version") == Int64(Schema.currentVersion))
        // Large sorts spill personal data to temporary files: SQLite is pointed at an owner-only folder by the store.
        let temporary = try FileManager.default.attributesOfItem(atPath: Store.temporaryFolder(for: path))
        #expect(Store.temporaryFolder(for: path) == dir.appendingPathComponent("sub/sqlite-tmp").path)
        #expect((temporary[.posixPermissions] as? NSNumber)?.intValue == 0o700)
    }

    @Test func migratesOnceAndRefusesANewerSchema() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path
        _ = try Store.open(path: path)
        let again = try Store.open(path: path)   // a second open runs no migration twice
        #expect(try again.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 1)
        try again.execute("PRAGMA user_version = 99")
        #expect(throws: StoreError.self) { try Store.open(path: path) }
    }

    /// Migration 13 rebuilds the tasks with their status checked by comparisons: every task and its events are kept,
    /// an unknown status is still refused, and inserting or updating a task no longer builds a temporary b-tree.
    @Test func migration13KeepsTheTasksAndChecksTheirStatusWithoutATemporaryTable() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("v12.sqlite").path
        let old = try Database(path: path)
        for index in 0..<12 {
            try old.execute(Schema.migrations[index])
            try old.execute("PRAGMA user_version = \(index + 1)")
        }
        try old.execute("INSERT INTO runs (run_id, pipeline, pipeline_path, definition, started_at, status, user_name, host_name) VALUES (1, 'p', 'p.json', '{}', 't', 'done', 'u', 'h')")
        try old.execute("""
            INSERT INTO tasks (task_id, identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, message,
                               first_run, last_seen_run, changed_run, issued_on, due_on, due_from, due_days, accepted_value)
            VALUES (7, 'r|a|d|k|e', 'conforms', 'verify', '公安局', 'gongan_household', '320902199001011234', 'person.name', 'error', 'accepted',
                    '张三', '姓名不符合标准', 1, 1, 1, '2026-12-01', '2026-12-10', '2026-12-01', 7, '张三')
            """)
        try old.execute("INSERT INTO task_events (task_id, run_id, at, from_status, to_status, note) VALUES (7, 1, 't', NULL, 'open', '下发')")
        let before = try old.rows("SELECT * FROM tasks")
        let migrated = try Store.open(path: path)
        #expect(try migrated.queryScalarInt("PRAGMA user_version") == 13)
        #expect(try migrated.rows("SELECT * FROM tasks") == before)
        #expect(try migrated.rows("SELECT task_id, to_status, note FROM task_events") == [[.integer(7), .text("open"), .text("下发")]])
        #expect(try migrated.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE tbl_name = 'tasks' AND type = 'index'") == 4)
        #expect(throws: SQLiteError.self) { try migrated.execute("UPDATE tasks SET status = 'closed' WHERE task_id = 7") }
        try migrated.execute("UPDATE tasks SET status = 'reopened' WHERE task_id = 7")
        #expect(try migrated.queryScalarText("SELECT status FROM tasks WHERE task_id = 7") == "reopened")
        let plan = try migrated.rows("EXPLAIN UPDATE tasks SET status = 'open' WHERE task_id = 7").map { $0[1] }
        #expect(plan.contains(.text("Halt")))
        #expect(!plan.contains(.text("OpenEphemeral")))
    }

    @Test func aCacheSizeForOneStepIsSetBackAfterItEvenWhenItFails() throws {
        let database = try Database(path: ":memory:")
        try database.setCacheSize(kiB: 12_345)
        let inside = try database.withCacheSize(kiB: 4096) { try database.queryScalarInt("PRAGMA cache_size") }
        #expect(inside == -4096)
        #expect(try database.queryScalarInt("PRAGMA cache_size") == -12_345)
        #expect(throws: SQLiteError.self) { try database.withCacheSize(kiB: 1024) { try database.execute("SELECT * FROM missing") } }
        #expect(try database.queryScalarInt("PRAGMA cache_size") == -12_345)
    }

    @Test func bindsAndReadsTypedValues() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (a INTEGER, b REAL, c TEXT, d TEXT)")
        try database.run("INSERT INTO t VALUES (?, ?, ?, ?)", [.integer(9_007_199_254_740_993), .real(1.5), .text("泰州"), .null])
        let statement = try database.prepare("INSERT INTO t (c) VALUES (?)")
        let bytes: [UInt8] = Array("海陵区".utf8)
        try bytes.withUnsafeBufferPointer { try statement.bindText(utf8: $0, at: 1) }
        try statement.run()
        let rows = try database.rows("SELECT a, b, c, d FROM t ORDER BY rowid")
        #expect(rows == [[.integer(9_007_199_254_740_993), .real(1.5), .text("泰州"), .null], [.null, .null, .text("海陵区"), .null]])
    }

    @Test func errorsCarryTheMessageAndTheSQL() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        try database.run("INSERT INTO t VALUES (1)")
        do {
            try database.run("INSERT INTO t VALUES (1)")
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.code == .constraintPrimaryKey)
            #expect(error.description == "SQLite error SQLITE_CONSTRAINT (1555 extended): UNIQUE constraint failed: t.id - while inserting into t")
            #expect(error.sql == "INSERT INTO t VALUES (1)")
        }
        #expect(throws: SQLiteError.self) { try database.prepare("SELEC 1") }
    }

    /// A failing statement of a stage runs to kilobytes: the message names what it was doing, not its text.
    @Test func errorsNameTheStatementsPurposeNotItsText() {
        let long = "INSERT INTO \"std_gongan_household\" (staging_rowid, run_id) VALUES " + Array(repeating: "(?, ?)", count: 900).joined(separator: ", ")
        let full = SQLiteError(code: 13, message: "database or disk is full", sql: long)
        #expect(full.description == "SQLite error SQLITE_FULL (13): database or disk is full - while inserting into \"std_gongan_household\" "
                + "(the disk holding the store, its write-ahead log or its sqlite-tmp folder is full: free space and run again)")
        #expect(SQLiteError.purpose(of: "  DELETE FROM stg_a WHERE rowid BETWEEN ? AND ?") == "deleting from stg_a")
        #expect(SQLiteError.purpose(of: "CREATE INDEX IF NOT EXISTS \"std_a_errors\" ON std_a (run_id)") == "creating index \"std_a_errors\"")
        #expect(SQLiteError.purpose(of: "CREATE TABLE t(a)") == "creating table t")
        #expect(SQLiteError.purpose(of: "SELECT s.file_id FROM (SELECT 1) u LEFT JOIN std_a s") == "reading the store")
        #expect(SQLiteError.purpose(of: "WITH x AS (SELECT 1 FROM (SELECT 2)) SELECT * FROM\nbase_persons") == "reading base_persons")
        #expect(SQLiteError.purpose(of: "UPDATE tasks SET status = 'open'") == "updating tasks")
        #expect(SQLiteError.purpose(of: "PRAGMA journal_mode=WAL") == "setting journal_mode=WAL")
        #expect(SQLiteError.purpose(of: "COMMIT") == "committing the transaction")
        #expect(ResultCode(rawValue: 522).description == "SQLITE_IOERR (522 extended)")
        #expect(ResultCode(rawValue: 522).primary == .ioError)
    }

    @Test func transactionRollsBackOnAThrow() throws {
        struct Boom: Error {}
        let path = try Paths.temporaryDirectory().appendingPathComponent("t.sqlite").path
        let database = try Database(path: path)
        try database.execute("CREATE TABLE t (x)")
        #expect(throws: Boom.self) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        try database.transaction { try database.run("INSERT INTO t VALUES (2)") }
        #expect(try database.rows("SELECT x FROM t") == [[.integer(2)]])
    }
    @Test func scratchTablesRollBackWithTheTransactionAndGoWithTheScratchDatabase() throws {
        struct Boom: Error {}
        let path = try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path
        let database = try Database(path: path)
        try database.execute("CREATE TABLE t (x)")
        func schemas() throws -> [String] { try database.rows("SELECT name FROM pragma_database_list ORDER BY seq").compactMap { $0[0].text } }
        let inside = try database.withScratch { scratch in
            #expect(scratch == "scratch")
            #expect(try schemas() == ["main", "scratch"])
            #expect(try database.queryScalarInt("PRAGMA scratch.page_size") == 16384)
            #expect(try database.queryScalarText("PRAGMA scratch.journal_mode") == "memory")
            try database.execute("CREATE TABLE scratch.m (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
            #expect(throws: Boom.self) {
                try database.transaction {
                    try database.run("INSERT INTO scratch.m VALUES ('a', 1)")
                    try database.run("INSERT INTO t VALUES (1)")
                    throw Boom()
                }
            }
            #expect(try database.queryScalarInt("SELECT count(*) FROM scratch.m") == 0)
            try database.transaction {
                try database.run("INSERT INTO scratch.m VALUES ('b', 2)")
                try database.run("INSERT INTO t SELECT v FROM scratch.m")
            }
            return try database.rows("SELECT k, v FROM scratch.m")
        }
        #expect(inside == [[.text("b"), .integer(2)]])
        #expect(try schemas() == ["main"])
        #expect(throws: SQLiteError.self) { try database.rows("SELECT * FROM scratch.m") }
        #expect(try database.rows("SELECT x FROM t") == [[.integer(2)]])
        // SQLite attaches only outside a transaction: asked inside one, it says so and nothing is attached.
        #expect(throws: SQLiteError.self) { try database.transaction { try database.withScratch { _ in } } }
        #expect(try schemas() == ["main"])
        // Attached again afterwards, the scratch database starts empty.
        #expect(try database.withScratch { _ in try database.queryScalarInt("SELECT count(*) FROM scratch.sqlite_master") } == 0)
    }

    @Test func theCheckpointerCopiesTheLogInTheBackgroundAndGivesTheWriterItsCheckpointBack() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("c.sqlite").path
        let database = try Store.open(path: path)
        let before = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        let checkpointer = try Checkpointer(writer: database, thresholdBytes: 1 << 20)
        #expect(try database.queryScalarInt("PRAGMA wal_autocheckpoint") == 0)
        try database.execute("CREATE TABLE t (x TEXT)")
        try database.transaction {
            for i in 0..<4000 { try database.run("INSERT INTO t VALUES (?)", [.text(String(repeating: "x", count: 1000) + String(i))]) }
        }
        // Committed pages reach the database file only through a checkpoint: the writer's own is off, so the
        // background one did it.
        var size = before
        for _ in 0..<100 where size < before + (4 << 20) {
            Thread.sleep(forTimeInterval: 0.05)
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        }
        #expect(size >= before + (4 << 20))
        checkpointer.stop()
        #expect(try database.queryScalarInt("PRAGMA wal_autocheckpoint") == 1000)
        #expect(try database.queryScalarInt("SELECT count(*) FROM t") == 4000)
    }

    /// A transaction of new pages runs with a rollback journal when the writer is alone (its pages go into the file
    /// once), with the log when another connection has the store open; either way the log is set back after it, also
    /// when it throws.
    @Test func aBulkTransactionUsesARollbackJournalOnlyWhenTheWriterIsAlone() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("r.sqlite").path
        let database = try Store.open(path: path)
        try database.execute("CREATE TABLE t (x TEXT)")
        func insert(_ count: Int) throws {
            try database.transaction {
                for i in 0..<count { try database.run("INSERT INTO t VALUES (?)", [.text(String(repeating: "y", count: 500) + String(i))]) }
            }
        }
        let (mode, alone) = try database.withRollbackJournal {
            try insert(3000)
            return try database.queryScalarText("PRAGMA journal_mode")
        }
        #expect(mode == "delete")
        #expect(alone == .rollback)
        #expect(try database.queryScalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.queryScalarInt("PRAGMA synchronous") == 1)   // NORMAL again
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"))

        // Another connection open, as a reader in another process would be: the log, and nothing waits.
        do {
            let reader = try Database(path: path, mode: .readOnly)
            #expect(try reader.queryScalarInt("SELECT count(*) FROM t") == 3000)
            let (modeBeside, beside) = try database.withRollbackJournal {
                try insert(10)
                return try database.queryScalarText("PRAGMA journal_mode")
            }
            #expect(modeBeside == "wal")
            guard case .writeAheadLog(let reason) = beside else { Issue.record("expected the log, got \(beside)"); return }
            #expect(reason.contains("locked"))
            #expect(try reader.queryScalarInt("SELECT count(*) FROM t") == 3010)
        }

        // The reader gone, a failure inside rolls its transaction back and still sets the log back.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try database.withRollbackJournal {
                try database.transaction {
                    try database.run("INSERT INTO t VALUES ('z')")
                    #expect(try database.queryScalarText("PRAGMA journal_mode") == "delete")
                    throw Stop()
                }
            }
        }
        #expect(try database.queryScalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.queryScalarInt("SELECT count(*) FROM t") == 3010)
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
    }

    /// Paused, the checkpointer closes its connection, so the writer is alone and may leave the log; afterwards it goes on
    /// and stops as before.
    @Test func aPausedCheckpointerLeavesTheWriterAlone() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("p.sqlite").path
        let database = try Store.open(path: path)
        let checkpointer = try Checkpointer(writer: database, thresholdBytes: 1 << 10)
        try database.execute("CREATE TABLE t (x INTEGER)")
        try database.run("INSERT INTO t VALUES (1)")
        let (_, paused) = try checkpointer.paused { try database.withRollbackJournal { try database.run("INSERT INTO t VALUES (2)") } }
        #expect(paused == .rollback)
        #expect(try database.queryScalarText("PRAGMA journal_mode") == "wal")
        checkpointer.stop()
        #expect(try database.queryScalarInt("PRAGMA wal_autocheckpoint") == 1000)
        #expect(try database.queryScalarInt("SELECT sum(x) FROM t") == 3)
    }

    /// Background connections are closed before the work that opened them says it is done, and the checkpointer's
    /// thread never holds the writer, so the store's own connection is closed when its last user lets it go, and last:
    /// its close checkpoints the log and removes it and its index. (A run whose process exited before the checkpointer's
    /// thread had let go of the writer, or while a reader's connection was still open, left `-wal` and `-shm` behind.)
    @Test func theStoresConnectionClosesLastAfterTheCheckpointerAndASortedReader() throws {
        let path = try Paths.temporaryDirectory().appendingPathComponent("l.sqlite").path
        do {
            let database = try Store.open(path: path)
            let checkpointer = try Checkpointer(writer: database, thresholdBytes: 1 << 10)
            try database.execute("CREATE TABLE t (k TEXT, n INTEGER, v TEXT)")
            try database.transaction {
                for i in 0..<5000 { try database.run("INSERT INTO t VALUES (?, ?, ?)", [.text(String(4999 - i)), .int(i), .text("v\(i)")]) }
            }
            let rows = SortedRows(path: path, sql: "SELECT k, n, v FROM t ORDER BY k", arguments: [], ints: 1, texts: 1, yielding: true)
            var keys = 0, sum: Int64 = 0
            try rows.advance()
            while rows.key != nil { keys += 1; sum += rows.int(0); try rows.advance() }
            #expect(keys == 5000)
            #expect(sum == 12_497_500)
            checkpointer.stop()
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        }
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
    }
}
