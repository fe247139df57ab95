import Foundation
import OneSource

enum BackupCommand: Command {
    static let name = "backup"
    static let summary = "Write a consistent copy of the store (while readers and a run go on)."
    static let overview = "Write a consistent copy of the store to a new file, while readers and even a run go on."
    static let usage = ["backup <path> [--store <path>]"]
    static let arguments = [(name: "<path>", help: "The copy to write; it must not exist. Created readable by its owner only.")]
    static let options: [Option] = [.store]
    static let discussion = """
        The copy is the store as of one commit (SQLite's VACUUM INTO, compacted), checked with PRAGMA
        quick_check, and recorded with its size and SHA-256 in the store's audit trail (when a run is writing,
        the entry waits for the run's current transaction). Restore with `onesource restore <path>`.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError("backup takes the path of the copy to write") }
        let started = Date()
        let outcome = try Backup.write(store: try Installation.store(arguments), to: arguments.positionals[0])
        print(outcome.summary + String(format: "; %.2f s", Date().timeIntervalSince(started)))
        guard outcome.audited else {
            printError("the backup is written, but the store can only be read: the backup is not in its audit trail")
            return .failure
        }
        return .success
    }
}
