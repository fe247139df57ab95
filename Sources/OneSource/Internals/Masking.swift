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

    /// Masks a delivered value and the value it should have been so that the difference stays visible: where the two
    /// masked forms would read the same (姓名“武**”与权威来源的值“武**”不一致 says nothing), the characters in which
    /// they differ are shown, and only those, while at least one character stays hidden. Values of different lengths are
    /// masked as usual.
    public static func maskPair(_ observed: String, _ expected: String, kind: String?) -> (String, String) {
        let maskedObserved = mask(observed, kind: kind), maskedExpected = mask(expected, kind: kind)
        guard kind != nil, maskedObserved == maskedExpected, observed != expected else { return (maskedObserved, maskedExpected) }
        let a = Array(observed), b = Array(expected), masked = Array(maskedObserved)
        guard a.count == b.count, masked.count == a.count else { return (maskedObserved, maskedExpected) }
        var left = masked, right = masked
        for index in a.indices where a[index] != b[index] {
            left[index] = a[index]
            right[index] = b[index]
        }
        // Never the whole value: when the difference is all that was hidden (a two-character name), keep the mask.
        guard left.contains("*"), right.contains("*") else { return (maskedObserved, maskedExpected) }
        return (String(left), String(right))
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
