import Foundation

/// Writes small JSON objects of strings exactly as `JSONSerialization` with `.sortedKeys` does (compact,
/// keys in order, "/" escaped), without its cost: load writes one per quarantined record.
enum JSONText {
    static func object(_ members: [String: String]) -> String {
        var out = "{"
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            append(key, to: &out)
            out += ":"
            append(members[key]!, to: &out)
        }
        return out + "}"
    }

    /// Appends `text` as a JSON string. The runs between characters that need an escape go in whole (a report is
    /// mostly Chinese text with none): scalar by scalar, this was a third of the report stage's instructions.
    static func append(_ text: String, to out: inout String) {
        out += "\""
        let utf8 = text.utf8
        var run = utf8.startIndex
        var position = utf8.startIndex
        while position != utf8.endIndex {
            let byte = utf8[position]
            // Only ASCII needs an escape; bytes of a longer UTF-8 sequence are all 0x80 or above.
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") {
                out += text[run..<position]
                switch byte {
                case UInt8(ascii: "\""): out += "\\\""
                case UInt8(ascii: "\\"): out += "\\\\"
                case UInt8(ascii: "/"): out += "\\/"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                case 0x08: out += "\\b"
                case 0x0C: out += "\\f"
                default:
                    let hex = String(byte, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
                run = utf8.index(after: position)
            }
            position = utf8.index(after: position)
        }
        out += text[run..<utf8.endIndex]
        out += "\""
    }
}

/// A JSON whole number: JSON `true` is an NSNumber too, told apart by its type code ("c"), not by `is Bool`
/// (which holds for 1 as well); 1.5 is not one.
func wholeNumber(_ value: Any?) -> Int? {
    guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
    return value as? Int
}

/// A JSON value built with its types known, for documents written often enough that `JSONSerialization`'s
/// dynamic casts and key sorting cost more than building them: a report's open tasks are thousands of objects.
enum JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral,
                ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }

    /// A string, or null.
    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// A whole number, or null.
    static func int(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }
    static func int(_ value: Int64?) -> JSONValue { value.map { .int(Int($0)) } ?? .null }
    /// An object from a dictionary of whole numbers.
    static func counts(_ values: [String: Int]) -> JSONValue { .object(values.map { (key: $0.key, value: .int($0.value)) }) }
    static func numbers(_ values: [String: Double]) -> JSONValue { .object(values.map { (key: $0.key, value: .double($0.value)) }) }

    /// The text `JSONSerialization` writes with `[.prettyPrinted, .sortedKeys]`: two-space indents, `"key" : value`,
    /// an empty container as an opening and a closing line with an empty line between, "/" escaped, a whole double
    /// without ".0", keys in Foundation's order (numeric, case-insensitive, then forced). `JSONTextTests` holds it
    /// to `JSONSerialization` on this platform.
    func prettyPrinted() -> String {
        var out = ""
        var order = JSONKeyOrder()
        write(to: &out, indent: 0, order: &order)
        return out
    }

    private func write(to out: inout String, indent: Int, order: inout JSONKeyOrder) {
        switch self {
        case .string(let text): JSONText.append(text, to: &out)
        case .int(let number): out += String(number)
        case .double(let number):
            let text = number.description
            out += text.hasSuffix(".0") ? String(text.dropLast(2)) : text
        case .bool(let flag): out += flag ? "true" : "false"
        case .null: out += "null"
        case .array(let elements):
            out += "[\n"
            for (index, element) in elements.enumerated() {
                if index > 0 { out += ",\n" }
                out += String(repeating: " ", count: indent + 2)
                element.write(to: &out, indent: indent + 2, order: &order)
            }
            out += "\n" + String(repeating: " ", count: indent) + "]"
        case .object(let members):
            out += "{\n"
            for (index, position) in order.sorted(members.map(\.key)).enumerated() {
                if index > 0 { out += ",\n" }
                out += String(repeating: " ", count: indent + 2)
                JSONText.append(members[position].key, to: &out)
                out += " : "
                members[position].value.write(to: &out, indent: indent + 2, order: &order)
            }
            out += "\n" + String(repeating: " ", count: indent) + "}"
        }
    }
}

/// Foundation's key order, remembered per set of keys: a document repeats the same few shapes of object many times.
private struct JSONKeyOrder {
    private var known: [[String]: [Int]] = [:]

    /// The positions of `keys` in sorted order.
    mutating func sorted(_ keys: [String]) -> [Int] {
        if let positions = known[keys] { return positions }
        let positions = keys.indices.sorted { a, b in
            keys[a].compare(keys[b], options: [.numeric, .caseInsensitive, .forcedOrdering], range: nil, locale: NSLocale.system)
                == .orderedAscending
        }
        known[keys] = positions
        return positions
    }
}
