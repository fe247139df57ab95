import Foundation

/// Opens the OneSource store: the SQLite file, its folder (created owner-only) and its schema.
public enum Store {
    /// Where the store lives unless `--store` says otherwise (git-ignored).
    public static let defaultPath = "var/onesource.sqlite"

    /// Opens or creates the store at `path` and migrates it to the current schema.
    public static func open(path: String) throws -> Database {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        try useTemporaryFolder(for: path)
        let database = try Database(path: path)
        try Schema.migrate(database)
        return database
    }

    /// The owner-only folder where SQLite spills large sorts (load and compare sort whole datasets; the
    /// files hold personal data, and SQLite unlinks each as soon as it is open): `sqlite-tmp` next to the store.
    public static func temporaryFolder(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent("sqlite-tmp")
    }

    /// Points SQLite's temporary files at the store's private folder, unless the operator set SQLITE_TMPDIR.
    /// SQLite reads the variable once, when it initializes: the first store a process opens decides (the
    /// command-line tool opens one).
    private static func useTemporaryFolder(for path: String) throws {
        guard path != ":memory:" else { return }
        let folder = temporaryFolder(for: path)
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        setenv("SQLITE_TMPDIR", folder, 0)
    }
}
