import OneSource

enum ReportCommand: Command {
    static let name = "report"
    static let summary = "Quality reports of a run (HTML, JSON, CSV), for the city and each agency."
    static let overview = """
        Measure a run's data quality per agency, dataset and GB/T 36344 dimension and write the reports:
        city.html / city.json, agency-<code>.html / .json (self-contained, Chinese, printable) and metrics.csv.
        Personal data in the reports is masked.
        """
    static let usage = ["report --run <id> --out <dir> [--agency <code>] [--store <path>]"]
    static let options: [Option] = [
        .value("--run", "<id>", "The run."),
        .value("--out", "<dir>", "Where to write the reports."),
        .value("--agency", "<code>", "Only this agency's report (and its metrics)."),
        .store,
    ]
    static let discussion = "It recomputes the run's metrics in the store: refused while a run writes it (exit 75)."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("report takes no arguments") }
        guard let out = arguments.value("--out") else { throw UsageError("--out is required") }
        let runID = try arguments.integer("--run")
        let lock = try writerLock(arguments, "onesource report --run \(runID)")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let pipeline = try PipelineDefinition.of(try RunLedger(database: database).run(runID))
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        try requireKnown(arguments.value("--agency"), "agency", among: catalog.agencies.map(\.code))
        for path in try ReportStage.writeReports(database, catalog: catalog, pipeline: pipeline, run: runID, agency: arguments.value("--agency"), to: out) {
            print(path)
        }
        return .success
    }
}
