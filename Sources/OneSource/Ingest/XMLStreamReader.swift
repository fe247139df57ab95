internal import CLibXML2
import Foundation

/// The only file that touches libxml2: its SAX2 push parser over a `ByteSource`, read as a stream of nodes.
///
/// The parser is handed the filtered bytes 64 KiB at a time; its callbacks queue the nodes of each piece (elements with
/// their attributes, end tags, text), which `read()` then hands out one by one. libxml2's pull reader (`xmlTextReader`),
/// used before, fed its own parser 512 bytes at a time and built and freed a tree node for every node read. On the 50k
/// city's XML export (callgrind) the reading thread now takes 517 M instructions against 591 M; libxml2's parse itself,
/// 333 M of them, is most of what is left.
///
/// The parser never touches the network, never loads an external DTD or entity and never substitutes
/// entities; a DOCTYPE stops it where it begins; parse errors are collected through a structured handler instead of
/// being printed, and the first one stops the parser.
final class XMLStreamReader {
    /// Node kinds the record reader cares about.
    enum NodeKind {
        case element, endElement, text, documentType, entityReference
    }

    /// One queued node: its kind, interned name (elements), the line libxml2 was on when it
    /// reported it, its bytes in `Context.bytes` (text, entity name) and its attributes in `Context.attributes`.
    private struct Node {
        var kind: NodeKind
        var name: Int
        var line: Int
        var start: Int
        var count: Int
        var attributes: Range<Int>
    }

    private struct Attribute {
        var name: Int
        var start: Int
        var count: Int
    }

    /// An element or attribute name as the parser's dictionary holds it: the same two pointers for the same name.
    private struct NameKey: Hashable {
        /// 0 an element's name, 1 an attribute's, 2 a namespace declaration's (`local` is then the declared prefix).
        let kind: UInt8
        let prefix: UInt
        let local: UInt
    }

    private final class Context {
        let source: ByteSource
        var parser: xmlParserCtxtPtr?
        // Written by libxml2's callbacks during `xmlParseChunk`, read between calls, all on one thread: no runtime
        // exclusivity checks.
        @exclusivity(unchecked) var parseErrors: [(line: Int, message: String)] = []
        @exclusivity(unchecked) var nodes: [Node] = []
        @exclusivity(unchecked) var bytes: [UInt8] = []
        @exclusivity(unchecked) var attributes: [Attribute] = []
        /// Names interned as small integers (attribute names as `@name`): one String per distinct name, not per node.
        @exclusivity(unchecked) var idByName: [String: Int] = [:]
        @exclusivity(unchecked) var idByKey: [NameKey: Int] = [:]
        /// Whether the last queued text may go on in the next piece (nothing has followed it yet).
        @exclusivity(unchecked) var textOpen = false
        /// The first bytes of the document, where a DOCTYPE would be.
        var prolog: [UInt8] = []
        /// Comments and processing instructions are taken out before libxml2 sees the bytes (see `XMLMarkupFilter`).
        var filter = XMLMarkupFilter()
        static let chunk = 1 << 16
        private let input = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk)
        let output = UnsafeMutablePointer<UInt8>.allocate(capacity: chunk + XMLMarkupFilter.maxHeld)
        private(set) var ended = false
        init(source: ByteSource) { self.source = source }
        deinit { input.deallocate(); output.deallocate() }

        /// The next piece of filtered bytes in `output`: their count, 0 only at the end of the input.
        func nextPiece() throws -> Int {
            while !ended {
                let n = try source.read(into: input, count: Context.chunk)
                if prolog.count < XMLStreamReader.prologBytes {
                    prolog.append(contentsOf: UnsafeBufferPointer(start: input, count: min(n, XMLStreamReader.prologBytes - prolog.count)))
                }
                let count: Int
                if n == 0 {
                    ended = true
                    count = filter.finish(into: output)
                } else {
                    count = filter.filter(UnsafeBufferPointer(start: input, count: n), into: output)
                }
                if count > 0 { return count }
            }
            return 0
        }

        func intern(_ name: String) -> Int {
            if let id = idByName[name] { return id }
            let id = idByName.count
            idByName[name] = id
            return id
        }

