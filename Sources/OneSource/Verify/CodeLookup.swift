/// Looks values up in a code table: the code itself, its meaning, or one of its aliases.
public struct CodeLookup: Sendable {
    public let table: CodeTable
    /// What a text is in the table: a code, and the code it names when it is a meaning or an alias (the first code
    /// that has it). By bytes: values are mostly short Chinese words, which Swift would normalize to hash.
    private struct Entry: Sendable {
        var isCode = false
        var names: String?
    }
    private let entries: FrozenTextTable<Entry>
    private let codeWidth: Int?

    public init(_ table: CodeTable) {
        self.table = table
        // The codes first, then the names in catalog order: a text that is both is a code, and a name keeps its first code.
        var entries = table.codes.map { (key: $0.code, value: Entry(isCode: true)) }
        for code in table.codes {
            for name in [code.meaning] + code.aliases { entries.append((name, Entry(names: code.code))) }
        }
        self.entries = FrozenTextTable(entries) { entry, next in
            entry.isCode = entry.isCode || next.isCode
            entry.names = entry.names ?? next.names
        }
        let widths = Set(table.codes.map(\.code.count))
        codeWidth = table.codes.allSatisfy({ $0.code.allSatisfy(\.isNumber) }) && widths.count == 1 ? widths.first : nil
    }

    public func standardize(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        let entry = entries[text]
        if entry?.isCode == true { return .valid(text, changes) }
        // Digits are ASCII: their count is their bytes' (no grapheme breaking).
        if let width = codeWidth, text.utf8.count < width, TextNormalizer.isDigits(text) {
            let padded = String(repeating: "0", count: width - text.utf8.count) + text
            if entries[padded]?.isCode == true { return .valid(padded, changes + [.zeroPadded]) }
        }
        if let code = entry?.names {
            changes.append(.mappedToCode)
            text = code
            return .valid(text, changes)
        }
        return .invalid(StandardFailure("not_in_table", "\(table.standard.map { "\($0) " } ?? "")\(table.name)中没有此代码"), changes)
    }
}
