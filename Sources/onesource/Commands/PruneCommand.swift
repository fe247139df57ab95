import Foundation
import OneSource

enum PruneCommand: Command {
    static let name = "prune"
    static let summary = "Apply the retention policy and give the space back."
    static let overview = "Apply the retention policy: remove the delivered copies of records that older runs no longer need."
    static let usage = ["prune [--keep-runs <n>] [--vacuum] [--store <path>]"]
    static let options: [Option] = [
        .value("--keep-runs", "<n>", "Keep the staged and standardized rows of the last n runs (default: the\nretention policy of the pipeline the store's latest run used)."),
        .flag("--vacuum", "Rewrite the whole store afterwards (VACUUM): once, for a store made before\nthis version, so that pruning can give space back to the file system."),
        .store,
    ]
    static let discussion = """
        Removed: staging and standardized rows, quarantined records' values, rejected lines' text of older
        runs. Kept: each dataset's latest delivery, deliveries with live tasks, and the lasting record (runs,
        files with their SHA-256, bases with provenance and history, findings, tasks, metrics, audit).
        Free pages are then given back a few megabytes per transaction; readers are not blocked.
        Recorded in the audit trail. Every run applies the policy of its pipeline ("retention") by itself.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("prune takes no arguments") }
        let path = try Installation.store(arguments)
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.noStore(path: path) }
        let lock = try writerLock(arguments, "onesource prune")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let policy: RetentionPolicy
        if arguments.value("--keep-runs") != nil {
            policy = RetentionPolicy(keepRuns: Int(try arguments.integer("--keep-runs")))
        } else if let stored = try RunLedger(database: database).latestRun().map(PipelineDefinition.of)?.retention {
            policy = stored
        } else {
            throw UsageError("the store's latest run has no retention policy in its pipeline: give --keep-runs <n>")
        }
        let retention = Retention(database: database)
        let started = Date()
        print(try retention.prune(policy, reason: "onesource prune").summary)
        if arguments.has("--vacuum") {
            let sizes = try retention.vacuum()
            print(String(format: "store rewritten: %.1f MB -> %.1f MB", Double(sizes.before) / 1_048_576, Double(sizes.after) / 1_048_576))
        } else {
            let space = try retention.giveBackSpace()
            if try !retention.returnsSpace() {
                print("the store was made without incremental auto-vacuum: its \(try retention.freePages()) free pages serve the next runs' rows; "
                      + "`onesource prune --vacuum` rewrites it once to give space back from then on")
            } else {
                print(String(format: "%d free pages returned: %.1f MB -> %.1f MB", space.pages, Double(space.before) / 1_048_576,
                             Double(space.after) / 1_048_576))
            }
        }
        print(String(format: "%.2f s", Date().timeIntervalSince(started)))
        return .success
    }
}