        /// The id of the name the parser gives as `prefix` and `local` (both in its dictionary), with `marker` before it
        /// ("" for an element, "@" for an attribute).
        func intern(prefix: UnsafePointer<xmlChar>?, local: UnsafePointer<xmlChar>?, marker: String) -> Int {
            intern(NameKey(kind: marker.isEmpty ? 0 : 1, prefix: UInt(bitPattern: prefix), local: UInt(bitPattern: local))) {
                marker + (prefix.map { String(cString: $0) + ":" } ?? "") + (local.map { String(cString: $0) } ?? "")
            }
        }

        /// The id of a namespace declaration's attribute name: `@xmlns`, or `@xmlns:p` for the prefix `p`.
        func internDeclaration(_ prefix: UnsafePointer<xmlChar>?) -> Int {
            intern(NameKey(kind: 2, prefix: 0, local: UInt(bitPattern: prefix))) { "@xmlns" + (prefix.map { ":" + String(cString: $0) } ?? "") }
        }

        /// The id of the name `key` stands for, made by `name` the first time.
        private func intern(_ key: NameKey, _ name: () -> String) -> Int {
            if let id = idByKey[key] { return id }
            let id = intern(name())
            if idByKey.count > 65_536 { idByKey.removeAll() }   // only if names were not interned after all
            idByKey[key] = id
            return id
        }

        var line: Int {
            guard let parser, let input = parser.pointee.input else { return 0 }
            return Int(input.pointee.line)
        }

