import OneSource

enum NotifyCommand: Command {
    static let name = "notify"
    static let summary = "Send (or print) a run's message: status, tasks per agency, deliveries."
    static let overview = """
        A run's one message, as `run` sends it where the pipeline's "notify" says (webhooks, mail): status and exit code
        with the reason, per agency the tasks raised, reopened, overdue and newly overdue, missing or unreadable
        deliveries, and where the reports are. Never a personal value.
        """
    static let usage = ["notify [--run <id>] [--print] [--if-attention] [--store <path>]"]
    static let options: [Option] = [
        .value("--run", "<id>", "The run (default: the latest)."),
        .flag("--print", "Print the message instead of sending it."),
        .flag("--if-attention", "Only when someone must act: exit 1, or exit 3 with tasks newly overdue."),
        .store,
    ]
    static let discussion = """
        `scripts/nightly.sh` prints the message with `--print --if-attention`, so cron mails only the nights that need
        someone. Sending again uses the notify settings stored with the run.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("notify takes no arguments") }
        let database = try openStoreForReading(arguments)
        let ledger = RunLedger(database: database)
        let runID: Int64
        if arguments.value("--run") != nil {
            runID = try arguments.integer("--run")
        } else {
            guard let latest = try ledger.latestRun() else {
                printError("no runs in \(database.path)")
                return .failure
            }
            runID = latest.id
        }
        let digest = try RunDigest.load(database, run: runID, storePath: database.path)
        if arguments.has("--if-attention") && !digest.needsAttention { return .success }
        if arguments.has("--print") {
            print(digest.text, terminator: "")
            return .success
        }
        guard let policy = try PipelineDefinition.of(try ledger.run(runID)).notify else {
            printError("run \(runID)'s pipeline has no \"notify\": nowhere to send (use --print to see the message)")
            return .invalidConfiguration
        }
        let outcomes = Notifier(policy: policy.always).send(digest, log: ConsoleLog())
        for line in outcomes { print(line) }
        return outcomes.contains { $0.hasPrefix("warning") } ? .failure : .success
    }
}
