import Foundation
import OneSource

enum RunCommand: Command {
    static let name = "run"
    static let summary = "Run a pipeline: ingest, verify, load, compare, associate, rectify, report."
    static let overview = "Run a pipeline definition: a new run in the store, every stage in order."
    static let usage = ["run <pipeline.json> [--as-of <date>] [--data <dir>] [--store <path>] [--threads <n>]",
                        "run --resume <id> [--store <path>] [--threads <n>]"]
    static let arguments = [(name: "<pipeline.json>", help: "A pipeline definition, e.g. Pipelines/nightly.json.")]
    static let options: [Option] = [
        .value("--as-of", "<date>", "Judge as on this day (rules, deadlines, reports); default today in Beijing."),
        .value("--data", "<dir>", "Read the exports from this folder instead of the pipeline's dataRoot."),
        .value("--resume", "<id>", "Continue an interrupted run from its first unfinished stage."),
        .store, .threads,
    ]
    static let discussion = """
        Only one process writes to a store at a time: a second one is refused (exit 75) with the holder named.
        Prints the run summary: files read, rows staged and rejected, and the first rejected rows.
        Exits 0 when clean, 3 when rows were rejected or files were missing, 1 when it could not run.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        let asOf = try arguments.date("--as-of")
        let lock = try writerLock(arguments, "onesource run \(CommandLine.arguments.dropFirst(2).joined(separator: " "))")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let runner = Runner(database: database, log: ConsoleLog(), threads: try threads(arguments))
        let runID: Int64
        if arguments.value("--resume") != nil {
            guard arguments.positionals.isEmpty, asOf == nil, arguments.value("--data") == nil else {
                throw UsageError("run --resume takes a run id and no pipeline, --as-of or --data: the run keeps its own")
            }
            runID = try arguments.integer("--resume")
            lock.update("resuming run \(runID)")
            try runner.resume(run: runID)
        } else {
            guard arguments.positionals.count == 1 else { throw UsageError("run takes exactly one pipeline definition") }
            var pipeline = try PipelineDefinition.load(path: arguments.positionals[0])
            if let folder = arguments.value("--data") { pipeline = try pipeline.reading(from: folder) }
            runID = try runner.run(pipeline, asOf: asOf)
        }
        let summary = try RunSummary.load(database, run: runID)
        print(summary.render(), terminator: "")
        return exitCode(forRunStatus: summary.run.status)
    }
}
