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
    /// Per code of six ASCII digits, at the index of its number: bit 0 set when the code ever existed, bit 1 when it is
    /// in use today. `isKnown` and `isCurrent`, asked several times for every person record, then read one byte
    /// instead of hashing a `String` (1 MB per table).
    private let flags: [UInt8]
    private static let known: UInt8 = 1, current: UInt8 = 2
    /// Where the table came from (its `# source:` line).
    public let source: String

    public init(entries: [Entry], source: String) {
        var byCode: [String: [Entry]] = [:]
        var flags = [UInt8](repeating: 0, count: 1_000_000)
        for entry in entries {
            byCode[entry.code, default: []].append(entry)
            if let index = DivisionTable.index(of: entry.code) {
                flags[index] |= DivisionTable.known | (entry.isCurrent ? DivisionTable.current : 0)
            }
        }
        self.entries = byCode
        self.flags = flags
        self.source = source
    }

    /// The number a code of exactly six ASCII digits writes; nil for any other text. Every code in a table is such
    /// (`load` refuses others, and `init` indexes only such), so no other text is a known code.
    private static func index(of code: String) -> Int? {
        TextBytes.withBytes(of: code) { bytes -> Int? in
            guard bytes.count == 6 else { return nil }
            var number = 0
            for byte in bytes {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                number = number * 10 + Int(byte &- 0x30)
            }
            return number
        }
    }

    /// The flags of `code` (0 when not in the table).
    private func flags(of code: String) -> UInt8 {
        if let index = DivisionTable.index(of: code) { return flags[index] }
        // A code not of six ASCII digits can only be in a table built by hand from such entries.
        guard let list = entries[code] else { return 0 }
        return DivisionTable.known | (list.contains { $0.isCurrent } ? DivisionTable.current : 0)
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
    public func isKnown(_ code: String) -> Bool { flags(of: code) & DivisionTable.known != 0 }

    /// Whether the code is in use today.
    public func isCurrent(_ code: String) -> Bool { flags(of: code) & DivisionTable.current != 0 }

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
