import Foundation

/// Streaming reader for a top-level JSON array of objects or for newline-delimited objects.
///
/// Objects are parsed one at a time from a bounded buffer; the file is never held whole. Numbers keep
/// their literal text, so an 18-digit identity number written as a number keeps every digit. Nested
/// objects are reached with dotted keys (`holder.code`).
///
/// NDJSON: a line break always ends a record. Each non-blank line is one object: a line that is not one
/// (cut off, two objects, garbage) is rejected alone, and the next line is read as the next record.
///
/// An array: a malformed element is rejected with the line it starts on, and reading resumes at the next
/// top-level element wherever the line breaks are: the element's end is found by a tolerant scan of its
/// strings and brackets, and a `{` where the element's own object cannot have one (not after a `:`) is
/// taken as the next element's start, so a missing closing brace costs one element, not the rest of the
/// array. Only when no end is found does reading resume on the next line.
public final class JSONReader: RecordReader {
    /// How the objects are laid out in the file.
    public enum Layout: Sendable {
        /// `[ {…}, {…} ]`
        case array
        /// One object per line (NDJSON / JSON Lines).
        case lines
    }

    private struct NeedMore: Error {}
    private struct Syntax: Error {
        let reason: String
        let position: Int
        let field: String?
    }

    private let buffer: InputBuffer
    private let path: String
    private let keys: [String]
    private let slotByKey: [String: Int]
    private let prefixes: Set<String>
    private let layout: Layout
    private let transcoded: Bool
    private let maxRecordBytes: Int
    private var line = 1
    /// NDJSON: the end of the line being parsed; the grammar treats it as the end of the input.
    private var lineLimit: Int?
    private var fields: RecordFields
    /// The bytes of the key being read, after its object's own path and a `.` when nested (`holder.code`).
    private var keyScratch: [UInt8] = []
    /// What each key met so far is, by its bytes as delivered: a field's slot, `JSONReader.nested` for the path of
    /// mapped nested fields, `JSONReader.unmapped` otherwise. The answer is `slotByKey`'s and `prefixes`' for the
    /// key as a String (String equality is by canonical equivalence, so it is asked once per spelling); a key then
    /// costs a look-up by bytes, not a String and its hash. At most `maxKnownKeys` spellings are kept.
    private var kindByKeyBytes: [[UInt8]: Int] = [:]
    private static let nested = -2, unmapped = -1, maxKnownKeys = 4096
    /// The first key met twice in the current object; the object is still parsed to its end.
    private var duplicateKey: String?
    /// Elements of the array that followed the previous one without a comma, and commas with no element between.
    private var missingCommas = 0
    private var emptyElements = 0

    public init(input: ByteSource, path: String, keys: [String], layout: Layout, transcoded: Bool = false,
                maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20) {
        self.buffer = InputBuffer(source: input, chunkSize: chunkSize)
        self.path = path
        self.keys = keys
        var slots: [String: Int] = [:]
        var prefixes: Set<String> = []
        for (slot, key) in keys.enumerated() {
            slots[key] = slot
            var parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            parts.removeLast()
            var prefix = ""
            for part in parts {
                prefix = prefix.isEmpty ? part : prefix + "." + part
                prefixes.insert(prefix)
            }
        }
        self.slotByKey = slots
        self.prefixes = prefixes
        self.layout = layout
        self.transcoded = transcoded
        self.maxRecordBytes = maxRecordBytes
        self.fields = RecordFields(fieldNames: keys)
    }

    private enum State { case begin, arrayFirst, arrayNext, arrayResync, afterArray, lines, done }

