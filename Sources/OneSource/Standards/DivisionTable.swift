import Foundation

/// The GB/T 2260 division table shipped under `Pipelines/divisions/`: every county-level code, current and
/// retired, with the years each name was valid. Identity numbers carry the code of first registration, so
/// a retired code is normal and must be known.
public struct DivisionTable: Sendable {
    /// One period of one code.
    public struct Entry: Sendable, Equatable {
        public let code: String
        public let name: String
        /// First year valid (nil: before the records).
        public let validFrom: Int?
        /// Last year valid (nil: still valid).
        public let validTo: Int?

        public var isCurrent: Bool { validTo == nil }
    }

    private let entries: [String: [Entry]]
    /// Where the table came from (its `# source:` line).
    public let source: String

    public init(entries: [Entry], source: String) {
        var byCode: [String: [Entry]] = [:]
        for entry in entries { byCode[entry.code, default: []].append(entry) }
        self.entries = byCode
        self.source = source
    }

    /// Loads a TSV with columns code, name, valid_from, valid_to; `#` lines are comments.
    /// - Throws: `DivisionTableError` naming the file and line of a malformed row.
    public static func load(path: String) throws -> DivisionTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DivisionTableError(path: path, line: 0, message: "file not found")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(8_000)
        var source = "unknown"
        var lineNumber = 0
        let bytes = [UInt8](data)
        func number(_ slice: ArraySlice<UInt8>) -> Int? {
            slice.isEmpty ? nil : slice.reduce(0) { $0 * 10 + Int($1 &- 0x30) }
        }
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.first == UInt8(ascii: "#") {
                let text = String(decoding: line, as: UTF8.self)
                if text.hasPrefix("# source:") { source = text.dropFirst(9).trimmingCharacters(in: .whitespaces) }
                continue
            }
            if line.isEmpty || line.starts(with: Array("code\t".utf8)) { continue }
            let columns = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard columns.count == 4, columns[0].count == 6, columns[0].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  columns[2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), columns[3].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw DivisionTableError(path: path, line: lineNumber, message: "expected code<TAB>name<TAB>valid_from<TAB>valid_to")
            }
            entries.append(Entry(code: String(decoding: columns[0], as: UTF8.self), name: String(decoding: columns[1], as: UTF8.self),
                                 validFrom: number(columns[2]), validTo: number(columns[3])))
        }
        return DivisionTable(entries: entries, source: source)
    }

    /// Every period recorded for `code`.
    public func entries(for code: String) -> [Entry] { entries[code] ?? [] }

    /// Whether the code ever existed.
    public func isKnown(_ code: String) -> Bool { entries[code] != nil }

    /// Whether the code is in use today.
    public func isCurrent(_ code: String) -> Bool { entries[code]?.contains { $0.isCurrent } ?? false }

    /// The name now (or last) used for `code`.
    public func name(of code: String) -> String? {
        guard let list = entries[code] else { return nil }
        return (list.first { $0.isCurrent } ?? list.last)?.name
    }

    /// Number of codes in the table.
    public var count: Int { entries.count }
}

/// A malformed division table.
public struct DivisionTableError: Error, CustomStringConvertible {
    public let path: String
    public let line: Int
    public let message: String
    public var description: String { "\(path):\(line): \(message)" }
}
