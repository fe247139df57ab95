import OneSource

enum StageCommand: Command {
    static let name = "stage"
    static let summary = "Re-run one stage of an existing run."
    static let overview = "Re-run one stage of an existing run, replacing that stage's output for the run."
    static let usage = ["stage <name> --run <id> [--store <path>] [--threads <n>]"]
    static let arguments = [(name: "<name>", help: "The stage: ingest, verify (standardize and verify), load, compare, associate, rectify or report.")]
    static let options: [Option] = [.value("--run", "<id>", "The run whose stage is re-run (see `onesource runs`)."), .store, .threads,
                                    .flag("--quiet", "On a terminal, print only warnings and the summary.")]
    static let discussion = """
        By hand a stage redoes its whole work, whatever an earlier invocation recorded. Re-running a stage sets the
        later stages of the run back to pending: re-run them too (`onesource run --resume <id>`). It is refused up
        front when one of those could not run again (a later run loaded the bases on top of this one), and for a
        run whose delivered records the retention policy pruned.
        Exits with the re-run stage's outcome: 0 done, 3 done with defects, 1 failed.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        // An engineer used to `run PIPELINE` often adds the pipeline here too: say what was extra and why it is not needed.
        if arguments.positionals.count > 1 {
            throw UsageError("stage takes exactly one stage name, got \(arguments.positionals.count): \(arguments.positionals.joined(separator: " ")) "
                             + "(the run's pipeline definition is read from the store: give only the stage name and --run)")
        }
        guard arguments.positionals.count == 1 else { throw UsageError("stage takes exactly one stage name") }
        let runID = try arguments.integer("--run")
        let lock = try writerLock(arguments, "onesource stage \(arguments.positionals[0]) --run \(runID)")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let requested = Stages.aliases[arguments.positionals[0]] ?? arguments.positionals[0]
        guard Stages.byName[requested] != nil else {
            let hint = Similarity.suggestion(for: requested, among: Stages.all.map(\.name)).map { "did you mean \($0)? " } ?? ""
            throw UsageError("unknown stage \(requested) (\(hint)stages: \(Stages.all.map(\.name).joined(separator: ", ")))")
        }
        try Runner(database: database, log: ConsoleLog(quiet: arguments.has("--quiet")), threads: try threads(arguments)).rerun(stage: requested, run: runID)
        let summary = try RunSummary.load(database, run: runID)
        print(summary.render(), terminator: "")
        // The exit code is the stage's: later stages left pending are not a failure of this one.
        let stages = summary.stages
        let pending = stages.filter { $0.status == .pending }.map(\.stage)
        if !pending.isEmpty {
            print("stage \(requested) re-run; later stages now pending: \(pending.joined(separator: ", ")) (`onesource run --resume \(runID)` runs them)")
        }
        switch stages.first(where: { $0.stage == requested })?.status {
        case .done?: return .success
        case .doneWithDefects?: return .defects
        default: return .failure
        }
    }
}