    public func read(into sink: RecordSink) throws -> ReadSummary {
        var summary = ReadSummary()
        var state: State = .begin
        var index = 0
        try buffer.refill()
        if buffer.available >= 3, buffer.base[0] == 0xEF, buffer.base[1] == 0xBB, buffer.base[2] == 0xBF {
            buffer.start = 3
        }
        if layout == .lines {
            try readLines(sink: sink, summary: &summary)
            summary.peakBufferBytes = buffer.largestCapacity
            return summary
        }
        while state != .done {
            guard let c = try nextNonSpace() else {
                if state == .arrayFirst || state == .arrayNext || state == .arrayResync {
                    // Every object before it was read; the file is only truncated, so no row is lost.
                    summary.warnings.append("line \(line): the file ends before the array is closed with ']'")
                }
                if state == .begin { throw IngestError.emptyFile(path: path) }
                break
            }
            switch state {
            case .begin:
                if layout == .array {
                    guard c == UInt8(ascii: "[") else { throw IngestError.notAnArray(path: path, line: line) }
                    buffer.start += 1
                    state = .arrayFirst
                } else {
                    state = .lines
                }
            case .arrayFirst, .arrayResync:
                if c == UInt8(ascii: "]") { buffer.start += 1; state = .afterArray; continue }
                if c == UInt8(ascii: ",") {
                    // Two commas in a row hold no element (after a skipped element, the comma is its own).
                    if state == .arrayFirst && emptyElements == 0 { summary.warnings.append("line \(line): an empty element (two commas in a row)") }
                    if state == .arrayFirst { emptyElements += 1 }
                    buffer.start += 1
                    state = .arrayResync
                    continue
                }
                index += 1
                state = try element(index: index, sink: sink, summary: &summary) ? .arrayNext : .arrayResync
            case .arrayNext:
                if c == UInt8(ascii: "]") { buffer.start += 1; state = .afterArray; continue }
                if c == UInt8(ascii: ",") {
                    buffer.start += 1
                    state = .arrayFirst
                    continue
                }
                // Two elements without a comma between them: the next one is read all the same, and said so.
                if missingCommas == 0 { summary.warnings.append("line \(line): a ',' is missing between two elements of the array") }
                missingCommas += 1
                index += 1
                state = try element(index: index, sink: sink, summary: &summary) ? .arrayNext : .arrayResync
            case .afterArray:
                try sink.reject(Rejection(line: line, recordIndex: nil,
                                          reason: "content after the closing ']' of the array",
                                          raw: excerpt(buffer.start, min(lineEnd(buffer.start), buffer.start + Rejection.rawLimit))))
                summary.rejected += 1
                state = .done
            case .lines, .done:
                state = .done
            }
        }
        summary.peakBufferBytes = buffer.largestCapacity
        return summary
    }

    // MARK: - NDJSON

    /// Reads one object per line: the line is found first, then parsed as if it were the whole input.
    private func readLines(sink: RecordSink, summary: inout ReadSummary) throws {
        var index = 0
        while let end = try nextLineEnd(sink: sink, summary: &summary, index: &index) {
            let start = buffer.start
            var first = start
            while first < end, [0x20, 0x09, 0x0D].contains(buffer.base[first]) { first += 1 }
            if first == end {
                summary.blankLines += 1
            } else {
                index += 1
                buffer.start = first
                lineLimit = end
                defer { lineLimit = nil }
                try parseLine(end: end, index: index, sink: sink, summary: &summary)
            }
            // Past the line and its LF (the last line may have none).
            buffer.start = end < buffer.end ? end + 1 : end
            line += 1
            buffer.shrinkIfLarge()
        }
    }

    /// The position of the LF that ends the line at `buffer.start` (or the end of the file), refilling as needed;
    /// nil at the end of the input. A line longer than the record limit is rejected and skipped here.
    private func nextLineEnd(sink: RecordSink, summary: inout ReadSummary, index: inout Int) throws -> Int? {
        var searched = buffer.start
        while true {
            if let found = memchr(buffer.base + searched, 0x0A, buffer.end - searched) {
                return found.assumingMemoryBound(to: UInt8.self) - buffer.base
            }
            if buffer.end - buffer.start > maxRecordBytes {
                index += 1
                try sink.reject(Rejection(line: line, recordIndex: index, reason: "line is longer than \(maxRecordBytes) bytes",
                                          raw: excerpt(buffer.start, buffer.start + Rejection.rawLimit)))
                summary.rejected += 1
                // Skip to the line's end without keeping it.
                while true {
                    buffer.start = buffer.end
                    guard try buffer.refill() else { return nil }
                    if let found = memchr(buffer.base + buffer.start, 0x0A, buffer.end - buffer.start) {
                        buffer.start = (found.assumingMemoryBound(to: UInt8.self) - buffer.base) + 1
                        line += 1
                        break
                    }
                }
                searched = buffer.start
                continue
            }
            let offset = searched - buffer.start
            guard try buffer.refill() else {
                return buffer.start < buffer.end ? buffer.end : nil
            }
            searched = buffer.start + offset
        }
    }

