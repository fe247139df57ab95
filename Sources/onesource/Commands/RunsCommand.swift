import OneSource

enum RunsCommand: Command {
    static let name = "runs"
    static let summary = "List runs with their counts."
    static let overview = "List the most recent runs with their status and row counts."
    static let usage = ["runs [--limit <n>] [--store <path>]"]
    static let options: [Option] = [.value("--limit", "<n>", "How many runs to list (default 20)."), .store]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("runs takes no arguments") }
        let limit = try arguments.integer("--limit", otherwise: 20)
        let database = try openStoreForReading(arguments)
        var rows: [[String]] = []
        for run in try RunLedger(database: database).recentRuns(limit: limit) {
            let summary = try RunSummary.load(database, run: run.id, rejectionLimit: 0)
            rows.append([String(run.id), run.pipeline, run.status.rawValue, run.startedAt, String(summary.files.count),
                         String(summary.totalRead), String(summary.totalStaged), String(summary.totalRejected)])
        }
        if rows.isEmpty {
            print("no runs in \(database.path)")
        } else {
            print(TextTable.render(header: ["run", "pipeline", "status", "started", "files", "read", "staged", "rejected"],
                                   rows: rows, rightAligned: [0, 4, 5, 6, 7]), terminator: "")
        }
        return .success
    }
}
