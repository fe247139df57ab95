/// A problem that stops one input file from being read at all (row-level problems are `Rejection`s).
public enum IngestError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case unsupportedEncoding(String)
    case missingColumns(path: String, columns: [String])
    case duplicateColumn(path: String, column: String)
    case emptyFile(path: String)
    case notAnArray(path: String, line: Int)
    case xml(path: String, line: Int, message: String)
    case forbiddenDoctype(path: String, line: Int)
    case noRecords(path: String, recordPath: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open: \(reason)"
        case .cannotRead(let path, let reason): return "\(path): cannot read: \(reason)"
        case .unsupportedEncoding(let name): return "encoding \(name) is not supported by iconv on this machine"
        case .missingColumns(let path, let columns):
            return "\(path):1: header lacks the mapped column(s) \(columns.joined(separator: ", "))"
        case .duplicateColumn(let path, let column):
            return "\(path):1: header names the mapped column \(column) more than once"
        case .emptyFile(let path): return "\(path): file is empty (no header row)"
        case .notAnArray(let path, let line):
            return "\(path):\(line): expected a JSON array of objects ('['), as the catalog declares format json"
        case .xml(let path, let line, let message): return "\(path):\(line): XML error: \(message)"
        case .noRecords(let path, let recordPath):
            return "\(path): no record element at the record path \(recordPath): the file holds no record of this dataset "
                + "(is the recordPath right, or the file another export?)"
        case .forbiddenDoctype(let path, let line):
            return "\(path):\(line): document declares a DOCTYPE on this line; DTDs and entity declarations are refused (no external entities, no entity expansion)"
        }
    }
}
