/// Looks values up in a code table: the code itself, its meaning, or one of its aliases.
public struct CodeLookup: Sendable {
    public let table: CodeTable
    // Keyed by bytes: values are mostly short Chinese words, which Swift would normalize to hash.
    private let codes: Set<ByteKey>
    private let byName: [ByteKey: String]
    private let codeWidth: Int?

    public init(_ table: CodeTable) {
        self.table = table
        codes = Set(table.codes.map { ByteKey($0.code) })
        var names: [ByteKey: String] = [:]
        for code in table.codes {
            names[ByteKey(code.meaning)] = names[ByteKey(code.meaning)] ?? code.code
            for alias in code.aliases { names[ByteKey(alias)] = names[ByteKey(alias)] ?? code.code }
        }
        byName = names
        let widths = Set(table.codes.map(\.code.count))
        codeWidth = table.codes.allSatisfy({ $0.code.allSatisfy(\.isNumber) }) && widths.count == 1 ? widths.first : nil
    }

    public func standardize(_ raw: String) -> StandardResult {
        var (text, changes) = TextNormalizer.normalize(raw)
        if text.isEmpty { return .empty }
        if codes.contains(ByteKey(text)) { return .valid(text, changes) }
        if let width = codeWidth, text.count < width, TextNormalizer.isDigits(text) {
            let padded = String(repeating: "0", count: width - text.count) + text
            if codes.contains(ByteKey(padded)) { return .valid(padded, changes + [.zeroPadded]) }
        }
        if let code = byName[ByteKey(text)] {
            changes.append(.mappedToCode)
            text = code
            return .valid(text, changes)
        }
        return .invalid(StandardFailure("not_in_table", "\(table.standard.map { "\($0) " } ?? "")\(table.name)中没有此代码"), changes)
    }
}
