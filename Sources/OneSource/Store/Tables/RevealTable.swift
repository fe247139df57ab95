/// Reveals of personal data (`reveals`): who saw which key in full, when, on which host, with what command.
public struct RevealTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Records a reveal of `key` by the current user; returns its id.
    public func record(key: String, command: String) throws -> Int64 {
        try database.run("INSERT INTO reveals (revealed_at, user_name, host_name, lookup_key, command) VALUES (?, ?, ?, ?, ?)",
                         [.text(Clock.now()), .text(Clock.userName()), .text(Clock.hostName()), .text(key), .text(command)])
        return database.lastInsertRowID
    }
}
