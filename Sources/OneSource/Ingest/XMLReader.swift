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
    private let slotByPath: [String: Int]
    private let encoding: String?

    public init(input: ByteSource, path: String, recordPath: String, fieldPaths: [String], encoding: String? = nil) {
        self.input = input
        self.path = path
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        self.fieldPaths = fieldPaths
        var slots: [String: Int] = [:]
        for (slot, field) in fieldPaths.enumerated() { slots[field] = slot }
        self.slotByPath = slots
        self.encoding = encoding
    }

    public func read(into sink: RecordSink) throws -> ReadSummary {
        let xml = try XMLStreamReader(source: input, path: path, encoding: encoding)
        var summary = ReadSummary()
        let fields = RecordFields(fieldNames: fieldPaths)
        var stack: [String] = []
        var recordDepth: Int?          // stack depth of the current record element
        var values: [String?] = Array(repeating: nil, count: fieldPaths.count)
        var repeated: String?
        var recordLine = 0
        var index = 0

        func relativePath() -> String {
            guard let depth = recordDepth else { return "" }
            return stack[depth...].joined(separator: "/")
        }
        func set(_ slot: Int, _ text: String, append: Bool) {
            if append, let old = values[slot] { values[slot] = old + text } else { values[slot] = text }
        }
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

        while try xml.read() {
            switch xml.kind {
            case .documentType:
                throw IngestError.forbiddenDoctype(path: path, line: xml.line)
            case .entityReference:
                throw IngestError.xml(path: path, line: xml.line, message: "entity reference &\(xml.name); is not expanded")
            case .element:
                stack.append(xml.name)
                let empty = xml.isEmptyElement
                if recordDepth == nil, stack.count >= recordPath.count, Array(stack.suffix(recordPath.count)) == recordPath {
                    recordDepth = stack.count
                    index += 1
                    recordLine = xml.line
                    for i in values.indices { values[i] = nil }
                    repeated = nil
                }
                if recordDepth != nil {
                    let relative = relativePath()
                    if let slot = slotByPath[relative] {
                        if values[slot] != nil { repeated = repeated ?? relative }
                        values[slot] = ""
                    }
                    for attribute in xml.attributes() {
                        let key = relative.isEmpty ? "@\(attribute.name)" : "\(relative)/@\(attribute.name)"
                        if let slot = slotByPath[key] { set(slot, attribute.value, append: false) }
                    }
                }
                if empty {
                    if let depth = recordDepth, stack.count == depth { try finishRecord(); recordDepth = nil }
                    stack.removeLast()
                }
            case .endElement:
                if let depth = recordDepth, stack.count == depth { try finishRecord(); recordDepth = nil }
                if !stack.isEmpty { stack.removeLast() }
            case .text:
                if recordDepth != nil, let slot = slotByPath[relativePath()], let text = xml.value {
                    set(slot, text, append: true)
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
