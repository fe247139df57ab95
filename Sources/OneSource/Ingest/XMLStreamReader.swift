internal import CLibXML2
import Foundation

/// The only file that touches libxml2: a pull reader (`xmlTextReader`) over a `ByteSource`.
///
/// The parser never touches the network, never loads an external DTD or entity and never substitutes
/// entities; parse errors are collected through a structured handler instead of being printed.
final class XMLStreamReader {
    /// Node kinds the record reader cares about (values of libxml2's `xmlReaderTypes`).
    enum NodeKind {
        case element, endElement, text, whitespace, documentType, entityReference, other
    }

    private final class Context {
        let source: ByteSource
        // Read after every node (and written by libxml2's callbacks on the same thread, never during a read of them):
        // no runtime exclusivity check.
        @exclusivity(unchecked) var readError: Error?
        @exclusivity(unchecked) var parseErrors: [(line: Int, message: String)] = []
        /// The first bytes of the document, where a DOCTYPE would be (libxml2 reads ahead, so its line for the
        /// DOCTYPE node is that of the read position, not the declaration's).
        var prolog: [UInt8] = []
        /// Comments and processing instructions are taken out before libxml2 sees the bytes (see `XMLMarkupFilter`).
        var filter = XMLMarkupFilter()
        private static let chunk = 1 << 16
        private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        private let output = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk + XMLMarkupFilter.maxHeld)
        private var outputStart = 0, outputEnd = 0
        private var ended = false
        init(source: ByteSource) { self.source = source }
        deinit { input.deallocate(); output.deallocate() }