    /// Parses the non-blank line from `buffer.start` to `end` as one record (or one rejection).
    private func parseLine(end: Int, index: Int, sink: RecordSink, summary: inout ReadSummary) throws {
        let start = buffer.start
        func reject(_ reason: String, field: String? = nil) throws {
            try sink.reject(Rejection(line: line, recordIndex: index, field: field, reason: reason, raw: excerpt(start, end)))
            summary.rejected += 1
        }
        fields.reset()
        duplicateKey = nil
        var i = start
        do {
            guard buffer.base[i] == UInt8(ascii: "{") else {
                try skipValue(&i)
                return try reject("the line is not an object")
            }
            keyScratch.removeAll(keepingCapacity: true)
            try parseObject(&i)
        } catch is NeedMore {
            return try reject("the line ends inside the object (a line break always ends a record)")
        } catch let error as Syntax {
            return try reject(error.reason, field: error.field)
        }
        var rest = i
        while rest < end, [0x20, 0x09, 0x0D].contains(buffer.base[rest]) { rest += 1 }
        if rest < end { return try reject("content after the object on the same line (one object per line)") }
        fields.line = line
        fields.index = index
        if let key = duplicateKey {
            try reject("key \"\(key)\" appears twice in the object", field: key)
        } else if let bad = fields.seal(transcoded: transcoded) {
            try reject(bad.reason, field: keys[bad.slot])
        } else {
            try sink.accept(fields)
            summary.records += 1
        }
    }

    /// Skips white space (refilling as needed) and returns the next byte without consuming it.
    private func nextNonSpace() throws -> UInt8? {
        while true {
            while buffer.start < buffer.end {
                let c = buffer.base[buffer.start]
                if c == 0x20 || c == 0x09 || c == 0x0D { buffer.start += 1; continue }
                if c == 0x0A { buffer.start += 1; line += 1; continue }
                return c
            }
            if !(try buffer.refill()) { return nil }
        }
    }

    /// Parses one element at `buffer.start`; returns false when it was malformed (after resyncing).
    private func element(index: Int, sink: RecordSink, summary: inout ReadSummary) throws -> Bool {
        while true {
            let start = buffer.start
            do {
                var i = start
                fields.reset()
                duplicateKey = nil
                let c = buffer.base[i]
                if c != UInt8(ascii: "{") {
                    // Whatever it is (a number, a string, garbage), it runs to where the element scan ends it.
                    let first = line, raw = excerpt(start, min(lineEnd(start), start + Rejection.rawLimit))
                    let closed = try skipElement()
                    try sink.reject(Rejection(line: first, recordIndex: index, reason: "element is not an object" + unclosed(closed, from: first),
                                              raw: raw))
                    summary.rejected += 1
                    return false
                }
                keyScratch.removeAll(keepingCapacity: true)
                try parseObject(&i)
                fields.line = line
                fields.index = index
                if let key = duplicateKey {
                    try sink.reject(Rejection(line: line, recordIndex: index, field: key,
                                              reason: "key \"\(key)\" appears twice in the object", raw: excerpt(start, i)))
                    summary.rejected += 1
                } else if let bad = fields.seal(transcoded: transcoded) {
                    try sink.reject(Rejection(line: line, recordIndex: index, field: keys[bad.slot],
                                              reason: bad.reason, raw: excerpt(start, i)))
                    summary.rejected += 1
                } else {
                    try sink.accept(fields)
                    summary.records += 1
                }
                line += countNewlines(start, i)
                buffer.start = i
                buffer.shrinkIfLarge()
                return true
            } catch is NeedMore {
                if buffer.end - buffer.start > maxRecordBytes {
                    let first = line, raw = excerpt(buffer.start, buffer.start + Rejection.rawLimit)
                    // Skipped without keeping it: memory stays bounded whatever its size.
                    let closed = try skipElement()
                    try sink.reject(Rejection(line: first, recordIndex: index,
                                              reason: "object is longer than \(maxRecordBytes) bytes" + unclosed(closed, from: first), raw: raw))
                    summary.rejected += 1
                    return false
                }
                guard try buffer.refill() else {
                    try sink.reject(Rejection(line: line, recordIndex: index,
                                              reason: "the file ends inside this object",
                                              raw: excerpt(buffer.start, buffer.end)))
                    summary.rejected += 1
                    line += countNewlines(buffer.start, buffer.end)
                    buffer.start = buffer.end
                    return false
                }
            } catch let error as Syntax {
                let errorLine = line + countNewlines(start, min(error.position, buffer.end))
                let reason = errorLine == line ? error.reason : "\(error.reason) (at line \(errorLine))"
                // Make sure the record's first line is buffered whole (within the record limit), so the excerpt does
                // not depend on chunking.
                while lineEnd(buffer.start) == buffer.end && buffer.end - buffer.start < Rejection.rawLimit {
                    guard try buffer.refill() else { break }
                }
                let first = line, raw = excerpt(buffer.start, min(lineEnd(buffer.start), buffer.start + Rejection.rawLimit))
                let closed = try skipElement()
                try sink.reject(Rejection(line: first, recordIndex: index, field: error.field, reason: reason + unclosed(closed, from: first), raw: raw))
                summary.rejected += 1
                return false
            }
        }
    }

