import Foundation

/// Counts the records a file holds from its raw bytes, independently of the reader that parses them, so that
/// "every row read ends as a record or a rejection" is checked against something the parser did not compute:
/// physical lines for CSV and NDJSON, top-level elements of a JSON array (a cheap scan of strings and
/// brackets), record start tags for XML. Fed every byte of the file in order, on the hashing queue.
protocol RecordCounter: AnyObject {
    func add(_ bytes: UnsafeBufferPointer<UInt8>)
    /// The count once every byte was added.
    var count: Int { get }
}

/// Lines of a file: every LF ends one, and a last line without LF counts too. Lines that are empty (or only
/// a CR) are counted apart as blank, and so are lines of spaces and tabs when `whitespaceIsBlank`.
final class LineCounter: RecordCounter {
    private(set) var lines = 0
    private(set) var blank = 0
    private let whitespaceIsBlank: Bool
    private var lineHasContent = false
    private var lineHasAnyByte = false

    init(whitespaceIsBlank: Bool) { self.whitespaceIsBlank = whitespaceIsBlank }

    func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        // The state in locals for the loop: a class's stored property costs an exclusivity check per access.
        var lines = self.lines, blank = self.blank, lineHasContent = self.lineHasContent, lineHasAnyByte = self.lineHasAnyByte
        let whitespaceIsBlank = self.whitespaceIsBlank
        guard let base = bytes.baseAddress else { return }
        var i = 0
        let n = bytes.count
        while i < n {
            if lineHasContent {
                // Once a line has content only its end matters: find it with memchr.
                guard let found = memchr(base + i, 0x0A, n - i) else { break }
                i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
                lines += 1
                lineHasContent = false
                lineHasAnyByte = false
                continue
            }
            let byte = base[i]
            i += 1
            switch byte {
            case 0x0A:
                lines += 1
                if !lineHasContent { blank += 1 }
                lineHasContent = false
                lineHasAnyByte = false
            case 0x0D:
                lineHasAnyByte = true
            case 0x20 where whitespaceIsBlank, 0x09 where whitespaceIsBlank:
                lineHasAnyByte = true
            default:
                lineHasContent = true
                lineHasAnyByte = true
            }
        }
        self.lines = lines
        self.blank = blank
        self.lineHasContent = lineHasContent
        self.lineHasAnyByte = lineHasAnyByte
    }

    /// Lines with content (blank lines left out), counting an unterminated last line.
    var count: Int { lines - blank + (lineHasContent ? 1 : 0) }

    /// Every line, blank or not, counting an unterminated last line.
    var physicalLines: Int { lines + (lineHasAnyByte ? 1 : 0) }
}

/// Top-level elements of a JSON array, from the bytes alone: after the opening `[`, every value that starts at
/// the array's own level is one (with or without a comma before it, and content after the closing `]` is one
/// more, as the reader rejects it). A well-formed element ends where its brackets close; a damaged one where
/// `JSONElementScan` says, which is also where the reader skips a malformed element to. Fed decoded UTF-8 (in
/// GB18030 a trail byte can be a bracket or a backslash).
final class JSONElementCounter: RecordCounter {
    private enum State { case beforeArray, between, inElement, afterArray, done }
    private var state = State.beforeArray
    private var scan = JSONElementScan()
    private(set) var count = 0

    func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        for c in bytes { feed(c) }
    }

    private func feed(_ c: UInt8) {
        let space = c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
        switch state {
        case .beforeArray:
            if c == 0x5B { state = .between }
        case .between:
            if space || c == 0x2C { return }
            if c == 0x5D { state = .afterArray; return }
            count += 1
            scan = JSONElementScan()
            state = .inElement
            _ = scan.next(c)   // the first byte never ends an element
        case .inElement:
            switch scan.next(c) {
            case .inside: break
            case .endsAfter: state = .between
            case .endsBefore: state = .between; feed(c)
            }
        case .afterArray:
            if !space { count += 1; state = .done }
        case .done:
            break
        }
    }
}

/// Where one top-level element of a JSON array ends, byte by byte, in damaged input as well as sound: strings
/// are skipped (a raw line break ends one: JSON strings cannot hold it), brackets counted. The element ends
/// after the bracket that closes its own, before a ',' or ']' outside any bracket, before a `{` where its own
/// object cannot have one (not after ':': a missing closing brace, so the next element starts there), or before
/// a ']' that closes the array while its object is open. A sound element ends exactly where a parser ends it.
struct JSONElementScan {
    enum Step { case inside, endsAfter, endsBefore }
    private var depth = 0, inString = false, escaped = false
    private var previous: UInt8 = 0, opener: UInt8 = 0