        func append(_ pointer: UnsafePointer<xmlChar>, count: Int) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: pointer, count: count))
        }

        func queue(_ kind: NodeKind, name: Int = 0, start: Int = 0, count: Int = 0, attributes: Range<Int> = 0..<0) {
            nodes.append(Node(kind: kind, name: name, line: line, start: start, count: count, attributes: attributes))
            textOpen = false
        }

        /// Stops the parser at the first error (or a DOCTYPE): nothing after it is reported.
        func stop() {
            if let parser { xmlStopParser(parser) }
        }
    }

    /// The most text one node may hold (libxml2's own limit without XML_PARSE_HUGE), and what the reader says past it.
    static let maxTextBytes = 10_000_000
    static let hugeText = "one element holds more than 10,000,000 bytes of text: refused (records are limited to 1 MiB)"

    /// The most the reader keeps of the document's start, to find a DOCTYPE's line.
    private static let prologBytes = 1 << 16

    private let context: Context
    private let box: Unmanaged<Context>
    private let path: String
    private let encoding: String?
    private var started = false
    private var finished = false
    /// The current node: an index into `context.nodes`.
    private var current = -1

    init(source: ByteSource, path: String, encoding: String?) throws {
        self.path = path
        self.encoding = encoding
        context = Context(source: source)
        box = Unmanaged.passUnretained(context)
    }

    deinit {
        if let parser = context.parser { xmlFreeParserCtxt(parser) }
    }

    /// The SAX2 handler: element starts and ends, text, entity references and the DOCTYPE, with errors through `serror`.
    private static func handler() -> xmlSAXHandler {
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, localname, prefix, _, namespaceCount, namespaces, attributeCount, _, attributes in
            guard let ctx else { return }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            let name = context.intern(prefix: prefix, local: localname, marker: "")
            let first = context.attributes.count
            // Namespace declarations first, as libxml2's reader listed them among the attributes (`@xmlns`, `@xmlns:p`).
            if let namespaces {
                for index in 0..<Int(namespaceCount) {
                    let declared = namespaces[2 * index], uri = namespaces[2 * index + 1]
                    let id = context.internDeclaration(declared)
                    let start = context.bytes.count
                    if let uri { context.append(uri, count: strlen(uri)) }
                    context.attributes.append(Attribute(name: id, start: start, count: context.bytes.count - start))
                }
            }
            if let attributes {
                for index in 0..<Int(attributeCount) {
                    let local = attributes[5 * index], prefix = attributes[5 * index + 1]
                    guard let value = attributes[5 * index + 3], let end = attributes[5 * index + 4] else { continue }
                    let id = context.intern(prefix: prefix, local: local, marker: "@")
                    let start = context.bytes.count
                    let count = end - value
                    // With entities not substituted, the parser hands `&amp;` on as `&#38;`: decoded as libxml2's own
                    // tree builder decodes it.
                    if count > 0, memchr(value, 0x26, count) != nil, let parser = context.parser,
                       let decoded = xmlStringLenDecodeEntities(parser, value, Int32(count), Int32(XML_SUBSTITUTE_REF), 0, 0, 0) {
                        context.append(decoded, count: strlen(decoded))
                        onesource_xml_free(decoded)
                    } else {
                        context.append(value, count: count)
                    }
                    context.attributes.append(Attribute(name: id, start: start, count: context.bytes.count - start))
                }
            }
            context.queue(.element, name: name, attributes: first..<context.attributes.count)
        }
        sax.endElementNs = { ctx, _, _, _ in
            guard let ctx else { return }
            Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue().queue(.endElement)
        }
        let characters: charactersSAXFunc = { ctx, text, length in
            guard let ctx, let text, length > 0 else { return }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            // Text the parser reports in several calls is one node, as it was for the reader: same bytes, the line of the
            // first call.
            // libxml2's tree builder refused a text node past 10,000,000 bytes; without a tree, this reader does.
            let open = context.textOpen ? context.nodes.count - 1 : nil   // the last node is then the open text
            if (open.map { context.nodes[$0].count } ?? 0) + Int(length) > XMLStreamReader.maxTextBytes {
                context.parseErrors.append((context.line, XMLStreamReader.hugeText))
                context.stop()
                return
            }
            if let open {
                context.append(text, count: Int(length))
                context.nodes[open].count += Int(length)
                return
            }
            let start = context.bytes.count
            context.append(text, count: Int(length))
            context.queue(.text, start: start, count: Int(length))
            context.textOpen = true
        }
        sax.characters = characters
        sax.ignorableWhitespace = characters
        sax.reference = { ctx, name in
            guard let ctx else { return }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            let start = context.bytes.count
            if let name { context.append(name, count: strlen(name)) }
            context.queue(.entityReference, start: start, count: context.bytes.count - start)
        }
        sax.internalSubset = { ctx, _, _, _ in
            guard let ctx else { return }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            context.queue(.documentType)
            context.stop()
        }
        sax.serror = { ctx, error in
            guard let ctx, let error else { return }
            let context = Unmanaged<Context>.fromOpaque(ctx).takeUnretainedValue()
            let level = error.pointee.level
            guard level == XML_ERR_ERROR || level == XML_ERR_FATAL else { return }
            var message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
            message = message.trimmingCharacters(in: .whitespacesAndNewlines)
            context.parseErrors.append((Int(error.pointee.line), message))
            context.stop()
        }
        return sax
    }

    /// Creates the parser on the document's first four bytes (it detects the encoding from them), then parses the rest of
    /// the first pieces.
    private func start() throws {
        var head: [UInt8] = []
        while head.count < 4 {
            let piece = try context.nextPiece()
            if piece == 0 { break }
            head.append(contentsOf: UnsafeBufferPointer(start: context.output, count: piece))
        }
        var sax = XMLStreamReader.handler()
        let first = min(4, head.count)
        let parser = head.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { xmlCreatePushParserCtxt(&sax, box.toOpaque(), first > 0 ? $0.baseAddress : nil, Int32(first), path) }
        }
        guard let parser else { throw IngestError.xml(path: path, line: 0, message: "libxml2 could not create a parser") }
        context.parser = parser
        // Not XML_PARSE_HUGE: libxml2's own limits then hold (10,000,000 bytes of text in one node), so a hostile document
        // cannot take memory without bound; records are limited further by the reader, and so is nesting.
        let options = Int32(XML_PARSE_NONET.rawValue) | Int32(XML_PARSE_NOCDATA.rawValue) | Int32(XML_PARSE_BIG_LINES.rawValue)
        xmlCtxtUseOptions(parser, options)
        if let encoding, let handler = xmlFindCharEncodingHandler(encoding) {
            xmlSwitchToEncoding(parser, handler)
        }
        try head.withUnsafeBufferPointer { try parse($0, from: first, terminate: false) }
        if head.count < 4 {
            try parse(UnsafeBufferPointer(start: nil, count: 0), from: 0, terminate: true)
            finished = true
            context.textOpen = false
        }
    }

    /// Hands `bytes[from...]` to the parser; `terminate` at the end of the input.
    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, terminate: Bool) throws {
        guard let parser = context.parser else { return }
        let count = bytes.count - from
        let rc = bytes.withMemoryRebound(to: CChar.self) { chars in
            xmlParseChunk(parser, count > 0 ? chars.baseAddress! + from : nil, Int32(count), terminate ? 1 : 0)
        }
        if let first = context.parseErrors.first {
            // The nodes before the error have been queued; the error is the file's, whatever came before it.
            var message = first.message
            if message.hasPrefix("Excessive depth in document") {
                message = "elements nested deeper than 256 levels: refused (no export nests so deep; a hostile file could use all memory)"
            } else if message.contains("huge text node") || message.contains("Huge input lookup") || message.contains("huge content") {
                message = XMLStreamReader.hugeText
            }
            throw IngestError.xml(path: path, line: first.line, message: message)
        }
        // An error the handler did not see (it sees every error and fatal error libxml2 reports).
        let stoppedByDoctype = context.nodes.last?.kind == .documentType
        if parser.pointee.wellFormed == 0 && !stoppedByDoctype {
            throw IngestError.xml(path: path, line: context.line, message: "the document is not well-formed (libxml2 error \(rc))")
        }
    }

    /// Moves to the next node; false at the end of the document.
    /// - Throws: `IngestError.xml` with line and libxml2's message when the document is not well-formed.
    func read() throws -> Bool {
        current += 1
        // A text node is handed out once something follows it: the parser may report the rest of it with the next piece.
        while current >= context.nodes.count || (context.textOpen && current == context.nodes.count - 1) {
            if finished {
                if current < context.nodes.count { return true }
                return false
            }
            // Everything before is handed out: keep only the open text, if any (no attributes), and its bytes.
            if current < context.nodes.count {
                var open = context.nodes[current]
                context.bytes.removeSubrange(0..<open.start)
                open.start = 0
                context.nodes.removeAll(keepingCapacity: true)
                context.nodes.append(open)
            } else {
                context.nodes.removeAll(keepingCapacity: true)
                context.bytes.removeAll(keepingCapacity: true)
            }
            context.attributes.removeAll(keepingCapacity: true)
            current = 0
            if !started {
                started = true
                try start()
                continue
            }
            let piece = try context.nextPiece()
            try parse(UnsafeBufferPointer(start: context.output, count: piece), from: 0, terminate: piece == 0)
            if piece == 0 {
                finished = true
                context.textOpen = false
            }
            if context.nodes.last?.kind == .documentType { finished = true; context.textOpen = false }
        }
        return true
    }

    private var node: Node { context.nodes[current] }

    var kind: NodeKind { node.kind }

    /// The name of the current entity reference (elements: see `nameID`).
    var name: String {
        let node = self.node
        return String(decoding: context.bytes[node.start..<(node.start + node.count)], as: UTF8.self)
    }

    /// Appends the current node's text to `bytes` (no `String` made); returns how many bytes it had.
    @discardableResult
    func appendValue(to bytes: inout [UInt8]) -> Int {
        let node = self.node
        context.bytes.withUnsafeBufferPointer { all in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: all[node.start..<(node.start + node.count)]))
        }
        return node.count
    }

    /// The length in bytes of the current node's text.
    var valueLength: Int { node.count }

    /// The line of the document's DOCTYPE, found in the bytes read so far (0 when not found there).
    var doctypeLine: Int {
        let prolog = context.prolog
        let marker = Array("<!DOCTYPE".utf8)
        guard prolog.count >= marker.count else { return 0 }
        for start in 0...(prolog.count - marker.count) where prolog[start] == 0x3C && Array(prolog[start..<(start + marker.count)]) == marker {
            return prolog[..<start].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return 0
    }

    /// The integer standing for `name` (attribute names are interned as `@name`).
    func intern(_ name: String) -> Int { context.intern(name) }

    /// The interned name of the current element.
    var nameID: Int { node.name }

    /// The line libxml2 was on when it reported the current node: for an element, where its start tag ends; for text,
    /// where the text's first part (as the parser reported it) ends. Exact on every line (the reader's tree nodes kept
    /// only 16 bits of it).
    var line: Int { node.line }

    /// Calls `body` with each attribute of the current element: its interned `@name` and its value.
    func forEachAttribute(_ body: (_ id: Int, _ value: () -> String) -> Void) {
        for attribute in context.attributes[node.attributes] {
            body(attribute.name, {
                String(decoding: self.context.bytes[attribute.start..<(attribute.start + attribute.count)], as: UTF8.self)
            })
        }
    }
}

@available(*, unavailable)
extension XMLStreamReader: Sendable {}