    /// Moves past the malformed array element at `buffer.start` to where the next top-level element can start,
    /// wherever the line breaks are, by the scan `JSONElementCounter` makes too (so both find the same elements):
    /// strings are skipped (a raw line break ends one), brackets counted; the element ends where its brackets
    /// close, at a ',' or ']' outside any bracket, or before a `{` where its own object cannot have one (not after
    /// ':'; a missing closing brace), or before a ']' that closes the array while its object is open. Bytes are
    /// dropped as they are passed: memory stays bounded whatever the element's size. Returns false when the
    /// file ended first (the element never closed).
    private func skipElement() throws -> Bool {
        var scan = JSONElementScan()
        while true {
            let b = buffer.base
            var position = buffer.start
            while position < buffer.end {
                switch scan.next(b[position]) {
                case .inside:
                    position += 1
                case .endsAfter:
                    position += 1
                    line += countNewlines(buffer.start, position)
                    buffer.start = position
                    return true
                case .endsBefore:
                    line += countNewlines(buffer.start, position)
                    buffer.start = position
                    return true
                }
            }
            line += countNewlines(buffer.start, buffer.end)
            buffer.start = buffer.end
            guard try buffer.refill() else { return false }
        }
    }

    /// Said of an element that never closed: how much of the file it took.
    private func unclosed(_ closed: Bool, from first: Int) -> String {
        closed ? "" : " (the element never closes: lines \(first) to \(line), the rest of the file, are part of it)"
    }

    /// The end of the line at `from` within the buffer, looked for no further than the raw excerpt's length.
    private func lineEnd(_ from: Int) -> Int {
        let limit = min(buffer.end, from + Rejection.rawLimit + 1)
        return memchr(buffer.base + from, 0x0A, limit - from).map { $0.assumingMemoryBound(to: UInt8.self) - buffer.base } ?? limit
    }

