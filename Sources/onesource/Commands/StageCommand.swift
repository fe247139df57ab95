import OneSource

enum StageCommand: Command {
    static let name = "stage"
    static let summary = "Re-run one stage of an existing run."
    static let overview = "Re-run one stage of an existing run, replacing that stage's output for the run."
    static let usage = ["stage <name> --run <id> [--store <path>] [--threads <n>]"]
    static let arguments = [(name: "<name>", help: "The stage: ingest, verify (standardize and verify), load, compare, associate, rectify or report.")]
    static let options: [Option] = [.value("--run", "<id>", "The run whose stage is re-run (see `onesource runs`)."), .store, .threads]
    static let discussion = """
        By hand a stage redoes its whole work, whatever an earlier invocation recorded. Re-running a stage sets the
        later stages of the run back to pending: re-run them too. A run whose delivered records were pruned by the
        retention policy cannot run a stage again.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError("stage takes exactly one stage name") }
        let runID = try arguments.integer("--run")
        let lock = try writerLock(arguments, "onesource stage \(arguments.positionals[0]) --run \(runID)")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        try Runner(database: database, log: ConsoleLog(), threads: try threads(arguments)).rerun(stage: arguments.positionals[0], run: runID)
        let summary = try RunSummary.load(database, run: runID)
        print(summary.render(), terminator: "")
        return exitCode(forRunStatus: summary.run.status)
    }
}