        /// Up to `length` filtered bytes into `destination`; 0 only at the end of the input.
        func read(into destination: UnsafeMutablePointer<UInt8>, length: Int) throws -> Int {
            while outputStart == outputEnd {
                guard !ended else { return 0 }
                let n = try source.read(into: input, count: Context.chunk)
                if prolog.count < XMLStreamReader.prologBytes {
                    prolog.append(contentsOf: UnsafeBufferPointer(start: input, count: min(n, XMLStreamReader.prologBytes - prolog.count)))
                }
                outputStart = 0
                if n == 0 {
                    ended = true
                    outputEnd = filter.finish(into: output)
                } else {
                    outputEnd = filter.filter(UnsafeBufferPointer(start: input, count: n), into: output)
                }
            }
            let count = min(length, outputEnd - outputStart)
            destination.update(from: output + outputStart, count: count)
            outputStart += count
            return count
        }
    }

    /// The most the reader keeps of the document's start, to find a DOCTYPE's line.
    private static let prologBytes = 1 << 16

    private let reader: OpaquePointer
    private let context: Unmanaged<Context>
    private let path: String
    // Names are interned as small integers: libxml2 interns them in its dictionary, so one String is
    // made per distinct name rather than per node (hashing Chinese Strings is slow).
    private var idByName: [String: Int] = [:]
    private var elementIDByPointer: [UInt: Int] = [:]
    private var attributeIDByPointer: [UInt: Int] = [:]

    init(source: ByteSource, path: String, encoding: String?) throws {
        self.path = path
        let box = Unmanaged.passRetained(Context(source: source))
        let readCallback: xmlInputReadCallback = { ctx, buffer, length in
            guard let ctx, let buffer, length > 0 else { return 0 }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            do {
                let destination = UnsafeMutableRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
                return Int32(try context.read(into: destination, length: Int(length)))
            } catch {
                context.readError = error
                return -1
            }
        }
        let closeCallback: xmlInputCloseCallback = { _ in 0 }
        // Not XML_PARSE_HUGE: libxml2's own limits then hold (nesting 256 levels, 10,000,000 bytes of text in one
        // node), so a hostile document cannot take memory without bound; records are limited further by the reader.
        let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_COMPACT.rawValue)
            | Int32(XML_PARSE_NOCDATA.rawValue) | Int32(XML_PARSE_BIG_LINES.rawValue)
        guard let reader = xmlReaderForIO(readCallback, closeCallback, box.toOpaque(), path, encoding, options) else {
            box.release()
            throw IngestError.xml(path: path, line: 0, message: "libxml2 could not create a reader")
        }
        self.reader = reader
        self.context = box
        let handler: xmlStructuredErrorFunc = { userData, error in
            guard let userData, let error else { return }
            let context = Unmanaged<Context>.fromOpaque(userData).takeUnretainedValue()
            let level = error.pointee.level
            guard level == XML_ERR_ERROR || level == XML_ERR_FATAL else { return }
            var message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
            message = message.trimmingCharacters(in: .whitespacesAndNewlines)
            context.parseErrors.append((Int(error.pointee.line), message))
        }
        xmlTextReaderSetStructuredErrorHandler(reader, handler, box.toOpaque())
    }

    deinit {
        xmlFreeTextReader(reader)
        context.release()
    }

    /// Moves to the next node; false at the end of the document.
    /// - Throws: `IngestError.xml` with line and libxml2's message when the document is not well-formed.
    func read() throws -> Bool {
        let rc = xmlTextReaderRead(reader)
        let box = context.takeUnretainedValue()
        if let error = box.readError { throw error }
        if let first = box.parseErrors.first {
            var message = first.message
            if message.hasPrefix("Excessive depth in document") {
                message = "elements nested deeper than 256 levels: refused (no export nests so deep; a hostile file could use all memory)"
            } else if message.contains("huge text node") || message.contains("Huge input lookup") || message.contains("huge content") {
                message = "one element holds more than 10,000,000 bytes of text: refused (records are limited to 1 MiB)"
            }
            throw IngestError.xml(path: path, line: first.line, message: message)
        }
        if rc < 0 { throw IngestError.xml(path: path, line: line, message: "the document is not well-formed") }
        return rc == 1
    }

    var kind: NodeKind {
        switch xmlTextReaderNodeType(reader) {
        case Int32(XML_READER_TYPE_ELEMENT.rawValue): return .element
        case Int32(XML_READER_TYPE_END_ELEMENT.rawValue): return .endElement
        case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
             Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue):
            return .text
        case Int32(XML_READER_TYPE_WHITESPACE.rawValue): return .whitespace
        case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue): return .documentType
        case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue): return .entityReference
        default: return .other
        }
    }

    /// The qualified name of the current node.
    var name: String {
        xmlTextReaderConstName(reader).map { String(cString: $0) } ?? ""
    }

    /// The text value of the current node, if it has one.
    var value: String? {
        xmlTextReaderConstValue(reader).map { String(cString: $0) }
    }

    /// Appends the current node's text to `bytes` (no `String` made); returns how many bytes it had.
    @discardableResult
    func appendValue(to bytes: inout [UInt8]) -> Int {
        guard let pointer = xmlTextReaderConstValue(reader) else { return 0 }
        let count = strlen(pointer)
        pointer.withMemoryRebound(to: UInt8.self, capacity: count) { bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: count)) }
        return count
    }

    /// The length in bytes of the current node's text.
    var valueLength: Int { xmlTextReaderConstValue(reader).map { strlen($0) } ?? 0 }

    /// The line of the document's DOCTYPE, found in the bytes read so far (0 when not found there).
    var doctypeLine: Int {
        let prolog = context.takeUnretainedValue().prolog
        let marker = Array("<!DOCTYPE".utf8)
        guard prolog.count >= marker.count else { return 0 }
        for start in 0...(prolog.count - marker.count) where prolog[start] == 0x3C && Array(prolog[start..<(start + marker.count)]) == marker {
            return prolog[..<start].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return 0
    }

    /// The integer standing for `name` (attribute names are interned as `@name`).
    func intern(_ name: String) -> Int {
        if let id = idByName[name] { return id }
        let id = idByName.count
        idByName[name] = id
        return id
    }

    private func internCurrentName(_ cache: inout [UInt: Int], prefix: String) -> Int {
        guard let pointer = xmlTextReaderConstName(reader) else { return intern(prefix) }
        let key = UInt(bitPattern: pointer)
        if let id = cache[key] { return id }
        let id = intern(prefix + String(cString: pointer))
        if cache.count > 65_536 { cache.removeAll() }   // only if names were not interned after all
        cache[key] = id
        return id
    }

    /// The interned name of the current element.
    var nameID: Int { internCurrentName(&elementIDByPointer, prefix: "") }

    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }

    /// libxml2 keeps an element's line in 16 bits: from this line on it says 65535, and only text nodes (with
    /// XML_PARSE_BIG_LINES) know their true line.
    static let saturatedLine = 65535

    /// Line of the current node in the input (the parser itself may have read further ahead). For an element past
    /// line 65534 this is not exact (see `saturatedLine`): take the line of a text node inside it.
    var line: Int {
        if let node = xmlTextReaderCurrentNode(reader) {
            let number = xmlGetLineNo(node)
            if number > 0 { return Int(number) }
        }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }

    /// The line a text node starts on: libxml2 records the line where the text ended.
    var textStartLine: Int {
        guard let pointer = xmlTextReaderConstValue(reader) else { return line }
        var newlines = 0
        var p = pointer
        while p.pointee != 0 { if p.pointee == 0x0A { newlines += 1 }; p += 1 }
        return line - newlines
    }

    /// Calls `body` with each attribute of the current element: its interned `@name` and its value.
    func forEachAttribute(_ body: (_ id: Int, _ value: () -> String) -> Void) {
        guard xmlTextReaderHasAttributes(reader) == 1 else { return }
        while xmlTextReaderMoveToNextAttribute(reader) == 1 {
            body(internCurrentName(&attributeIDByPointer, prefix: "@"), { self.value ?? "" })
        }
        xmlTextReaderMoveToElement(reader)
    }
}

@available(*, unavailable)
extension XMLStreamReader: Sendable {}
