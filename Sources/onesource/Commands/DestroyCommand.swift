import Foundation
import OneSource

enum DestroyCommand: Command {
    static let name = "destroy"
    static let summary = "Destroy a dataset's or a key's values, leaving who, when, why and the counts."
    static let overview = "Destroy data that must no longer be held (measures art. 22): its values leave the store file."
    static let usage = ["destroy <dataset> --reason <text> --basis <text> --yes [--store <path>]",
                        "destroy --key <key> [<dataset>] --reason <text> --basis <text> --yes [--store <path>]"]
    static let arguments = [(name: "<dataset>", help: "A dataset id: all its values, or with --key that dataset's records of the key.")]
    static let options: [Option] = [
        .value("--key", "<key>", "A record key: its records in every dataset, base, history, quarantine,\nfinding and task, and the key wherever it appears in other text."),
        .value("--reason", "<text>", "Why (required)."),
        .value("--basis", "<text>", "The legal basis (required)."),
        .flag("--yes", "Confirm: destruction cannot be undone."),
        .store, .catalog, .divisions,
    ]
    static let discussion = """
        Freed space is zeroed (secure_delete) and the write-ahead log cut, so the values are not left in free
        pages. Kept: the audit entry (who, when, reason, basis, counts), the files' SHA-256 and a salted,
        iterated hash of the key. Prints what it removed, and the backups and task exports written before,
        which still hold the values. Refused while a run writes the store (exit 75).
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count <= 1 else { throw UsageError("name one dataset at most") }
        guard arguments.value("--key") != nil || !arguments.positionals.isEmpty else { throw UsageError("name a dataset, a key (--key), or both") }
        guard let reason = arguments.value("--reason"), let basis = arguments.value("--basis") else {
            throw UsageError("destroy needs --reason TEXT and --basis TEXT")
        }
        guard arguments.has("--yes") else { throw UsageError("destruction cannot be undone: add --yes to confirm") }
        let lock = try writerLock(arguments, "onesource destroy")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let scope = try DataScope(arguments, database: database)
        let started = Date()
        let outcome = try Destruction(database: database, catalog: scope.catalog).destroy(dataset: scope.dataset, key: scope.key, reason: reason, basis: basis)
        print("destruction \(outcome.id): \(outcome.scope)" + String(format: " (%.2f s)", Date().timeIntervalSince(started)))
        for (what, count) in outcome.removed { print("  \(what): \(count)") }
        if !outcome.copiesOutside.isEmpty {
            print("written before, outside the store, and still holding the values (destroy or re-make them):")
            for copy in outcome.copiesOutside { print("  \(copy)") }
        }
        return .success
    }
}
