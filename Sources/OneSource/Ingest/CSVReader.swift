import Foundation

/// Streaming RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF, optional BOM, any single-byte
/// delimiter, header mapped by name.
///
/// Agency exports are one record per line, so by default a quoted field may not span lines: a line whose
/// quote does not close on it is rejected alone, and the next line is the next record. A dataset whose
/// fields may hold line breaks says so (`multiline`); then a quoted field may span lines, every such record
/// is reported with its first and last line (`RecordSink.note`), and when the result is not a well-formed
/// row only the first physical line is rejected and parsing resumes on the next line, so one stray quote
/// never swallows the valid rows after it. A row with the wrong number of fields is rejected with its line.
public final class CSVReader: RecordReader {
    private let buffer: InputBuffer
    private let path: String
    private let columns: [String]
    private let delimiter: UInt8
    private let transcoded: Bool
    private let multiline: Bool
    private let maxRecordBytes: Int
    private static let quote: UInt8 = 0x22
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    // Per-record scratch: field ranges relative to buffer.base.
    private var fieldStarts: [Int] = []
    private var fieldEnds: [Int] = []
    private var fieldEscaped: [Bool] = []
    private var line = 1

    private enum Outcome {
        case needMore
        case record(end: Int)
        case malformed(String)
    }

    /// - Parameters:
    ///   - input: the bytes, already UTF-8 (wrap GB18030 sources in `TranscodingInput`).
    ///   - path: the file name used in messages.
    ///   - columns: the header names to extract, in slot order.
    ///   - delimiter: the field separator byte.
    ///   - transcoded: whether U+FFFD marks an undecodable source byte.
    ///   - multiline: whether a quoted field may hold line breaks.
    public init(input: ByteSource, path: String, columns: [String], delimiter: UInt8 = 0x2C,
                transcoded: Bool = false, multiline: Bool = false, maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20) {
        self.buffer = InputBuffer(source: input, chunkSize: chunkSize)
        self.path = path
        self.columns = columns
        self.delimiter = delimiter
        self.transcoded = transcoded
        self.multiline = multiline
        self.maxRecordBytes = maxRecordBytes
    }

    public func read(into sink: RecordSink) throws -> ReadSummary {
        var summary = ReadSummary()
        try buffer.refill()
        skipBOM()
        guard let header = try readHeader() else { throw IngestError.emptyFile(path: path) }
        let slotColumn = try mapColumns(header)
        let fields = RecordFields(fieldNames: columns)
        let expected = header.count
        var recordIndex = 0

        while true {
            if buffer.start == buffer.end {
                let more = try buffer.refill()
                if !more { break }
            }
            let start = buffer.start
            let outcome = parse(from: start)
            switch outcome {
            case .needMore:
                if buffer.end - buffer.start > maxRecordBytes {
                    recordIndex += 1
                    try rejectFirstLine(reason: "row is longer than \(maxRecordBytes) bytes (a quote that never closes?)",
                                        index: recordIndex, sink: sink, summary: &summary)
                    continue
                }
                try buffer.refill()
                continue
            case .malformed(let reason):
                recordIndex += 1
                try rejectFirstLine(reason: reason, index: recordIndex, sink: sink, summary: &summary)
            case .record(let end):
                let newlines = countNewlines(from: start, to: end)
                let terminated = end > start && buffer.base[end - 1] == CSVReader.lf
                let innerNewlines = newlines - (terminated ? 1 : 0)
                if fieldStarts.count == 1 && fieldEnds[0] == fieldStarts[0] && buffer.base[start] != CSVReader.quote {
                    summary.blankLines += 1
                    consume(to: end, newlines: newlines)
                    continue
                }
                recordIndex += 1
                if innerNewlines > 0 && fieldStarts.count == expected {
                    // Allowed by the dataset, and still reported: the record spans lines.
                    try sink.note(Rejection(line: line, recordIndex: recordIndex,
                                            reason: "a quoted field holds a line break: the record spans lines \(line) to \(line + innerNewlines)"))
                    summary.continuationLines += innerNewlines
                }
                if fieldStarts.count != expected {
                    if innerNewlines > 0 {
                        try rejectFirstLine(
                            reason: "a quoted field opened on this line does not close on it, and reading on gives \(fieldStarts.count) fields instead of \(expected); only this line is rejected",
                            index: recordIndex, sink: sink, summary: &summary)
                    } else {
                        let raw = Rejection.excerpt(UnsafeBufferPointer(start: buffer.base + start, count: end - start))
                        try sink.reject(Rejection(line: line, recordIndex: recordIndex,
                                                  reason: "expected \(expected) fields, found \(fieldStarts.count)", raw: raw))
                        summary.rejected += 1
                        consume(to: end, newlines: newlines)
                    }
                    continue
                }
                fields.reset()
                fields.line = line
                fields.index = recordIndex
                setFields(slotColumn, into: fields)
                if let bad = fields.seal(transcoded: transcoded) {
                    let raw = Rejection.excerpt(UnsafeBufferPointer(start: buffer.base + start, count: end - start))
                    try sink.reject(Rejection(line: line, recordIndex: recordIndex, field: columns[bad.slot],
                                              reason: bad.reason, raw: raw))
                    summary.rejected += 1
                } else {
                    try sink.accept(fields)
                    summary.records += 1
                }
                consume(to: end, newlines: newlines)
                buffer.shrinkIfLarge()
            }
        }
        summary.peakBufferBytes = buffer.largestCapacity
        return summary
    }

