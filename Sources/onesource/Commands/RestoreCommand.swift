import OneSource

enum RestoreCommand: Command {
    static let name = "restore"
    static let summary = "Put a backup in the place of the store."
    static let overview = "Put a backup in the place of the store."
    static let usage = ["restore <backup> [--store <path>]"]
    static let arguments = [(name: "<backup>", help: "A copy written by `onesource backup`.")]
    static let options: [Option] = [.store]
    static let discussion = """
        Checks the backup (quick_check, schema), takes the store's writer lock (no run may be active), keeps the
        current store beside it as <store>.replaced-<time> with its log, copies the backup in (0600) and records
        the restore in the restored store's audit trail.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError("restore takes the path of a backup") }
        let store = try Installation.store(arguments)
        let lock = try writerLock(arguments, "onesource restore \(arguments.positionals[0])")
        defer { withExtendedLifetime(lock) {} }
        let (outcome, replaced) = try Backup.restore(arguments.positionals[0], to: store)
        print("restored \(outcome.summary) to \(store)")
        if let replaced { print("the replaced store is kept at \(replaced)") }
        return .success
    }
}
