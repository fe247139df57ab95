/// Reads records from an XML export with libxml2's streaming reader.
///
/// The catalog names the record element (`企业` or a path such as `企业列表/企业`, matched against the
/// innermost elements) and each field's path relative to it (`名称`, `地址/街道`, `@编号`). A document
/// with a DOCTYPE is refused as a whole: OneSource loads no external entities and expands no entity
/// definitions.
public final class XMLReader: RecordReader {
    private let input: ByteSource
    private let path: String
    private let recordPath: [String]
    private let fieldPaths: [String]
    private let encoding: String?

    public init(input: ByteSource, path: String, recordPath: String, fieldPaths: [String], encoding: String? = nil) {
        self.input = input
        self.path = path
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        self.fieldPaths = fieldPaths
        self.encoding = encoding
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
        var values: [String?] = Array(repeating: nil, count: fieldPaths.count)
        var repeated: String?
        var recordLine = 0
        var index = 0

        func finishRecord() throws {
            fields.reset()
            fields.line = recordLine
            fields.index = index
            for (slot, value) in values.enumerated() { if let value { fields.setString(slot, value) } }
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
                if trie.child(of: node, id) >= 0, slot >= 0 { values[slot] = value() }
            }
        }

        while try xml.read() {
            switch xml.kind {
            case .documentType:
                throw IngestError.forbiddenDoctype(path: path, line: xml.line)
            case .entityReference:
                throw IngestError.xml(path: path, line: xml.line, message: "entity reference &\(xml.name); is not expanded")
            case .element:
                let id = xml.nameID
                names.append(id)
                let empty = xml.isEmptyElement
                if nodes.isEmpty {
                    if names.count >= recordIDs.count && names.suffix(recordIDs.count).elementsEqual(recordIDs) {
                        nodes.append(0)
                        index += 1
                        recordLine = xml.line
                        for i in values.indices { values[i] = nil }
                        repeated = nil
                        attributes(of: 0)
                    }
                } else {
                    let node = trie.child(of: nodes[nodes.count - 1], id)
                    nodes.append(node)
                    if node >= 0 {
                        let slot = trie.slot[node]
                        if slot >= 0 {
                            if values[slot] != nil { repeated = repeated ?? fieldPaths[slot] }
                            values[slot] = ""
                        }
                        attributes(of: node)
                    }
                }
                if empty {
                    if nodes.count == 1 { try finishRecord() }
                    if !nodes.isEmpty { nodes.removeLast() }
                    names.removeLast()
                }
            case .endElement:
                if nodes.count == 1 { try finishRecord() }
                if !nodes.isEmpty { nodes.removeLast() }
                if !names.isEmpty { names.removeLast() }
            case .text:
                if let node = nodes.last, node >= 0, trie.slot[node] >= 0, let text = xml.value {
                    let slot = trie.slot[node]
                    values[slot] = (values[slot] ?? "") + text
                }
            case .other:
                break
            }
        }
        return summary
    }
}

@available(*, unavailable)
extension XMLReader: Sendable {}
