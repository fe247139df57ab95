/// An error reported by SQLite, with the message SQLite gave and the SQL that was running.
public struct SQLiteError: Error, CustomStringConvertible, Equatable {
    /// The primary or extended SQLite result code.
    public let code: Int32
    /// SQLite's own message (`sqlite3_errmsg`).
    public let message: String
    /// The statement being prepared or executed, if any.
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String {
        if let sql {
            return "SQLite error \(code): \(message) - while executing `\(sql)`"
        }
        return "SQLite error \(code): \(message)"
    }
}
