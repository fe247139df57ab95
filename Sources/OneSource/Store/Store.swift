import Foundation

/// Opens the OneSource store: the SQLite file, its folder (created owner-only) and its schema.
public enum Store {
    /// Where the store lives unless `--store` says otherwise (git-ignored).
    public static let defaultPath = "var/onesource.sqlite"

    /// Opens or creates the store at `path` for writing and migrates it to the current schema.
    /// A command that writes holds the store's `WriterLock` first.
    public static func open(path: String) throws -> Database {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try useTemporaryFolder(for: path, create: true)
        let database = try Database(path: path)
        try Schema.migrate(database)
        return database
    }

    /// Opens the store at `path` for a command that only reads: nothing is created (not the file, its folder or
    /// the temporary folder), nothing can be written, and a run writing meanwhile is not disturbed. On a file
    /// system this user cannot write, the file is read as immutable. A store of an older schema is migrated first
    /// when it can be written and nobody is writing it.
    /// - Throws: `StoreError.noStore` when there is no file; `StoreError.olderSchema` when it needs a migration that
    ///   cannot be made now; `StoreError.newerSchema`; `SQLiteError`.
    public static func openForReading(path: String) throws -> Database {
        var isFolder: ObjCBool = false
        guard path != ":memory:" else { return try open(path: path) }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
            throw StoreError.noStore(path: path)
        }
        try useTemporaryFolder(for: path, create: false)
        var database = try readingConnection(path)
        let version = Int(try database.queryScalarInt("PRAGMA user_version") ?? 0)
        if version > Schema.currentVersion {
            throw StoreError.newerSchema(path: path, found: version, supported: Schema.currentVersion)
        }
        if version < Schema.currentVersion {
            do {
                let lock = try WriterLock(storePath: path, purpose: "migrating the store from schema \(version) to \(Schema.currentVersion)")
                try withExtendedLifetime(lock) { _ = try open(path: path) }
            } catch let error as WriterLockError {
                throw StoreError.olderSchema(path: path, found: version, current: Schema.currentVersion, why: error.description)
            } catch let error as SQLiteError where error.code.primary == .readOnly {
                throw StoreError.olderSchema(path: path, found: version, current: Schema.currentVersion, why: error.message)
            }
            database = try readingConnection(path)
        }
        return database
    }

    /// A read-only connection, immutable where a read-only one cannot read (no `-shm` file and no right to make one).
    ///
    /// While ingest writes with a rollback journal (`Database.withRollbackJournal`), a reader waits for its commit
    /// instead of reading the state before it: up to two minutes, longer than ingest of a 4M-person city takes. A run
    /// killed meanwhile leaves its journal "hot": it is rolled back first when this user may write the store, and
    /// otherwise the store is not read at all (read as immutable, the file could show pages of the unfinished write).
    private static func readingConnection(_ path: String) throws -> Database {
        let folder = (path as NSString).deletingLastPathComponent
        let mayWrite = access(path, W_OK) == 0 && access(folder.isEmpty ? "." : folder, W_OK) == 0
        func open() throws -> Database {
            let database = try Database(path: path, mode: .readOnly, busyTimeout: 120)
            _ = try database.queryScalarInt("SELECT count(*) FROM sqlite_master")
            return database
        }
        do {
            return try open()
        } catch let error as SQLiteError where error.code == .readOnlyRollback {
            guard mayWrite else { throw StoreError.interruptedWrite(path: path) }
            try Database.rollBackInterruptedWrite(path: path)
            return try open()
        } catch let error as SQLiteError where [ResultCode.cannotOpen, .readOnly, .ioError].contains(error.code.primary) {
            guard !mayWrite else { throw error }
            if FileManager.default.fileExists(atPath: path + "-journal") { throw StoreError.interruptedWrite(path: path) }
            let database = try Database(path: path, mode: .immutable)
            _ = try database.queryScalarInt("SELECT count(*) FROM sqlite_master")
            return database
        }
    }

    /// The owner-only folder where SQLite spills large sorts (load and compare sort whole datasets; the
    /// files hold personal data, and SQLite unlinks each as soon as it is open): `sqlite-tmp` next to the store.
    public static func temporaryFolder(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("sqlite-tmp")
    }

    /// Points SQLite's temporary files at the store's private folder, unless the operator set SQLITE_TMPDIR;
    /// a command that only reads uses the folder when it is there and creates nothing.
    private static func useTemporaryFolder(for path: String, create: Bool) throws {
        guard path != ":memory:" else { return }
        let folder = temporaryFolder(for: path)
        if !FileManager.default.fileExists(atPath: folder) {
            guard create else { return }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        pointTemporaryFiles(forStoreAt: path)
    }

    /// Tells SQLite to put its temporary files in the folder of the store at `path` (`temporaryFolder`), unless the
    /// operator set SQLITE_TMPDIR. Nothing is created: SQLite skips a folder that is not there, and opening the store
    /// creates it. SQLite reads the variable once, when it first initializes in the process, and any connection does
    /// that, an in-memory one too (a run's check compiles the catalog's SQL rules in one before the store is opened):
    /// a process that opens a store calls this before its first connection, or SQLite's spilled sorts, which hold
    /// personal data, go to /var/tmp.
    public static func pointTemporaryFiles(forStoreAt path: String) {
        guard path != ":memory:" else { return }
        setenv("SQLITE_TMPDIR", temporaryFolder(for: path), 0)
    }
}
