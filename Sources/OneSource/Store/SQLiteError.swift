/// A SQLite result code: the primary code in its low byte, an extended code's detail above it
/// (`SQLITE_IOERR_SHORT_READ` is 522 = `SQLITE_IOERR` 10 | 2 << 8). Named after SQLite's constants.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (`SQLITE_CONSTRAINT` for `SQLITE_CONSTRAINT_PRIMARYKEY`).
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    public static let error = ResultCode(rawValue: 1)
    public static let permission = ResultCode(rawValue: 3)
    public static let busy = ResultCode(rawValue: 5)
    public static let locked = ResultCode(rawValue: 6)
    public static let readOnly = ResultCode(rawValue: 8)
    public static let ioError = ResultCode(rawValue: 10)
    public static let corrupt = ResultCode(rawValue: 11)
    public static let full = ResultCode(rawValue: 13)
    public static let cannotOpen = ResultCode(rawValue: 14)
    public static let constraint = ResultCode(rawValue: 19)
    public static let misuse = ResultCode(rawValue: 21)
    public static let authorization = ResultCode(rawValue: 23)
    public static let notADatabase = ResultCode(rawValue: 26)
    public static let constraintPrimaryKey = ResultCode(rawValue: 1555)
    /// `SQLITE_READONLY_ROLLBACK`: a connection that may not write found a journal of a write that was interrupted.
    public static let readOnlyRollback = ResultCode(rawValue: 776)

    /// SQLite's name of the primary code.
    public var name: String {
        let names: [Int32: String] = [
            1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT", 5: "SQLITE_BUSY", 6: "SQLITE_LOCKED",
            7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT", 10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT",
            12: "SQLITE_NOTFOUND", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 15: "SQLITE_PROTOCOL", 16: "SQLITE_EMPTY",
            17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG", 19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE",
            22: "SQLITE_NOLFS", 23: "SQLITE_AUTH", 24: "SQLITE_FORMAT", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB",
        ]
        return names[primary.rawValue] ?? "SQLite code \(primary.rawValue)"
    }

    public var description: String { rawValue == primary.rawValue ? "\(name) (\(rawValue))" : "\(name) (\(rawValue) extended)" }
}

/// An error reported by SQLite, with the message SQLite gave and the statement that was running.
public struct SQLiteError: Error, CustomStringConvertible, CustomDebugStringConvertible, Equatable {
    /// The primary or extended SQLite result code.
    public let code: ResultCode
    /// SQLite's own message (`sqlite3_errmsg`).
    public let message: String
    /// The statement being prepared or executed, if any.
    public let sql: String?

    public init(code: ResultCode, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public init(code: Int32, message: String, sql: String? = nil) {
        self.init(code: ResultCode(rawValue: code), message: message, sql: sql)
    }

    /// What the statement was doing, in a few words (`inserting into "std_persons"`), not its text: a stage's
    /// statements run to kilobytes, and the person reading the error needs the table and the cause.
    public var purpose: String? { sql.map(SQLiteError.purpose(of:)) }

    /// A hint for the causes a person can act on.
    var hint: String? {
        switch code.primary {
        case .full: return "the disk holding the store, its write-ahead log or its sqlite-tmp folder is full: free space and run again"
        case .readOnly: return "the store can only be read (file permissions or a read-only file system)"
        case .busy, .locked: return "another process holds the store; try again when it has finished"
        case .corrupt, .notADatabase: return "the store file is damaged: restore it from a backup (see the README, Backup)"
        default: return nil
        }
    }

    public var description: String {
        var text = "SQLite error \(code): \(message)"
        if let purpose { text += " - while \(purpose)" }
        if let hint { text += " (\(hint))" }
        return text
    }

    /// The description with the whole statement, for a developer.
    public var debugDescription: String { description + (sql.map { "\n\($0)" } ?? "") }

    /// The verb and object of a statement: its first words, a table's name after INTO, FROM, UPDATE or TABLE.
    static func purpose(of sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "(" })
        /// The word after the first `keyword` that is followed by a name (not by a subquery).
        func after(_ keyword: String) -> String? {
            for index in words.indices.dropLast() where words[index].uppercased() == keyword {
                let next = words[index + 1].uppercased()
                if next != "SELECT" && next != "WITH" { return String(words[index + 1].prefix(80)) }
            }
            return nil
        }
        let first = words.first?.uppercased() ?? ""
        switch first {
        case "INSERT", "REPLACE": return "inserting into \(after("INTO") ?? "a table")"
        case "UPDATE": return "updating \(words.count > 1 ? String(words[1].prefix(80)) : "a table")"
        case "DELETE": return "deleting from \(after("FROM") ?? "a table")"
        case "CREATE":
            if let index = after("INDEX") { return "creating index \(index == "IF" ? after("EXISTS") ?? "" : index)" }
            if let table = after("TABLE") { return "creating table \(table == "IF" ? after("EXISTS") ?? "" : table)" }
            return "changing the schema"
        case "DROP", "ALTER": return "changing the schema"
        case "SELECT", "WITH": return "reading \(after("FROM") ?? "the store")"
        case "PRAGMA": return "setting \(words.count > 1 ? String(words[1].prefix(60)) : "a pragma")"
        case "BEGIN": return "beginning a transaction"
        case "COMMIT", "END": return "committing the transaction"
        case "ROLLBACK": return "rolling back the transaction"
        case "VACUUM": return "vacuuming the store"
        default: return "running `\(sql.prefix(60))\(sql.count > 60 ? "…" : "")`"
        }
    }
}