    private func countNewlines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        var p = from
        while p < to {
            if buffer.base[p] == 0x0A { count += 1 }
            p += 1
        }
        return count
    }

    private func excerpt(_ from: Int, _ to: Int) -> String {
        Rejection.excerpt(UnsafeBufferPointer(start: buffer.base + from, count: max(0, to - from)))
    }

    // MARK: - Grammar

    @inline(__always)
    private func byte(_ i: Int) throws -> UInt8 {
        if i >= (lineLimit ?? buffer.end) { throw NeedMore() }
        return buffer.base[i]
    }

    private func skipSpace(_ i: inout Int) throws {
        while true {
            let c = try byte(i)
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1 } else { return }
        }
    }

    /// Parses the object at `i`; nested in a mapped path when `keyScratch` holds that path (empty at the top).
    private func parseObject(_ i: inout Int) throws {
        let prefixLength = keyScratch.count
        i += 1  // '{'
        try skipSpace(&i)
        if try byte(i) == UInt8(ascii: "}") { i += 1; return }
        while true {
            try skipSpace(&i)
            guard try byte(i) == UInt8(ascii: "\"") else {
                throw Syntax(reason: "expected a quoted key", position: i, field: nil)
            }
            keyScratch.removeSubrange(prefixLength...)
            if prefixLength > 0 { keyScratch.append(UInt8(ascii: ".")) }
            try parseString(&i) { keyScratch.append(contentsOf: $0) }
            let keyLength = keyScratch.count
            try skipSpace(&i)
            guard try byte(i) == UInt8(ascii: ":") else {
                throw Syntax(reason: "expected ':' after key \"\(currentKey)\"", position: i, field: currentKey)
            }
            i += 1
            try skipSpace(&i)
            let kind = keyKind()
            if kind >= 0 {
                if fields.isSet(kind) {
                    duplicateKey = duplicateKey ?? currentKey
                    try skipValue(&i)
                } else {
                    try captureValue(&i, slot: kind)
                }
            } else if kind == JSONReader.nested, try byte(i) == UInt8(ascii: "{") {
                try parseObject(&i)
                keyScratch.removeSubrange(keyLength...)
            } else {
                try skipValue(&i)
            }
            try skipSpace(&i)
            let c = try byte(i)
            if c == UInt8(ascii: ",") { i += 1; continue }
            if c == UInt8(ascii: "}") { i += 1; return }
            throw Syntax(reason: "expected ',' or '}' after the value of \"\(currentKey)\"", position: i, field: currentKey)
        }
    }

    /// The key being read, with its object's path (`holder.code`), as text.
    private var currentKey: String { String(decoding: keyScratch, as: UTF8.self) }

    /// What the key in `keyScratch` is: a field's slot, `nested` or `unmapped` (see `kindByKeyBytes`).
    private func keyKind() -> Int {
        if let kind = kindByKeyBytes[keyScratch] { return kind }
        let key = currentKey
        let kind = slotByKey[key] ?? (prefixes.contains(key) ? JSONReader.nested : JSONReader.unmapped)
        if kindByKeyBytes.count < JSONReader.maxKnownKeys { kindByKeyBytes[keyScratch] = kind }
        return kind
    }

    private func captureValue(_ i: inout Int, slot: Int) throws {
        let c = try byte(i)
        switch c {
        case UInt8(ascii: "\""):
            let start = fields.beginArena()
            try parseString(&i) { fields.appendToArena($0) }
            fields.endArena(slot, from: start)
        case UInt8(ascii: "n"):
            try literal(&i, "null", key: currentKey)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let from = i
            try skipValue(&i)
            let start = fields.beginArena()
            fields.appendToArena(UnsafeBufferPointer(start: buffer.base + from, count: i - from))
            fields.endArena(slot, from: start)
        default:
            let from = i
            if c == UInt8(ascii: "t") {
                try literal(&i, "true", key: currentKey)
            } else if c == UInt8(ascii: "f") {
                try literal(&i, "false", key: currentKey)
            } else {
                try number(&i, key: currentKey)
            }
            fields.setDirect(slot, UnsafeBufferPointer(start: buffer.base + from, count: i - from))
        }
    }

    private func literal(_ i: inout Int, _ word: StaticString, key: @autoclosure () -> String?) throws {
        let bytes = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for expected in bytes {
            guard try byte(i) == expected else {
                throw Syntax(reason: "invalid literal (expected \(word))", position: i, field: key())
            }
            i += 1
        }
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Validates a JSON number and leaves `i` after it.
    private func number(_ i: inout Int, key: @autoclosure () -> String?) throws {
        let start = i
        if try byte(i) == UInt8(ascii: "-") { i += 1 }
        var c = try byte(i)
        guard isDigit(c) else { throw Syntax(reason: "invalid value", position: start, field: key()) }
        if c == UInt8(ascii: "0") { i += 1 } else { while isDigit(try byte(i)) { i += 1 } }
        c = try byte(i)
        if c == UInt8(ascii: ".") {
            i += 1
            guard isDigit(try byte(i)) else { throw Syntax(reason: "invalid number", position: start, field: key()) }
            while isDigit(try byte(i)) { i += 1 }
            c = try byte(i)
        }
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            i += 1
            c = try byte(i)
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { i += 1 }
            guard isDigit(try byte(i)) else { throw Syntax(reason: "invalid number", position: start, field: key()) }
            while isDigit(try byte(i)) { i += 1 }
        }
    }

    /// Parses a string at `i` (on its opening quote), handing its decoded UTF-8 bytes to `emit`: each run of bytes
    /// that need no decoding at once, each escape's bytes on their own.
    private func parseString(_ i: inout Int, _ emit: (UnsafeBufferPointer<UInt8>) -> Void) throws {
        i += 1
        let limit = lineLimit ?? buffer.end
        func emitByte(_ byte: UInt8) { withUnsafePointer(to: byte) { emit(UnsafeBufferPointer(start: $0, count: 1)) } }
        while true {
            let run = i
            while i < limit {
                let c = buffer.base[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                i += 1
            }
            if i > run { emit(UnsafeBufferPointer(start: buffer.base + run, count: i - run)) }
            let c = try byte(i)
            if c == UInt8(ascii: "\"") { i += 1; return }
            if c < 0x20 {
                throw Syntax(reason: "control character 0x\(String(c, radix: 16)) inside a string (must be escaped)",
                             position: i, field: nil)
            }
            let e = try byte(i + 1)
            i += 2
            switch e {
            case UInt8(ascii: "\""): emitByte(0x22)
            case UInt8(ascii: "\\"): emitByte(0x5C)
            case UInt8(ascii: "/"): emitByte(0x2F)
            case UInt8(ascii: "b"): emitByte(0x08)
            case UInt8(ascii: "f"): emitByte(0x0C)
            case UInt8(ascii: "n"): emitByte(0x0A)
            case UInt8(ascii: "r"): emitByte(0x0D)
            case UInt8(ascii: "t"): emitByte(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(&i)
                if (0xD800...0xDBFF).contains(scalar) {
                    guard try byte(i) == UInt8(ascii: "\\"), try byte(i + 1) == UInt8(ascii: "u") else {
                        throw Syntax(reason: "unpaired surrogate \\u escape", position: i, field: nil)
                    }
                    i += 2
                    let low = try hex4(&i)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw Syntax(reason: "unpaired surrogate \\u escape", position: i, field: nil)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw Syntax(reason: "unpaired surrogate \\u escape", position: i, field: nil)
                }
                guard let unicode = Unicode.Scalar(scalar) else {
                    throw Syntax(reason: "invalid \\u escape", position: i, field: nil)
                }
                for unit in UTF8.encode(unicode)! { emitByte(unit) }
            default:
                throw Syntax(reason: "invalid escape \\\(Character(Unicode.Scalar(e)))", position: i - 1, field: nil)
            }
        }
    }

    private func hex4(_ i: inout Int) throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = try byte(i)
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw Syntax(reason: "invalid \\u escape", position: i, field: nil)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// Skips any value, validating its grammar.
    private func skipValue(_ i: inout Int, depth: Int = 0) throws {
        guard depth < 256 else { throw Syntax(reason: "nesting deeper than 256 levels", position: i, field: nil) }
        let c = try byte(i)
        switch c {
        case UInt8(ascii: "\""):
            try parseString(&i) { _ in }
        case UInt8(ascii: "{"):
            i += 1
            try skipSpace(&i)
            if try byte(i) == UInt8(ascii: "}") { i += 1; return }
            while true {
                try skipSpace(&i)
                guard try byte(i) == UInt8(ascii: "\"") else {
                    throw Syntax(reason: "expected a quoted key", position: i, field: nil)
                }
                try parseString(&i) { _ in }
                try skipSpace(&i)
                guard try byte(i) == UInt8(ascii: ":") else { throw Syntax(reason: "expected ':'", position: i, field: nil) }
                i += 1
                try skipSpace(&i)
                try skipValue(&i, depth: depth + 1)
                try skipSpace(&i)
                let next = try byte(i)
                i += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "}") { return }
                throw Syntax(reason: "expected ',' or '}'", position: i - 1, field: nil)
            }
        case UInt8(ascii: "["):
            i += 1
            try skipSpace(&i)
            if try byte(i) == UInt8(ascii: "]") { i += 1; return }
            while true {
                try skipSpace(&i)
                try skipValue(&i, depth: depth + 1)
                try skipSpace(&i)
                let next = try byte(i)
                i += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "]") { return }
                throw Syntax(reason: "expected ',' or ']'", position: i - 1, field: nil)
            }
        case UInt8(ascii: "t"): try literal(&i, "true", key: nil)
        case UInt8(ascii: "f"): try literal(&i, "false", key: nil)
        case UInt8(ascii: "n"): try literal(&i, "null", key: nil)
        default: try number(&i, key: nil)
        }
    }
}

@available(*, unavailable)
extension JSONReader: Sendable {}
