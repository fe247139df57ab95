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
        let database = try Database(path: path)
        try Schema.migrate(database)
        return database
    }
}
