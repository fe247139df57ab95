import Foundation

/// Consistent copies of the store, and putting one back.
///
/// A backup is SQLite's `VACUUM INTO` on a read-only connection: one read transaction, so the copy is the store as
/// of one commit even while readers and a run are active (the run is neither blocked nor seen half-way). The copy is
/// created owner-only (0600) before SQLite writes it, checked (`PRAGMA quick_check`), hashed and recorded in the
/// store's audit trail.
public enum Backup {
    /// A written or restored copy.
    public struct Outcome: Sendable, Equatable {
        public let path: String
        public let bytes: Int64
        public let sha256: String
        public let schemaVersion: Int
        public let runs: Int
        public let latestRun: Int64?
        /// Whether the audit entry could be written in the store (not on a read-only store).
        public var audited = true

        public var summary: String {
            "\(path): \(bytes) bytes, sha256 \(sha256), schema \(schemaVersion), \(runs) run(s)"
                + (latestRun.map { " (latest \($0))" } ?? "") + ", quick_check ok"
        }
    }

    /// Writes a copy of the store at `store` to the new file `target`.
    /// - Parameter waitForWriter: how long to wait, in seconds, for a running night's transaction before the audit
    ///   entry is written. The copy itself waits only while ingest writes with a rollback journal, up to two minutes
    ///   (see `Store.openForReading`).
    /// - Throws: `BackupError` when `target` exists, or the copy fails its check; `SQLiteError`, `StoreError`.
    public static func write(store: String, to target: String, waitForWriter: Int = 3600) throws -> Outcome {
        guard !FileManager.default.fileExists(atPath: target) else { throw BackupError.exists(target) }
        let source = try Store.openForReading(path: store)
        let folder = (target as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) { try PrivateFile.makeFolder(folder) }
        // Written under a temporary name, created owner-only before SQLite writes it (VACUUM INTO accepts an empty
        // file), checked, then renamed: a file under the backup's name is always a complete, sound copy.
        let partial = target + ".partial"
        let fd = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw BackupError.cannotWrite(partial, String(cString: strerror(errno))) }
        close(fd)
        var outcome: Outcome
        do {
            try source.run("VACUUM INTO ?", [.text(partial)])
            let checked = try check(partial)
            outcome = Outcome(path: target, bytes: checked.bytes, sha256: checked.sha256, schemaVersion: checked.schemaVersion,
                              runs: checked.runs, latestRun: checked.latestRun)
            guard rename(partial, target) == 0 else { throw BackupError.cannotWrite(target, String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
        do {
            let database = try Database(path: store, busyTimeout: waitForWriter)
            try AuditTrail(database: database).record("store_backed_up", path: target, size: outcome.bytes, sha256: outcome.sha256,
                                                      counts: "schema \(outcome.schemaVersion), \(outcome.runs) runs"
                                                          + (outcome.latestRun.map { ", latest \($0)" } ?? ""), outcome: "written")
        } catch let error as SQLiteError where error.code.primary == .readOnly || error.code.primary == .cannotOpen {
            outcome.audited = false
        }
        return outcome
    }

    /// Checks a copy: SQLite's quick check, its schema and runs, its SHA-256.
    public static func check(_ path: String) throws -> Outcome {
        guard FileManager.default.fileExists(atPath: path) else { throw BackupError.cannotRead(path, "no such file") }
        let copy: Database
        let check: String
        do {
            copy = try Database(path: path, mode: .readOnly)
            check = try copy.queryScalarText("PRAGMA quick_check") ?? "no answer"
        } catch let error as SQLiteError {
            throw BackupError.damaged(path, error.message)
        }
        guard check == "ok" else { throw BackupError.damaged(path, check) }
        let version = Int(try copy.queryScalarInt("PRAGMA user_version") ?? 0)
        guard version > 0, version <= Schema.currentVersion,
              try copy.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 1 else {
            throw BackupError.notAStore(path, version)
        }
        let runs = Int(try copy.queryScalarInt("SELECT count(*) FROM runs") ?? 0)
        let latest = try copy.queryScalarInt("SELECT max(run_id) FROM runs")
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return Outcome(path: path, bytes: size, sha256: try hash(path), schemaVersion: version, runs: runs, latestRun: latest)
    }

    /// Puts the copy at `backup` in the place of the store at `store`, which is kept beside it as `<store>.replaced-<time>`
    /// with its log. The caller holds the store's writer lock; readers still open keep reading the replaced file.
    /// - Returns: the checked copy, and where the replaced store went (nil when there was none).
    public static func restore(_ backup: String, to store: String) throws -> (Outcome, replaced: String?) {
        let outcome = try check(backup)
        let fm = FileManager.default
        let incoming = store + ".restoring"
        try? fm.removeItem(atPath: incoming)
        try copy(backup, to: incoming)
        var replaced: String?
        if fm.fileExists(atPath: store) {
            let aside = store + ".replaced-" + Clock.now().replacingOccurrences(of: ":", with: "")
            try fm.moveItem(atPath: store, toPath: aside)
            // The replaced store's log and index, and the journal of a write it was left in the middle of, go with it:
            // left behind they would be applied to the restored file.
            for suffix in ["-wal", "-shm", "-journal"] where fm.fileExists(atPath: store + suffix) {
                try fm.moveItem(atPath: store + suffix, toPath: aside + suffix)
            }
            replaced = aside
        }
        try fm.moveItem(atPath: incoming, toPath: store)
        let database = try Store.open(path: store)
        try AuditTrail(database: database).record("store_restored", path: backup, size: outcome.bytes, sha256: outcome.sha256,
                                                  counts: "schema \(outcome.schemaVersion), \(outcome.runs) runs; replaced store kept at \(replaced ?? "-")",
                                                  outcome: "restored")
        return (outcome, replaced)
    }

    /// Copies a file to a new owner-only file, synced.
    private static func copy(_ source: String, to target: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw BackupError.cannotRead(source, String(cString: strerror(errno))) }
        defer { close(input) }
        let output = open(target, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard output >= 0 else { throw BackupError.cannotWrite(target, String(cString: strerror(errno))) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw BackupError.cannotRead(source, String(cString: strerror(errno))) }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + written, n - written) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { throw BackupError.cannotWrite(target, String(cString: strerror(errno))) }
                written += w
            }
        }
        guard fsync(output) == 0 else { throw BackupError.cannotWrite(target, String(cString: strerror(errno))) }
    }

    static func hash(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BackupError.cannotRead(path, String(cString: strerror(errno))) }
        defer { close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            buffer.withUnsafeBufferPointer { hasher.update(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalizeHex()
    }
}

/// A backup that cannot be written or used.
public enum BackupError: Error, CustomStringConvertible {
    case exists(String)
    case cannotWrite(String, String)
    case cannotRead(String, String)
    case damaged(String, String)
    case notAStore(String, Int)

    public var description: String {
        switch self {
        case .exists(let path): return "\(path) exists: a backup is written to a new file, never over one"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): return "cannot read \(path): \(reason)"
        case .damaged(let path, let check): return "\(path) is not a sound SQLite database: \(check.prefix(300))"
        case .notAStore(let path, let version): return "\(path) is not a OneSource store this build can use (schema version \(version))"
        }
    }
}
