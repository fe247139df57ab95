import Foundation
import OneSource

enum RunCommand: Command {
    static let name = "run"
    static let summary = "Run a pipeline: ingest, verify, load, compare, associate, rectify, report."
    static let overview = "Run a pipeline definition: a new run in the store, every stage in order."
    static let usage = ["run <pipeline.json> [--as-of <date>] [--data <dir>] [--store <path>] [--threads <n>] [--resume-unfinished] [--quiet]",
                        "run --resume <id> [--store <path>] [--threads <n>] [--quiet]"]
    static let arguments = [(name: "<pipeline.json>", help: "A pipeline definition, e.g. Pipelines/nightly.json.")]
    static let options: [Option] = [
        .value("--as-of", "<date>", "Judge as on this day (rules, deadlines, reports); default today in Beijing."),
        .value("--data", "<dir>", "Read the exports from this folder instead of the pipeline's dataRoot."),
        .value("--resume", "<id>", "Continue an interrupted run from its first unfinished stage."),
        .store, .threads,
        .flag("--resume-unfinished", "When the store's latest run of this pipeline was interrupted (killed, power cut),\nresume it instead of starting a new one (for a scheduler's retry)."),
        .flag("--quiet", "On a terminal, print only warnings and the summary."),
    ]
    static let discussion = """
        Only one process writes to a store at a time: a second one is refused (exit 75) with the holder named.
        Prints the run summary: files read, rows staged and rejected, and the first rejected rows.
        A new run is checked first as `onesource check` does: on a problem in the definition, the catalog or the
        reference data it exits 2 before it touches the store.
        Exits 0 when clean, 3 when rows were rejected or files were missing, 1 when it could not run.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        let asOf = try arguments.date("--as-of")
        let log = ConsoleLog(quiet: arguments.has("--quiet"))
        var checked: PipelineDefinition?
        if arguments.value("--resume") == nil {
            guard arguments.positionals.count == 1 else { throw UsageError("run takes exactly one pipeline definition") }
            let report = PipelineCheck.run(path: arguments.positionals[0], dataRoot: arguments.value("--data"),
                                           asOf: asOf ?? CivilDate.of(Date()), storePath: try Installation.store(arguments))
            guard report.problems.isEmpty, let pipeline = report.pipeline else {
                if let policy = report.pipeline?.notify {
                    Notifier(policy: policy).send(RunDigest.refused(pipeline: report.pipeline?.name ?? "?", problems: report.problems.count), log: log)
                }
                let problems = report.problems.map { String($0.description.dropFirst("problem: ".count)) }
                printError("the pipeline cannot run: " + (problems.count == 1 ? problems[0]
                               : "\(problems.count) problem(s) (`onesource check` lists the same)"), details: problems.count == 1 ? [] : problems)
                return .invalidConfiguration
            }
            for finding in report.findings { log.info("warning: \(finding)") }
            checked = pipeline
        }
        let lock = try writerLock(arguments, "onesource run \(CommandLine.arguments.dropFirst(2).joined(separator: " "))")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let runner = Runner(database: database, log: log, threads: try threads(arguments))
        let ledger = RunLedger(database: database)
        let before = try ledger.latestRun()?.id ?? 0
        var runID: Int64?
        var notify = checked?.notify
        do {
            if arguments.value("--resume") != nil {
                guard arguments.positionals.isEmpty, asOf == nil, arguments.value("--data") == nil, !arguments.has("--resume-unfinished") else {
                    throw UsageError("run --resume takes a run id and no pipeline, --as-of, --data or --resume-unfinished: the run keeps its own")
                }
                let id = try arguments.integer("--resume")
                runID = id
                try resume(id, runner: runner, lock: lock, notify: &notify)
            } else {
                guard let pipeline = checked else { throw UsageError("run takes exactly one pipeline definition") }
                if arguments.has("--resume-unfinished"), let latest = try ledger.latestRun(), latest.pipeline == pipeline.name, latest.status == .running {
                    runID = latest.id
                    printNotice("run \(latest.id) of pipeline \(pipeline.name) was interrupted: resuming it instead of starting a new run")
                    try resume(latest.id, runner: runner, lock: lock, notify: &notify)
                } else {
                    runID = try runner.run(pipeline, asOf: asOf)
                }
            }
        } catch {
            // A run that failed still sends its message (exit 1 is what an operator must hear about).
            if let notify, let id = runID ?? (try? ledger.latestRun()).flatMap({ $0.flatMap { $0.id > before ? $0.id : nil } }),
               let digest = try? RunDigest.load(database, run: id, storePath: database.path) {
                Notifier(policy: notify).send(digest, log: log)
            }
            throw error
        }
        guard let runID else { return .failure }
        let summary = try RunSummary.load(database, run: runID)
        print(summary.render(), terminator: "")
        if let notify { Notifier(policy: notify).send(try RunDigest.load(database, run: runID, storePath: database.path), log: log) }
        return exitCode(forRunStatus: summary.run.status)
    }

    /// Resumes run `id` with the definition stored with it, saying so and what differs from the file now.
    private static func resume(_ id: Int64, runner: Runner, lock: WriterLock, notify: inout NotifyPolicy?) throws {
        lock.update("resuming run \(id)")
        if let stored = try? PipelineDefinition.of(try RunLedger(database: runner.database).run(id)) {
            printNotice(stored.resumeNotice(run: id))
            notify = stored.notify
        }
        try runner.resume(run: id)
    }
}
