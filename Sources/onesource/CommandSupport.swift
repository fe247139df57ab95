import Foundation
import OneSource

func printError(_ message: String) {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
}

func threads(_ arguments: Arguments) throws -> Int {
    arguments.value("--threads") == nil ? ProcessInfo.processInfo.activeProcessorCount : Int(try arguments.integer("--threads"))
}

/// Opens the store for a command that writes it (after taking the writer lock, where it needs one).
func openStore(_ arguments: Arguments) throws -> Database {
    try Store.open(path: arguments.value("--store") ?? Store.defaultPath)
}

/// Opens the store for a command that only reads it: nothing is created, a running night is not disturbed.
func openStoreForReading(_ arguments: Arguments) throws -> Database {
    try Store.openForReading(path: arguments.value("--store") ?? Store.defaultPath)
}

/// Takes the store's writer lock for a command that writes; says so when it took over a stale one.
func writerLock(_ arguments: Arguments, _ purpose: String) throws -> WriterLock {
    let lock = try WriterLock(storePath: arguments.value("--store") ?? Store.defaultPath, purpose: purpose)
    if let stale = lock.clearedStale {
        FileHandle.standardError.write(Data("onesource: cleared a stale lock left by a process that is gone (\(stale))\n".utf8))
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
        catalog = arguments.value("--catalog") ?? pipeline?.catalogDirectory ?? "Pipelines/catalog"
        calendar = arguments.value("--calendar") ?? pipeline?.calendarDirectory ?? "Pipelines/calendar"
        divisions = arguments.value("--divisions") ?? pipeline?.divisionTable ?? "Pipelines/divisions/gbt2260.tsv"
    }
}

func exitCode(forRunStatus status: RunStatus) -> ExitCode {
    switch status {
    case .done: return .success
    case .doneWithDefects: return .defects
    case .running, .failed, .incomplete: return .failure
    }
}
