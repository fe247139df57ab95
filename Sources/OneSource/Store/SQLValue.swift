/// A value bound to or read from SQLite.
public enum SQLValue: Equatable, Sendable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let value): return String(value)
        case .real(let value): return String(value)
        case .text(let value): return value
        }
    }

    /// The value as text, or nil for NULL.
    public var text: String? {
        switch self {
        case .null: return nil
        case .text(let value): return value
        default: return description
        }
    }

    /// The value as an integer, or nil when it is not one.
    public var integer: Int64? {
        switch self {
        case .integer(let value): return value
        case .text(let value): return Int64(value)
        case .real(let value): return Int64(exactly: value)
        case .null: return nil
        }
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    /// Text, or NULL when the optional is nil.
    public static func optional(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    /// An integer from a Swift `Int`.
    public static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }
}
