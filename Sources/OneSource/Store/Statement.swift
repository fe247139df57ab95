internal import CSQLite

/// A prepared statement with typed binding and column reads.
///
/// Owned by its `Database` and used on the same thread; not `Sendable`.
public final class Statement {
    private let handle: OpaquePointer
    private let database: Database
    /// The SQL text, for error messages.
    public let sql: String

    /// SQLite copies bound bytes immediately when given this destructor.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(database: Database, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private func check(_ rc: Int32) throws {
        try database.check(rc, sql: sql)
    }

    /// Resets the statement and clears its bindings, ready for the next execution.
    public func reset() throws {
        sqlite3_reset(handle)
        try check(sqlite3_clear_bindings(handle))
    }

    /// Binds values to parameters 1, 2, … in order.
    public func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to the 1-based parameter `index`.
    public func bind(_ value: SQLValue, at index: Int32) throws {
        switch value {
        case .null: try check(sqlite3_bind_null(handle, index))
        case .integer(let number): try check(sqlite3_bind_int64(handle, index, number))
        case .real(let number): try check(sqlite3_bind_double(handle, index, number))
        case .text(let string): try bind(text: string, at: index)
        }
    }

    /// Binds an integer.
    public func bind(_ value: Int, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    /// Binds text from the string's UTF-8 storage (SQLite copies it); no C string is built.
    public func bind(text: String, at index: Int32) throws {
        try check(TextBytes.withBytes(of: text) { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, Statement.transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text(handle, index, $0, Int32(bytes.count), Statement.transient)
            }
        })
    }

    /// Binds NULL.
    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds UTF-8 bytes as text without building a Swift `String` (the hot path of ingest).
    public func bindText(utf8 bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        guard let base = bytes.baseAddress else {
            try check(sqlite3_bind_text(handle, index, "", 0, Statement.transient))
            return
        }
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text(handle, index, $0, Int32(bytes.count), Statement.transient)
        }
        try check(rc)
    }

    /// Whether the statement only reads (SQLite's own judgement).
    public var isReadOnly: Bool { sqlite3_stmt_readonly(handle) != 0 }

    /// The names of the statement's parameters (`:run`, `?1` …), in order; nil for an anonymous `?`.
    public var parameterNames: [String?] {
        (0..<Int(sqlite3_bind_parameter_count(handle))).map { sqlite3_bind_parameter_name(handle, Int32($0 + 1)).map { String(cString: $0) } }
    }

    /// Binds a value to the parameter called `name` (e.g. `:run`); does nothing when the statement has none.
    public func bind(_ value: SQLValue, named name: String) throws {
        let index = sqlite3_bind_parameter_index(handle, name)
        if index > 0 { try bind(value, at: index) }
    }

    /// Executes one step; returns true when a row is available.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        try check(rc)
        return false
    }

    /// Binds UTF-8 bytes as text without copying them. The bytes must stay valid until the next
    /// `step()` has returned; call `resetKeepingBindings()` or rebind before they go away.
    public func bindTextNoCopy(utf8 bytes: UnsafeBufferPointer<UInt8>, at index: Int32) throws {
        guard let base = bytes.baseAddress else {
            try check(sqlite3_bind_text(handle, index, "", 0, Statement.transient))
            return
        }
        let rc = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
            sqlite3_bind_text(handle, index, $0, Int32(bytes.count), nil)
        }
        try check(rc)
    }

    /// Resets the statement after a step, keeping its bindings (errors surface at the next step).
    public func resetKeepingBindings() {
        sqlite3_reset(handle)
    }

    /// Executes the statement to completion, then resets it for reuse.
    public func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Number of result columns.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// Whether the column of the current row is NULL.
    public func isNull(_ column: Int) -> Bool {
        sqlite3_column_type(handle, Int32(column)) == SQLITE_NULL
    }

    /// The rowid of the last row inserted on the statement's connection.
    public var lastInsertRowID: Int64 { database.lastInsertRowID }

    /// The column as text, or nil for NULL.
    public func text(_ column: Int) -> String? {
        guard let pointer = sqlite3_column_text(handle, Int32(column)) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column as a 64-bit integer (0 for NULL).
    public func int64(_ column: Int) -> Int64 {
        sqlite3_column_int64(handle, Int32(column))
    }

    /// The column as an `Int` (0 for NULL).
    public func int(_ column: Int) -> Int {
        Int(sqlite3_column_int64(handle, Int32(column)))
    }

    /// The column as an integer, or nil for NULL.
    public func optionalInt64(_ column: Int) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    /// The column as a typed value.
    public func value(_ column: Int) -> SQLValue {
        switch sqlite3_column_type(handle, Int32(column)) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, Int32(column)))
        default: return .text(text(column) ?? "")
        }
    }

    /// The name of a result column.
    public func columnName(_ column: Int) -> String {
        sqlite3_column_name(handle, Int32(column)).map { String(cString: $0) } ?? ""
    }

    // MARK: - Columns by name

    private var indexByName: [String: Int]?

    /// The position of the result column called `name` (as the SELECT names it, `AS` included).
    /// A name the statement does not have is a mistake in the code beside the SQL, never in the data.
    public func column(_ name: String) -> Int {
        if indexByName == nil {
            var names: [String: Int] = [:]
            for index in 0..<columnCount where names[columnName(index)] == nil { names[columnName(index)] = index }
            indexByName = names
        }
        guard let index = indexByName?[name] else { preconditionFailure("no result column \(name) in `\(sql)`") }
        return index
    }

    /// The named column as text, or nil for NULL.
    public func text(_ name: String) -> String? { text(column(name)) }
    /// The named column as an integer (0 for NULL).
    public func int64(_ name: String) -> Int64 { int64(column(name)) }
    /// The named column as an `Int` (0 for NULL).
    public func int(_ name: String) -> Int { int(column(name)) }
    /// The named column as an integer, or nil for NULL.
    public func optionalInt64(_ name: String) -> Int64? { optionalInt64(column(name)) }
    /// The named column as a typed value.
    public func value(_ name: String) -> SQLValue { value(column(name)) }
}

@available(*, unavailable)
extension Statement: Sendable {}
