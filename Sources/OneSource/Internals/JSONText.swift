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

    static func append(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += "\\/"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// A JSON whole number: JSON `true` is an NSNumber too, told apart by its type code ("c"), not by `is Bool`
/// (which holds for 1 as well); 1.5 is not one.
func wholeNumber(_ value: Any?) -> Int? {
    guard let number = value as? NSNumber, String(cString: number.objCType) != "c" else { return nil }
    return value as? Int
}