    // MARK: - Header

    private func skipBOM() {
        if buffer.available >= 3, buffer.base[0] == 0xEF, buffer.base[1] == 0xBB, buffer.base[2] == 0xBF {
            buffer.start = 3
        }
    }

    private func readHeader() throws -> [String]? {
        while true {
            if buffer.start == buffer.end && buffer.atEnd { return nil }
            switch parse(from: buffer.start) {
            case .needMore:
                if buffer.end - buffer.start > maxRecordBytes {
                    throw IngestError.cannotRead(path: path, reason: "header row (line 1) does not end within \(maxRecordBytes) bytes "
                                                + "(a quote that never closes?)")
                }
                guard try buffer.refill() else { return nil }
            case .malformed(let reason):
                throw IngestError.cannotRead(path: path, reason: "header row (line \(line)): \(reason)")
            case .record(let end):
                var names: [String] = []
                for i in fieldStarts.indices {
                    let bytes = fieldBytes(i)
                    names.append(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces))
                }
                consume(to: end, newlines: countNewlines(from: buffer.start, to: end))
                return names
            }
        }
    }

    private func mapColumns(_ header: [String]) throws -> [Int] {
        var missing: [String] = []
        var slots: [Int] = []
        for column in columns {
            let matches = header.indices.filter { header[$0] == column }
            if matches.count > 1 { throw IngestError.duplicateColumn(path: path, column: column) }
            if let first = matches.first { slots.append(first) } else { missing.append(column) }
        }
        if !missing.isEmpty { throw IngestError.missingColumns(path: path, columns: missing) }
        return slots
    }

    // MARK: - Parsing

    /// Parses one record starting at `s`, filling the field scratch arrays.
    private func parse(from s: Int) -> Outcome {
        withFieldArrays { fieldStarts, fieldEnds, fieldEscaped in
            fieldStarts.removeAll(keepingCapacity: true)
            fieldEnds.removeAll(keepingCapacity: true)
            fieldEscaped.removeAll(keepingCapacity: true)
            let b = buffer.base
            let e = buffer.end
            let atEnd = buffer.atEnd
            let delimiter = self.delimiter
            var i = s
            while true {
                if i < e && b[i] == CSVReader.quote {
                    var j = i + 1
                    var escaped = false
                    while true {
                        let found = j < e ? memchr(b + j, Int32(CSVReader.quote), e - j) : nil
                        // One record per line: a quote that does not close before the line ends is this line's problem only.
                        if !multiline, memchr(b + j, Int32(CSVReader.lf), (found.map { $0.assumingMemoryBound(to: UInt8.self) - b } ?? e) - j) != nil {
                            return .malformed("a quote opened in field \(fieldStarts.count + 1) is not closed on this line "
                                              + "(fields may not span lines in this dataset)")
                        }
                        guard let found else {
                            return atEnd ? .malformed("quoted field is never closed before the end of the file") : .needMore
                        }
                        let q = found.assumingMemoryBound(to: UInt8.self) - b
                        if q + 1 < e {
                            if b[q + 1] == CSVReader.quote {
                                escaped = true
                                j = q + 2
                                continue
                            }
                        } else if !atEnd {
                            return .needMore
                        }
                        fieldStarts.append(i + 1)
                        fieldEnds.append(q)
                        fieldEscaped.append(escaped)
                        i = q + 1
                        break
                    }
                    if i >= e { return atEnd ? .record(end: i) : .needMore }
                    let c = b[i]
                    if c == delimiter { i += 1; continue }
                    if c == CSVReader.lf { return .record(end: i + 1) }
                    if c == CSVReader.cr {
                        if i + 1 < e {
                            if b[i + 1] == CSVReader.lf { return .record(end: i + 2) }
                        } else if atEnd {
                            return .record(end: i + 1)
                        } else {
                            return .needMore
                        }
                    }
                    return .malformed("unexpected character after the closing quote of field \(fieldStarts.count)")
                } else {
                    var j = i
                    // Eight bytes at a time until one is the delimiter or a line feed (a zero byte in the word XORed with
                    // either; the lowest flagged byte is the first such, borrows only flag bytes after it), then byte by byte.
                    let delimiters = UInt64(delimiter) &* 0x0101_0101_0101_0101
                    while j + 8 <= e {
                        let word = UnsafeRawPointer(b + j).loadUnaligned(as: UInt64.self)
                        let x = word ^ delimiters, y = word ^ 0x0A0A_0A0A_0A0A_0A0A
                        let found = ((x &- 0x0101_0101_0101_0101) & ~x | (y &- 0x0101_0101_0101_0101) & ~y) & 0x8080_8080_8080_8080
                        if found != 0 {
                            j += found.trailingZeroBitCount >> 3
                            break
                        }
                        j += 8
                    }
                    while j < e {
                        let c = b[j]
                        if c == delimiter || c == CSVReader.lf { break }
                        j += 1
                    }
                    if j == e && !atEnd { return .needMore }
                    var fieldEnd = j
                    if fieldEnd > i && b[fieldEnd - 1] == CSVReader.cr && (j == e || b[j] == CSVReader.lf) { fieldEnd -= 1 }
                    fieldStarts.append(i)
                    fieldEnds.append(fieldEnd)
                    fieldEscaped.append(false)
                    if j == e { return .record(end: j) }
                    if b[j] == delimiter { i = j + 1; continue }
                    return .record(end: j + 1)
                }
            }
        }
    }

    /// Runs `body` with the field scratch arrays moved into locals, and moves them back after: appending to a class's
    /// stored array costs a dynamic exclusivity check each time, and lending one counts a reference to it; this runs for
    /// every row.
    private func withFieldArrays<R>(_ body: (inout [Int], inout [Int], inout [Bool]) -> R) -> R {
        var fieldStarts: [Int] = [], fieldEnds: [Int] = [], fieldEscaped: [Bool] = []
        swap(&fieldStarts, &self.fieldStarts)
        swap(&fieldEnds, &self.fieldEnds)
        swap(&fieldEscaped, &self.fieldEscaped)
        defer {
            swap(&fieldStarts, &self.fieldStarts)
            swap(&fieldEnds, &self.fieldEnds)
            swap(&fieldEscaped, &self.fieldEscaped)
        }
        return body(&fieldStarts, &fieldEnds, &fieldEscaped)
    }

    private func fieldBytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: buffer.base + fieldStarts[i], count: fieldEnds[i] - fieldStarts[i])
    }

    /// Sets each slot from its column of the parsed row (unescaping doubled quotes where the field had them).
    private func setFields(_ slotColumn: [Int], into fields: RecordFields) {
        let base = buffer.base
        withFieldArrays { fieldStarts, fieldEnds, fieldEscaped in
            fieldStarts.withUnsafeBufferPointer { starts in
                fieldEnds.withUnsafeBufferPointer { ends in
                    fieldEscaped.withUnsafeBufferPointer { escaped in
                        for slot in slotColumn.indices {
                            let column = slotColumn[slot]
                            let bytes = UnsafeBufferPointer(start: base + starts[column], count: ends[column] - starts[column])
                            if !escaped[column] {
                                fields.setDirect(slot, bytes)
                                continue
                            }
                            let start = fields.beginArena()
                            var k = 0
                            while k < bytes.count {
                                let byte = bytes[k]
                                fields.appendToArena(byte)
                                k += (byte == CSVReader.quote) ? 2 : 1
                            }
                            fields.endArena(slot, from: start)
                        }
                    }
                }
            }
        }
    }

    private func countNewlines(from start: Int, to end: Int) -> Int {
        var count = 0
        var p = start
        let b = buffer.base
        while p < end, let found = memchr(b + p, Int32(CSVReader.lf), end - p) {
            count += 1
            p = (found.assumingMemoryBound(to: UInt8.self) - b) + 1
        }
        return count
    }

    private func consume(to end: Int, newlines: Int) {
        buffer.start = end
        line += newlines
    }

    /// Rejects the physical line at `buffer.start` and moves to the next one.
    private func rejectFirstLine(reason: String, index: Int, sink: RecordSink, summary: inout ReadSummary) throws {
        var lineEnd: Int?
        while true {
            let b = buffer.base
            if let found = memchr(b + buffer.start, Int32(CSVReader.lf), buffer.end - buffer.start) {
                lineEnd = (found.assumingMemoryBound(to: UInt8.self) - b) + 1
                break
            }
            if !(try buffer.refill()) { break }
        }
        let end = lineEnd ?? buffer.end
        let raw = Rejection.excerpt(UnsafeBufferPointer(start: buffer.base + buffer.start, count: end - buffer.start))
        try sink.reject(Rejection(line: line, recordIndex: index, reason: reason, raw: raw))
        summary.rejected += 1
        consume(to: end, newlines: lineEnd == nil ? 0 : 1)
    }
}

@available(*, unavailable)
extension CSVReader: Sendable {}