    mutating func next(_ c: UInt8) -> Step {
        if inString {
            if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 || c == 0x0A { inString = false; previous = 0x22 }
            return .inside
        }
        switch c {
        case 0x20, 0x09, 0x0A, 0x0D:
            return .inside
        case 0x22:
            inString = true
        case 0x7B, 0x5B:   // { [
            if depth == 1 && c == 0x7B && opener == 0x7B && previous != 0x3A { return .endsBefore }
            if depth == 0 { opener = c }
            depth += 1
        case 0x7D, 0x5D:   // } ]
            if depth == 0 {
                if c == 0x5D { return .endsBefore }   // the array's own ']'
            } else if depth == 1 && c == 0x5D && opener == 0x7B {
                return .endsBefore
            } else {
                depth -= 1
                if depth == 0 { return .endsAfter }
            }
        case 0x2C:
            if depth == 0 { return .endsBefore }
        default:
            break
        }
        previous = c
        return .inside
    }
}

/// Start tags of the record element (matched by its local name, any prefix) in an XML file, leaving out
/// comments, CDATA sections, processing instructions, declarations and end tags. `name` is in the file's encoding.
final class XMLStartTagCounter: RecordCounter {
    private let name: [UInt8]
    private(set) var count = 0
    private enum State { case text, open, bang, name, comment, cdata, rest }
    private var state = State.text
    private var buffer: [UInt8] = []
    private var quote: UInt8 = 0   // the quote an attribute value in `rest` is inside, 0 when none
    // In `name`: how many bytes of the local name (after the last ':') match the record name so far, and whether one did not.
    private var matched = 0
    private var mismatch = false
    private static let commentOpen = Array("!--".utf8), cdataOpen = Array("![CDATA[".utf8)
    private static let commentClose = Array("-->".utf8), cdataClose = Array("]]>".utf8)

    init(name: [UInt8]) { self.name = name }

    func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        // The state in locals for the loop (see LineCounter.add); in text, the next '<' is found with memchr.
        var state = self.state, buffer = self.buffer, quote = self.quote, count = self.count
        var matched = self.matched, mismatch = self.mismatch
        let name = self.name
        defer {
            self.state = state
            self.buffer = buffer
            self.quote = quote
            self.count = count
            self.matched = matched
            self.mismatch = mismatch
        }
        guard let base = bytes.baseAddress else { return }
        var i = 0
        let n = bytes.count
        while i < n {
            if state == .text {
                guard let found = memchr(base + i, 0x3C, n - i) else { return }
                i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base + 1
                state = .open
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            let byte = base[i]
            i += 1
            switch state {
            case .text:
                break   // found with memchr above
            case .open:
                switch byte {
                case 0x2F, 0x3F: state = .rest                          // </…>, <?…?>
                case 0x21: buffer = [byte]; state = .bang               // <!--, <![CDATA[, <!DOCTYPE
                default:
                    // A start tag's name, compared with the record name as it arrives (no copy of it is kept). Its first
                    // byte is a name byte whatever it is, as when the name was collected.
                    state = .name
                    mismatch = false
                    if byte == 0x3A { matched = 0 } else if !name.isEmpty && name[0] == byte { matched = 1 } else { matched = 0; mismatch = true }
                }
            case .bang:
                buffer.append(byte)
                if buffer == XMLStartTagCounter.commentOpen { state = .comment; buffer.removeAll(keepingCapacity: true) }
                else if buffer == XMLStartTagCounter.cdataOpen { state = .cdata; buffer.removeAll(keepingCapacity: true) }
                else if !XMLStartTagCounter.commentOpen.starts(with: buffer) && !XMLStartTagCounter.cdataOpen.starts(with: buffer) {
                    state = byte == 0x3E ? .text : .rest
                }
            case .name:
                if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x3E || byte == 0x2F {
                    if !mismatch && matched == name.count { count += 1 }
                    state = byte == 0x3E ? .text : .rest
                } else if byte == 0x3A {
                    matched = 0   // a prefix: the local name starts after it
                    mismatch = false
                } else if !mismatch && matched < name.count && name[matched] == byte {
                    matched += 1
                } else {
                    mismatch = true
                }
            case .comment, .cdata:
                buffer.append(byte)
                if buffer.count > 3 { buffer.removeFirst() }
                if buffer == (state == .comment ? XMLStartTagCounter.commentClose : XMLStartTagCounter.cdataClose) { state = .text }
            case .rest:
                if quote != 0 { if byte == quote { quote = 0 } }
                else if byte == 0x22 || byte == 0x27 { quote = byte }
                else if byte == 0x3E { state = .text; continue }
                // On to the next byte that matters (the closing quote, or '>' and quotes outside one), skipped in one go.
                if quote != 0 {
                    guard let found = memchr(base + i, Int32(quote), n - i) else { return }
                    i = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                } else {
                    while i < n, base[i] != 0x3E, base[i] != 0x22, base[i] != 0x27 { i += 1 }
                }
            }
        }
    }
}

/// Passes a source's bytes on and feeds them to a counter (for a count over decoded text).
final class CountingSource: ByteSource {
    private let inner: ByteSource
    private let counter: RecordCounter

    init(_ inner: ByteSource, counter: RecordCounter) {
        self.inner = inner
        self.counter = counter
    }

    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        let n = try inner.read(into: destination, count: count)
        counter.add(UnsafeBufferPointer(start: destination, count: n))
        return n
    }
}
