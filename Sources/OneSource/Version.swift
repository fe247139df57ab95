/// Which OneSource this is, for `onesource --version` and bug reports.
public enum Version {
    /// The release: raised with every change to the schema or to what a run decides.
    public static let release = "0.10.0"

    /// One line: the release, the store schema it writes, and the SQLite it runs on.
    public static var description: String {
        "onesource \(release) (store schema \(Schema.currentVersion), SQLite \(Database.libraryVersion))"
    }
}
