internal import CSQLite
import Foundation

/// One connection to a SQLite database file.
///
/// A connection is used from one thread at a time; it is deliberately not `Sendable`.
/// The file is created readable and writable by its owner only (mode 0600), in WAL mode.
public final class Database {
    /// The page cache of every connection to a store file, in KiB.
    public static let cacheKiB = 64 * 1024

    private let handle: OpaquePointer
    /// The path of the database file.
    public let path: String

    /// Global SQLite settings, applied once before the first connection.
    private static let configured: Bool = {
        _ = onesource_sqlite3_disable_memstatus()
        return true
    }()

    /// How a connection may use the file.
    public enum Mode: Sendable {
        /// Reads and writes; the file is created (owner-only) when missing.
        case readWrite
        /// Reads only (`SQLITE_OPEN_READONLY`): nothing is created, nothing can be written. Takes SQLite's shared
        /// locks, so it reads a consistent state while another process writes.
        case readOnly
        /// Reads a file nobody can write (SQLite's `immutable`): no locks and no `-shm` file, for a store on a
        /// read-only file system or in a folder this user may not write, where a read-only connection cannot
        /// open the write-ahead log's index.
        case immutable
    }

    /// Whether this connection may write.
    public let mode: Mode

    /// Opens the database at `path`; in `.readWrite` mode the file is created (owner-only) when missing.
    /// - Throws: `SQLiteError` if the file cannot be opened, cannot be written in `.readWrite` mode, or WAL mode
    ///   cannot be set.
    /// - Parameter busyTimeout: how long, in seconds, a statement waits for another connection's lock, from the first
    ///   statement on.
    public init(path: String, mode: Mode = .readWrite, busyTimeout: Int = 5) throws {
        _ = Database.configured
        self.path = path
        self.mode = mode
        busyTimeoutMilliseconds = Int32(clamping: busyTimeout * 1000)
        let created = path != ":memory:" && mode == .readWrite ? try Database.createPrivately(path) : false
        var db: OpaquePointer?
        var name = path
        var flags = SQLITE_OPEN_NOMUTEX
        switch mode {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            name = "file:" + Database.uriEscaped(path) + "?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, Int32(clamping: busyTimeout * 1000))
        // SQLite opens a file it may not write read-only without a word; a command that writes must know now.
        if mode == .readWrite && sqlite3_db_readonly(db, "main") == 1 {
            throw SQLiteError(code: SQLITE_READONLY, message: "\(path) can only be read by this user or on this file system, and this command writes it")
        }
        if path != ":memory:" && mode == .readWrite {
            // 16 KiB pages for a new file (an existing one keeps its size): stages write millions of rows in one
            // transaction, and with 4 KiB pages the write-ahead log holds four times the frames to search
            // (1M city: 24-27 s -> 22-23 s; 4M city: load 55 s -> 39 s).
            try execute("PRAGMA page_size=16384")
            if created {
                // Space freed by pruning goes back to the file system a few pages at a time (`PRAGMA incremental_vacuum`,
                // see `Retention`); only a new file can take this without a full VACUUM. After the page size: setting
                // it fixes the file's header.
                try execute("PRAGMA auto_vacuum=INCREMENTAL")
            }
            try useWriteAheadLog()
            // Stages write millions of rows in one transaction: a larger page cache keeps B-tree pages from spilling.
            try execute("PRAGMA cache_size=-\(Database.cacheKiB)")
        }
        if mode != .readWrite { try execute("PRAGMA cache_size=-\(Database.cacheKiB)") }
        try execute("PRAGMA foreign_keys=ON")
        // Large sorts (load and compare read datasets in key order) spill to temporary files instead of
        // growing memory with the data; the sort itself may use a second thread.
        try execute("PRAGMA temp_store=FILE")
        try execute("PRAGMA threads=\(min(4, ProcessInfo.processInfo.activeProcessorCount))")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Creates the file with mode 0600 before SQLite first opens it, so it is never world-readable (SQLite gives
    /// its -wal and -shm files the same permissions). Only when it does not exist yet (O_EXCL): an existing store is
    /// never opened or closed outside SQLite, since closing any descriptor of a file drops the POSIX locks SQLite's
    /// connections in this process hold on it ("How To Corrupt An SQLite Database File", 2.2).
    /// - Returns: whether the file was created now.
    private static func createPrivately(_ path: String) throws -> Bool {
        let fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd); return true }
        guard errno == EEXIST else {
            let reason = String(cString: strerror(errno))
            throw SQLiteError(code: errno == EROFS || errno == EACCES ? SQLITE_READONLY : SQLITE_CANTOPEN,
                              message: "cannot create \(path): \(reason)")
        }
        return false
    }

    /// `path` with the characters a URI filename gives a meaning (`%`, `?`, `#`) percent-encoded.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "?": out += "%3F"
            case "#": out += "%23"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Lets this connection only read: every statement prepared from now on may select and read, call functions
    /// and recurse, nothing else (no write, ATTACH, PRAGMA or schema change), as SQLite's authorizer enforces;
    /// only `PRAGMA cache_size` stays, for the connection's own page cache. For statements a user wrote (the
    /// catalog's SQL rules).
    public func allowOnlyReading() {
        let authorizer: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                        UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32 = { _, action, first, _, _, _ in
            switch action {
            case SQLITE_READ:
                // A pragma read as a table (pragma_table_info …) is a pragma all the same.
                return first.map { strncmp($0, "pragma_", 7) == 0 } == true ? SQLITE_DENY : SQLITE_OK
            case SQLITE_SELECT, SQLITE_FUNCTION, SQLITE_RECURSIVE: return SQLITE_OK
            case SQLITE_PRAGMA: return first.map { strcmp($0, "cache_size") == 0 } == true ? SQLITE_OK : SQLITE_DENY
            default: return SQLITE_DENY
            }
        }
        sqlite3_set_authorizer(handle, authorizer, nil)
    }

    /// Turns a SQLite result code into a thrown error carrying the message and SQL.
    @discardableResult
    func check(_ rc: Int32, sql: String? = nil) throws -> Int32 {
        switch rc {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE:
            return rc
        default:
            throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
        }
    }

    /// Runs one or more SQL statements that return no rows.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// Prepares a statement for repeated execution.
    public func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        try check(sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil), sql: sql)
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", sql: sql)
        }
        return Statement(database: self, handle: statement, sql: sql)
    }

    /// Runs `body` in a transaction begun with `BEGIN IMMEDIATE`; commits when it returns,
    /// rolls back and rethrows the first error when it throws.
    public func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` with a private scratch database attached as `scratch` (the name `body` is given): a temporary file of
    /// SQLite's own, deleted when it is detached, for large tables that live only while `body` runs. Detaching discards
    /// them whole, where dropping a table walks every page of it to free it (the merged persons of the 1M city took
    /// 0.6 s to drop). Call it outside a transaction: SQLite attaches and detaches only there. Nobody else ever reads
    /// the file, so it has no journal file and is never synced; its changes still roll back with the transaction.
    public func withScratch<R>(_ body: (String) throws -> R) throws -> R {
        let schema = "scratch"
        try execute("ATTACH DATABASE '' AS \(schema)")
        defer { try? execute("DETACH DATABASE \(schema)") }
        try execute("PRAGMA \(schema).page_size=16384; PRAGMA \(schema).journal_mode=MEMORY; PRAGMA \(schema).synchronous=OFF")
        return try body(schema)
    }

    /// Rolls back a write transaction whose process died while it held a rollback journal (`withRollbackJournal`): the
    /// journal is then "hot", and only a connection allowed to write may put the pages it holds back (a read-only one
    /// fails with `SQLITE_READONLY_ROLLBACK`). Opens the file for writing without changing its journal mode, reads
    /// its schema (which rolls the journal back) and closes it. Nothing happens when no journal is hot.
    public static func rollBackInterruptedWrite(path: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        defer { if let db { sqlite3_close_v2(db) } }
        guard rc == SQLITE_OK, let db else {
            throw SQLiteError(code: rc, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database")
        }
        sqlite3_busy_timeout(db, 5_000)
        let sql = "SELECT count(*) FROM sqlite_master"
        let result = sqlite3_exec(db, sql, nil, nil, nil)
        guard result == SQLITE_OK else { throw SQLiteError(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), sql: sql) }
    }

    /// How `withRollbackJournal` wrote.
    public enum JournalUsed: Sendable, Equatable {
        /// A rollback journal: new pages went straight into the file, once.
        case rollback
        /// The write-ahead log as always, because another connection had the store open (`reason`).
        case writeAheadLog(reason: String)
    }

    /// Runs `body`, a transaction that writes mostly pages the file does not have yet, with a rollback journal instead
    /// of the write-ahead log, when this is the only connection to the store; then sets the log back.
    ///
    /// Through the log each new page is written twice, to the log and then, by a checkpoint, into the file, and read
    /// once between (1M city: ingest's 450 MB; copying them into the file took the other core about 1.5-2 s beside
    /// load). A rollback journal holds only the earlier content of pages that existed before the transaction, and pages
    /// taken from the free list are not journaled (250k city, a third night reusing the pages retention freed: the journal
    /// stayed at 1.1 MB), so a transaction that appends keeps a journal of a few pages. `synchronous=FULL` meanwhile, as
    /// a rollback journal needs for the durability the log gives with NORMAL.
    ///
    /// SQLite leaves the log only when no other connection has the file open, so this never waits: with another
    /// connection open (a reader in another process, or one of this process left open) `body` runs with the log, as
    /// always. While `body` runs, a connection that opens the store may have to wait for the transaction (its busy
    /// timeout; once the writer's changed pages outgrow its cache, SQLite locks the file for them) instead of reading the
    /// state before it. Call it outside a transaction, with no other connection of this process open.
    public func withRollbackJournal<R>(_ body: () throws -> R) throws -> (R, JournalUsed) {
        guard path != ":memory:", mode == .readWrite else { return (try body(), .writeAheadLog(reason: "not a store file")) }
        let switched: String?
        do {
            switched = try withBusyTimeout(milliseconds: 0) { try queryScalarText("PRAGMA journal_mode=DELETE") }
        } catch {
            return (try body(), .writeAheadLog(reason: "\(error)"))
        }
        guard switched?.lowercased() == "delete" else { return (try body(), .writeAheadLog(reason: "journal_mode answered \(switched ?? "nothing")")) }
        // The log comes back waiting up to a minute for readers that opened the store meanwhile to finish what they read
        // (leaving the rollback journal needs the file to itself for a moment).
        func back() throws { try withBusyTimeout(milliseconds: max(busyTimeoutMilliseconds, 60_000)) { try useWriteAheadLog() } }
        let result: R
        do {
            try execute("PRAGMA synchronous=FULL")
            result = try body()
        } catch {
            try? back()
            throw error
        }
        try back()
        return (result, .rollback)
    }

    /// The write-ahead log, with `synchronous=NORMAL` (durable in this mode; see `withRollbackJournal`).
    private func useWriteAheadLog() throws {
        let mode = try queryScalarText("PRAGMA journal_mode=WAL")
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "journal_mode answered \(mode ?? "nothing"), not wal", sql: "PRAGMA journal_mode=WAL")
        }
        try execute("PRAGMA synchronous=NORMAL")
    }

    /// Runs `body` with this connection's busy timeout set to `milliseconds`, then sets back the one `init` gave it.
    private func withBusyTimeout<T>(milliseconds: Int32, _ body: () throws -> T) rethrows -> T {
        sqlite3_busy_timeout(handle, milliseconds)
        defer { sqlite3_busy_timeout(handle, busyTimeoutMilliseconds) }
        return try body()
    }

    /// Sets this connection's page cache, in KiB (a reader of each page once keeps it small; a reader of a base at
    /// random keeps it large).
    public func setCacheSize(kiB: Int) throws {
        try execute("PRAGMA cache_size=-\(kiB)")
    }

    /// Runs `body` with this connection's page cache set to `kiB`, then sets back the size it had. The cache size also
    /// bounds how much of a sort SQLite keeps in memory before it writes a sorted run to a temporary file, so a large
    /// sort under a small cache holds less memory (see `BaseTable.sortCacheKiB`).
    public func withCacheSize<R>(kiB: Int, _ body: () throws -> R) throws -> R {
        let previous = try queryScalarInt("PRAGMA cache_size") ?? -Int64(Database.cacheKiB)
        try setCacheSize(kiB: kiB)
        defer { try? execute("PRAGMA cache_size=\(previous)") }
        return try body()
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY (`init`'s `busyTimeout`).
    private let busyTimeoutMilliseconds: Int32

    /// The rowid of the last inserted row on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The number of rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Convenience: the first column of the first row as text, or nil.
    public func queryScalarText(_ sql: String, _ arguments: [SQLValue] = []) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.text(0) : nil
    }

    /// Convenience: the first column of the first row as an integer, or nil.
    public func queryScalarInt(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        return try statement.step() ? statement.optionalInt64(0) : nil
    }

    /// Runs a statement with arguments that returns no rows.
    public func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        try statement.run()
    }

    /// All rows of a query, each as an array of values.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        var result: [[SQLValue]] = []
        while try statement.step() {
            result.append((0..<statement.columnCount).map { statement.value($0) })
        }
        return result
    }

    /// Calls `body` with the statement on each row of a query; columns are read by name (`statement.text("status")`).
    public func forEach(_ sql: String, _ arguments: [SQLValue] = [], _ body: (Statement) throws -> Void) throws {
        let statement = try prepare(sql)
        try statement.bind(arguments)
        while try statement.step() { try body(statement) }
    }

    /// Each row of a query made into a value by `make`, which reads the statement's columns by name.
    public func map<T>(_ sql: String, _ arguments: [SQLValue] = [], _ make: (Statement) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEach(sql, arguments) { result.append(try make($0)) }
        return result
    }

    /// Version of the linked SQLite library.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

@available(*, unavailable)
extension Database: Sendable {}
