/// Reads records from an XML export with libxml2's SAX2 push parser (`XMLStreamReader`).
///
/// The catalog names the record element (`企业` or a path such as `企业列表/企业`, matched against the
/// innermost elements) and each field's path relative to it (`名称`, `地址/街道`, `@编号`). A document
/// with a DOCTYPE is refused as a whole: OneSource loads no external entities and expands no entity
/// definitions. A record whose text and attribute values pass the record limit (1 MiB, as for CSV and JSON)
/// is rejected and reading goes on; text split by comments or entities is gathered in linear time; nesting is
/// limited (256 levels); a document without a single record at the record path is reported, not taken as an
/// empty delivery.
public final class XMLReader: RecordReader {
    private let input: ByteSource
    private let path: String
    private let recordPath: [String]
    private let fieldPaths: [String]
    private let encoding: String?
    private let maxRecordBytes: Int
    /// Deeper than this, the document is refused (libxml2 stops at 256 too without XML_PARSE_HUGE).
    static let maxDepth = 256

    public init(input: ByteSource, path: String, recordPath: String, fieldPaths: [String], encoding: String? = nil,
                maxRecordBytes: Int = 1 << 20) {
        self.input = input
        self.path = path
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        self.fieldPaths = fieldPaths
        self.encoding = encoding
        self.maxRecordBytes = maxRecordBytes
    }

    /// The mapped paths as a trie over interned names; node 0 is the record element.
    private struct PathTrie {
        var children: [Int: Int] = [:]      // (node << 32 | name id) -> child node
        var slot: [Int] = [-1]               // field slot at a node, -1 when none
        var hasAttributes: [Bool] = [false]  // whether a node has @attribute children

        mutating func insert(_ ids: [Int], attribute: [Bool], slot value: Int) {
            var node = 0
            for (id, isAttribute) in zip(ids, attribute) {
                if isAttribute { hasAttributes[node] = true }
                let key = node << 32 | id
                if let next = children[key] { node = next; continue }
                slot.append(-1)
                hasAttributes.append(false)
                children[key] = slot.count - 1
                node = slot.count - 1
            }
            slot[node] = value
        }

        func child(of node: Int, _ id: Int) -> Int {
            node < 0 ? -1 : children[node << 32 | id] ?? -1
        }
    }

    public func read(into sink: RecordSink) throws -> ReadSummary {
        let xml = try XMLStreamReader(source: input, path: path, encoding: encoding)
        var trie = PathTrie()
        for (slot, field) in fieldPaths.enumerated() {
            let components = field.split(separator: "/").map(String.init)
            trie.insert(components.map { xml.intern($0) }, attribute: components.map { $0.hasPrefix("@") }, slot: slot)
        }
        let recordIDs = recordPath.map { xml.intern($0) }
        var summary = ReadSummary()
        let fields = RecordFields(fieldNames: fieldPaths)
        var names: [Int] = []            // interned names of the open elements
        var nodes: [Int] = []            // trie nodes of the open elements inside the record (empty outside)
        // Each slot's bytes, appended to as text arrives (text split by comments or entities comes in pieces).
        var values: [[UInt8]] = Array(repeating: [], count: fieldPaths.count)
        var present = [Bool](repeating: false, count: fieldPaths.count)
        var repeated: String?
        var recordLine = 0
        var recordBytes = 0
        var index = 0

        func finishRecord() throws {
            fields.reset()
            fields.line = recordLine
            fields.index = index
            if recordBytes > maxRecordBytes {
                try sink.reject(Rejection(line: recordLine, recordIndex: index, reason: "record is longer than \(maxRecordBytes) bytes"))
                summary.rejected += 1
                return
            }
            for slot in values.indices where present[slot] {
                let start = fields.beginArena()
                values[slot].withUnsafeBufferPointer { fields.appendToArena($0) }
                fields.endArena(slot, from: start)
            }
            if let repeated {
                try sink.reject(Rejection(line: recordLine, recordIndex: index, field: repeated,
                                          reason: "\(repeated) occurs more than once in the record"))
                summary.rejected += 1
            } else if let bad = fields.seal(transcoded: false) {
                try sink.reject(Rejection(line: recordLine, recordIndex: index, field: fieldPaths[bad.slot], reason: bad.reason))
                summary.rejected += 1
            } else {
                try sink.accept(fields)
                summary.records += 1
            }
        }
        func attributes(of node: Int) {
            guard node >= 0, trie.hasAttributes[node] else { return }
            xml.forEachAttribute { id, value in
                let slot = trie.slot[max(0, trie.child(of: node, id))]
                if trie.child(of: node, id) >= 0, slot >= 0 {
                    let text = value()
                    recordBytes += text.utf8.count
                    values[slot] = recordBytes > maxRecordBytes ? [] : Array(text.utf8)
                    present[slot] = true
                }
            }
        }

        while try xml.read() {
            switch xml.kind {
            case .documentType:
                let line = xml.doctypeLine
                throw IngestError.forbiddenDoctype(path: path, line: line > 0 ? line : xml.line)
            case .entityReference:
                throw IngestError.xml(path: path, line: xml.line, message: "entity reference &\(xml.name); is not expanded")
            case .element:
                let id = xml.nameID
                names.append(id)
                if names.count > XMLReader.maxDepth {
                    throw IngestError.xml(path: path, line: xml.line,
                                          message: "elements nested deeper than \(XMLReader.maxDepth) levels: refused (no export nests so deep; a hostile file could use all memory)")
                }
                if nodes.isEmpty {
                    if names.count >= recordIDs.count && names.suffix(recordIDs.count).elementsEqual(recordIDs) {
                        nodes.append(0)
                        index += 1
                        recordLine = xml.line
                        recordBytes = 0
                        for i in values.indices { values[i].removeAll(keepingCapacity: values[i].capacity <= 4096); present[i] = false }
                        repeated = nil
                        attributes(of: 0)
                    }
                } else {
                    let node = trie.child(of: nodes[nodes.count - 1], id)
                    nodes.append(node)
                    if node >= 0 {
                        let slot = trie.slot[node]
                        if slot >= 0 {
                            if present[slot] { repeated = repeated ?? fieldPaths[slot] }
                            values[slot].removeAll(keepingCapacity: true)
                            present[slot] = true
                        }
                        attributes(of: node)
                    }
                }
            case .endElement:
                if nodes.count == 1 { try finishRecord() }
                if !nodes.isEmpty { nodes.removeLast() }
                if !names.isEmpty { names.removeLast() }
            case .text:
                // Every text inside a record counts towards its size; mapped text is kept until the limit is passed
                // (then the record is rejected at its end, and nothing more of it is kept).
                guard let node = nodes.last else { break }
                if node >= 0, trie.slot[node] >= 0, recordBytes <= maxRecordBytes {
                    recordBytes += xml.appendValue(to: &values[trie.slot[node]])
                    if recordBytes > maxRecordBytes { for slot in values.indices { values[slot] = [] } }
                } else {
                    recordBytes += xml.valueLength
                }
            }
        }
        if index == 0 {
            throw IngestError.noRecords(path: path, recordPath: recordPath.joined(separator: "/"))
        }
        return summary
    }
}

@available(*, unavailable)
extension XMLReader: Sendable {}
