import Foundation
import Testing
@testable import OneSource

/// A byte source over memory that hands out at most `step` bytes per read, to exercise chunk boundaries.
final class MemoryInput: ByteSource {
    private let bytes: [UInt8]
    private var position = 0
    private let step: Int

    init(_ bytes: [UInt8], step: Int = .max) {
        self.bytes = bytes
        self.step = step
    }

    convenience init(_ text: String, step: Int = .max) {
        self.init(Array(text.utf8), step: step)
    }

    func read(into destination: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        let n = min(count, step, bytes.count - position)
        for i in 0..<n { destination[i] = bytes[position + i] }
        position += n
        return n
    }
}

/// Collects what a reader produced.
final class CollectingSink: RecordSink {
    struct Record: Equatable {
        let line: Int
        let index: Int
        let values: [String?]
    }
    var records: [Record] = []
    var rejections: [Rejection] = []
    var notes: [Rejection] = []

    func accept(_ record: RecordFields) throws {
        records.append(Record(line: record.line, index: record.index, values: record.strings))
    }

    func reject(_ rejection: Rejection) throws {
        rejections.append(rejection)
    }

    func note(_ note: Rejection) throws {
        notes.append(note)
    }
}

/// A 市场监管局 export of `count` entities (credit codes C1, C2, …, each on its own line), ending with `tail` before the
/// closing tag, written to `root`/data/市场监管局/市场主体.xml; returns the text.
@discardableResult
func writeEntitiesXML(_ count: Int, tail: String = "", under root: URL) throws -> String {
    let folder = root.appendingPathComponent("data/市场监管局")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var xml = "<?xml version=\"1.0\"?>\n<市场主体列表>\n"
    for i in 1...count {
        xml += "<市场主体><统一社会信用代码>C\(i)</统一社会信用代码><名称>N\(i)</名称><法定代表人><姓名>X</姓名></法定代表人>"
            + "<登记状态>存续</登记状态><成立日期>2020-01-01</成立日期></市场主体>\n"
    }
    xml += tail + "</市场主体列表>\n"
    try xml.write(to: folder.appendingPathComponent("市场主体.xml"), atomically: true, encoding: .utf8)
    return xml
}

enum Paths {
    /// The package root, found from this file's location.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A new empty directory for one test, inside this test process's own folder.
    static func temporaryDirectory() throws -> URL {
        let url = testRoot.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The folder holding every temporary directory of this test process. It is removed when the process exits,
    /// so runs do not pile up stores and generated cities in the system's temporary folder (a full run made about
    /// 420 directories, some of 190 MB). `ONESOURCE_KEEP_TEST_FILES=1` keeps it, to look at what a test wrote.
    static let testRoot: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("onesource-tests-\(getpid())-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["ONESOURCE_KEEP_TEST_FILES"] != "1" {
            atexit { try? FileManager.default.removeItem(at: Paths.testRoot) }
        }
        return url
    }()

    /// The built `onesource` binary, beside the test bundle.
    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("onesource")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("onesource")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/onesource")
    }
}

/// Runs the built binary and captures its output and exit code.
func runBinary(_ arguments: [String], in directory: URL = Paths.packageRoot) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProgram(Paths.binary, arguments, in: directory)
}

/// The error the tool wrote on standard error (a JSON object under a test, as under a scheduler): its message.
func errorMessage(_ stderr: String) -> String? {
    errorObject(stderr)?["message"] as? String
}

/// The usage lines that came with the error.
func errorUsage(_ stderr: String) -> [String]? {
    errorObject(stderr)?["usage"] as? [String]
}

private func errorObject(_ stderr: String) -> [String: Any]? {
    for line in stderr.split(separator: "\n") {
        if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["event"] as? String == "error" {
            return object
        }
    }
    return nil
}

