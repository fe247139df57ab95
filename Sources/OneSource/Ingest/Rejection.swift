/// A row (or record) that could not be staged, with where it was and why.
public struct Rejection: Sendable, Equatable, CustomStringConvertible {
    /// Physical line where the row starts (1-based), when the format has lines.
    public var line: Int?
    /// 1-based index of the record within the file (data rows only; the CSV header is not counted).
    public var recordIndex: Int?
    /// The source column, key or path concerned, when one field is at fault.
    public var field: String?
    /// Why, in words an engineer can act on.
    public var reason: String
    /// The raw text of the row, cut to a bounded length (stored in the private store; masked when printed).
    public var raw: String?

    public init(line: Int?, recordIndex: Int?, field: String? = nil, reason: String, raw: String? = nil) {
        self.line = line
        self.recordIndex = recordIndex
        self.field = field
        self.reason = reason
        self.raw = raw
    }

    public var description: String {
        var text = ""
        if let line { text += "line \(line)" } else if let recordIndex { text += "record \(recordIndex)" }
        if let field { text += text.isEmpty ? "field \(field)" : ", field \(field)" }
        return text.isEmpty ? reason : "\(text): \(reason)"
    }

    /// Longest raw excerpt kept with a rejection.
    static let rawLimit = 2_000

    /// A raw excerpt from bytes, decoded leniently and cut at `rawLimit` bytes.
    static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var slice = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, rawLimit)])
        while let last = slice.last, last == 0x0A || last == 0x0D {
            slice = UnsafeBufferPointer(rebasing: slice[0..<(slice.count - 1)])
        }
        return String(decoding: slice, as: UTF8.self)
    }
}

/// What a reader read from one file.
public struct ReadSummary: Sendable, Equatable {
    /// Rows handed on as records.
    public var records = 0
    /// Rows rejected.
    public var rejected = 0
    /// Empty lines between rows (CSV), which hold no row and are counted, not silently dropped.
    public var blankLines = 0
    /// File-level remarks that lose no row (a JSON array never closed, say).
    public var warnings: [String] = []
    /// Set when reading stopped early (XML that is not well-formed): rows before it are accounted for,
    /// nothing after it could be read.
    public var abortReason: String?
    /// The records the file holds by an independent count of its raw bytes (`RecordCounter`): data lines of a
    /// CSV (the header and blank lines left out), non-blank lines of NDJSON, top-level elements of a JSON
    /// array, record start tags of XML. Nil when not counted.
    public var counted: Int?
    /// CSV lines beyond the first of records whose quoted fields span lines (where the dataset allows it).
    public var continuationLines = 0
    /// The largest the reader's buffer grew while reading, in bytes (memory stays bounded by the record limit).
    public var peakBufferBytes = 0

    /// Rows read: every one ends as a record or a rejection.
    public var rowsRead: Int { records + rejected }

    /// What the independent count found that the reader did not account for (0 when it agrees or did not count;
    /// negative when the reader accounted for more than the count).
    public var unaccounted: Int { counted.map { $0 - rowsRead - continuationLines } ?? 0 }

    /// Equal in what was read (the buffer's size is how, not what).
    public static func == (a: ReadSummary, b: ReadSummary) -> Bool {
        a.records == b.records && a.rejected == b.rejected && a.blankLines == b.blankLines && a.warnings == b.warnings
            && a.abortReason == b.abortReason && a.counted == b.counted && a.continuationLines == b.continuationLines
    }

    public init(records: Int = 0, rejected: Int = 0, blankLines: Int = 0, warnings: [String] = [],
                abortReason: String? = nil, counted: Int? = nil, continuationLines: Int = 0) {
        self.records = records
        self.rejected = rejected
        self.blankLines = blankLines
        self.warnings = warnings
        self.abortReason = abortReason
        self.counted = counted
        self.continuationLines = continuationLines
    }
}

/// Receives what a reader produces. Called synchronously; a record's bytes are valid only during the call.
public protocol RecordSink: AnyObject {
    /// One record, values in the order of the reader's mapped fields.
    func accept(_ record: RecordFields) throws
    /// One rejected row.
    func reject(_ rejection: Rejection) throws
    /// A record that was accepted but is worth reporting (a CSV record spanning lines), with where it is.
    func note(_ note: Rejection) throws
}

extension RecordSink {
    public func note(_ note: Rejection) throws {}
}

/// A reader of one export format.
public protocol RecordReader: AnyObject {
    /// Reads the whole input, handing every row to `sink` as a record or a rejection.
    /// - Throws: `IngestError` when the file as a whole cannot be read.
    func read(into sink: RecordSink) throws -> ReadSummary
}
