import Foundation
import OneSource

/// Says what went wrong on standard error: `Error: …` and the usage lines on a terminal; one JSON object under a
/// scheduler (standard error not a terminal), like every other line the tool writes there.
func printError(_ message: String, usage: [String] = [], details: [String] = []) {
    if ConsoleLog.toTerminal {
        var text = "Error: \(message)\n" + details.map { "  \($0)\n" }.joined()
        if let first = usage.first { text += "USAGE: " + first + "\n" + usage.dropFirst().map { "       " + $0 + "\n" }.joined() }
        FileHandle.standardError.write(Data(text.utf8))
    } else {
        var fields: [String: Any] = ["event": "error", "message": message]
        if !usage.isEmpty { fields["usage"] = usage }
        if !details.isEmpty { fields["details"] = details }
        ConsoleLog.writeJSON(fields)
    }
}

/// A notice on standard error (plain on a terminal, a JSON object under a scheduler).
func printNotice(_ message: String) {
    if ConsoleLog.toTerminal {
        FileHandle.standardError.write(Data("onesource: \(message)\n".utf8))
    } else {
        ConsoleLog.writeJSON(["event": "info", "message": message])
    }
}

func threads(_ arguments: Arguments) throws -> Int {
    arguments.value("--threads") == nil ? ProcessInfo.processInfo.activeProcessorCount : Int(try arguments.integer("--threads"))
}

/// Opens the store for a command that writes it (after taking the writer lock, where it needs one).
func openStore(_ arguments: Arguments) throws -> Database {
    try Store.open(path: try Installation.store(arguments))
}

/// Opens the store for a command that only reads it: nothing is created, a running night is not disturbed.
func openStoreForReading(_ arguments: Arguments) throws -> Database {
    try Store.openForReading(path: try Installation.store(arguments))
}

/// Takes the store's writer lock for a command that writes; says so when it took over a stale one.
func writerLock(_ arguments: Arguments, _ purpose: String) throws -> WriterLock {
    let lock = try WriterLock(storePath: try Installation.store(arguments), purpose: purpose)
    if let stale = lock.clearedStale {
        printNotice("cleared a stale lock left by a process that is gone (\(stale))")
    }
    return lock
}

/// Where a command that acts on a store finds the catalog, the calendar and the division table: the option when
/// given, else what the store's latest run recorded (so it works from any folder), else the repository's.
struct StoreDefaults {
    let catalog: String
    let calendar: String
    let divisions: String

    init(_ arguments: Arguments, database: Database) throws {
        let pipeline = try RunLedger(database: database).latestRun().map(PipelineDefinition.of)
        catalog = try arguments.value("--catalog") ?? pipeline?.catalogDirectory ?? Installation.pipelines("catalog", option: "--catalog")
        calendar = try arguments.value("--calendar") ?? pipeline?.calendarDirectory ?? Installation.pipelines("calendar", option: "--calendar")
        divisions = try arguments.value("--divisions") ?? pipeline?.divisionTable ?? Installation.pipelines("divisions/gbt2260.tsv", option: "--divisions")
    }
}

func exitCode(forRunStatus status: RunStatus) -> ExitCode {
    switch status {
    case .done: return .success
    case .doneWithDefects: return .defects
    case .running, .failed, .incomplete: return .failure
    }
}

/// Checks a name given on the command line against the ones that exist: a usage error (exit 64) naming the closest,
/// never an empty listing.
func requireKnown(_ value: String?, _ what: String, among known: [String]) throws {
    guard let value, !known.contains(value) else { return }
    let hint = Similarity.suggestion(for: value, among: known).map { "did you mean \($0)? " } ?? ""
    let list = known.count <= 12 ? "known: \(known.joined(separator: ", "))" : "\(known.count) known"
    throw UsageError("unknown \(what) \(value) (\(hint)\(list))")
}

/// Every rule id a finding or a task can carry: the built-in rules and the catalog's association rules.
func ruleIDs(_ catalog: Catalog) -> [String] {
    RuleBook.builtIn + catalog.associations.map(\.id)
}