/// Runs a program and captures its output and exit code.
func runProgram(_ executable: URL, _ arguments: [String], in directory: URL = Paths.packageRoot) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = directory
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// The binary started with `ONESOURCE_FAILPOINT=failpoint`, returned once it says the failpoint was reached (an
/// event, whatever the machine's load), its standard error drained from then on. `reached` is false when the child
/// ended without reaching it.
func startAtFailpoint(_ arguments: [String], failpoint: String,
                      in directory: URL = Paths.packageRoot) throws -> (process: Process, reached: Bool) {
    let process = Process()
    process.executableURL = Paths.binary
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = ProcessInfo.processInfo.environment.merging(["ONESOURCE_FAILPOINT": failpoint]) { $1 }
    let errors = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    try process.run()
    let line = "onesource: failpoint \(failpoint.split(separator: ":").prefix(2).joined(separator: ":")) reached\n"
    var seen = ""
    while !seen.contains(line) {
        let data = errors.fileHandleForReading.availableData
        if data.isEmpty { break }
        seen += String(decoding: data, as: UTF8.self)
    }
    // The rest of its log is read in the background, so the child never blocks on a full pipe.
    DispatchQueue.global().async { _ = errors.fileHandleForReading.readDataToEndOfFile() }
    return (process, seen.contains(line))
}

/// What a run decided, as text to compare between two stores: its findings, the bases, quarantine and tasks, without
/// ids or times that differ between two equal runs. SHA-256 of each part, named.
func storeFingerprint(_ database: Database, run: Int64) throws -> [String: String] {
    func digest(_ sql: String, _ arguments: [SQLValue] = []) throws -> String {
        var text = ""
        for row in try database.rows(sql, arguments) {
            text += row.map { value -> String in
                switch value {
                case .null: return "∅"
                case .integer(let i): return String(i)
                case .real(let r): return String(r)
                case .text(let t): return t
                }
            }.joined(separator: "\u{1}") + "\n"
        }
        return SHA256.hex(of: Array(text.utf8))
    }
    var parts: [String: String] = [:]
    parts["findings"] = try digest("""
        SELECT stage, rule_id, severity, agency, dataset_id, record_key, element, observed, expected, reason, file_id, line, record_index, message
        FROM findings WHERE run_id = ? ORDER BY 1, 2, 5, 6, 7, 11, 12, 13, 8, 9
        """, [.integer(run)])
    parts["quarantine"] = try digest("SELECT dataset_id, file_id, line, record_key, raw, reasons FROM quarantine WHERE run_id = ? ORDER BY 1, 2, 3",
                                     [.integer(run)])
    parts["tasks"] = try digest("""
        SELECT identity, rule_id, agency, dataset_id, record_key, element, status, observed, expected, due_on, line FROM tasks ORDER BY identity
        """)
    for table in try database.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'base\\_%' ESCAPE '\\' ORDER BY name")
        .compactMap({ $0[0].text }) where table != "base_loads" && table != "base_history" {
        parts[table] = try digest("SELECT * FROM \"\(table)\" ORDER BY record_key")
    }
    return parts
}

/// One dataset's records as delivered (staging, with the values it left to the standardized table), by `condition`:
/// `rowid, run_id, file_id, line, record_index`, then the element columns.
func deliveredRows(_ database: Database, _ dataset: String, where condition: String = "1", _ arguments: [SQLValue] = []) throws -> [[SQLValue]] {
    let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
    let table = StagingTable(dataset: try #require(catalog.dataset(dataset)))
    return try database.rows("SELECT * FROM (\(try table.deliveredQuery(in: database))) WHERE \(condition) ORDER BY rowid", arguments)
}

/// One delivered value (see `deliveredRows`).
func deliveredValue(_ database: Database, _ dataset: String, _ element: String, where condition: String) throws -> String? {
    let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
    let table = StagingTable(dataset: try #require(catalog.dataset(dataset)))
    return try database.queryScalarText("SELECT \(StagingTable.quote(element)) FROM (\(try table.deliveredQuery(in: database))) WHERE \(condition)")
}
