import Foundation
import OneSource

extension Help {
    static let backup = """
        OVERVIEW: Write a consistent copy of the store to a new file, while readers and even a run go on.

        USAGE: onesource backup <path> [--store <path>]

        ARGUMENTS:
          <path>                  The copy to write; it must not exist. Created readable by its owner only.

        OPTIONS:
        \(storeOption)\(helpOption)
        The copy is the store as of one commit (SQLite's VACUUM INTO, compacted), checked with PRAGMA
        quick_check, and recorded with its size and SHA-256 in the store's audit trail (when a run is writing,
        the entry waits for the run's current transaction). Restore with `onesource restore <path>`.

        """

    static let restore = """
        OVERVIEW: Put a backup in the place of the store.

        USAGE: onesource restore <backup> [--store <path>]

        OPTIONS:
        \(storeOption)\(helpOption)
        Checks the backup (quick_check, schema), takes the store's writer lock (no run may be active), keeps the
        current store beside it as <store>.replaced-<time> with its log, copies the backup in (0600) and records
        the restore in the restored store's audit trail.

        """
}

func backupCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store"], flags: [])
    if arguments.wantsHelp { print(Help.backup, terminator: ""); return .success }
    guard arguments.positionals.count == 1 else { throw UsageError("backup takes the path of the copy to write") }
    let started = Date()
    let outcome = try Backup.write(store: arguments.value("--store") ?? Store.defaultPath, to: arguments.positionals[0])
    print(outcome.summary + String(format: "; %.2f s", Date().timeIntervalSince(started)))
    guard outcome.audited else {
        printError("the backup is written, but the store can only be read: the backup is not in its audit trail")
        return .failure
    }
    return .success
}

func restoreCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store"], flags: [])
    if arguments.wantsHelp { print(Help.restore, terminator: ""); return .success }
    guard arguments.positionals.count == 1 else { throw UsageError("restore takes the path of a backup") }
    let store = arguments.value("--store") ?? Store.defaultPath
    let lock = try writerLock(arguments, "onesource restore \(arguments.positionals[0])")
    defer { withExtendedLifetime(lock) {} }
    let (outcome, replaced) = try Backup.restore(arguments.positionals[0], to: store)
    print("restored \(outcome.summary) to \(store)")
    if let replaced { print("the replaced store is kept at \(replaced)") }
    return .success
}
