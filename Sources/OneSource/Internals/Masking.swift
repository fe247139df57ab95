/// Masks personal data for anything a person reads (reports, logs, listings), following the conventions
/// of Chinese government systems: identity numbers keep the first 6 and last 4 characters, names their
/// first character, phones the first 3 and last 4 digits, addresses their first 6 characters.
public enum Masking {
    public static func mask(_ value: String, kind: String?) -> String {
        switch kind {
        case "id_number": return keep(value, first: 6, last: 4)
        case "name": return keep(value, first: 1, last: 0)
        case "phone": return keep(value, first: 3, last: 4)
        case "address": return keep(value, first: 6, last: 0)
        default: return value
        }
    }

    /// Keeps `first` and `last` characters and stars the rest (at least one star when anything is hidden).
    static func keep(_ value: String, first: Int, last: Int) -> String {
        let characters = Array(value)
        guard characters.count > first + last else {
            // Too short to show both ends: show the first character at most.
            return characters.isEmpty ? "" : String(characters[0]) + String(repeating: "*", count: max(1, characters.count - 1))
        }
        let hidden = characters.count - first - last
        return String(characters[..<first]) + String(repeating: "*", count: hidden) + String(characters[(characters.count - last)...])
    }

    /// Masks a record key made of key values joined by `|`, each by its element's kind.
    /// A task's placeholder for a record without a key (`（第7条记录，无记录键）`, from its place in the delivery) holds no
    /// personal value and is shown as it is.
    public static func maskKey(_ key: String, kinds: [String?]) -> String {
        if key.hasPrefix("（第") && key.hasSuffix("）") || key == "（整个数据集）" { return key }
        let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        return zip(parts, kinds + Array(repeating: nil, count: max(0, parts.count - kinds.count)))
            .map { mask($0, kind: $1) }.joined(separator: "|")
    }
}
