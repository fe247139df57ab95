import Foundation
import OneSource

enum CheckCommand: Command {
    static let name = "check"
    static let summary = "Check a pipeline before the night: definition, catalog, reference data, deliveries."
    static let overview = """
        Check a pipeline as the run would, without writing anything: the definition's keys and paths, the catalog,
        the stages' names, the division table, the working-day calendar for the deadlines tonight's tasks can get,
        each expected file present and matching its pattern, its encoding known, its header carrying every mapped
        column (only the header or first record is read), and the reports folder writable.
        """
    static let usage = ["check <pipeline.json> [--as-of <date>] [--data <dir>] [--store <path>]"]
    static let arguments = [(name: "<pipeline.json>", help: "A pipeline definition, e.g. Pipelines/nightly.json.")]
    static let options: [Option] = [
        .value("--as-of", "<date>", "Check the deadlines as on this day (default today in Beijing)."),
        .value("--data", "<dir>", "Check the exports in this folder instead of the pipeline's dataRoot."),
        .store,
    ]
    static let discussion = """
        Each line names the file and, in a JSON file, the JSON path. `onesource run` makes the same check first and
        refuses to start (exit 2) on a problem; delivery warnings do not stop a run (ingest raises them against the
        agency). Exits 0 when all is well, 2 on any problem, 3 when only deliveries are missing or unreadable.
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError("check takes exactly one pipeline definition") }
        let report = PipelineCheck.run(path: arguments.positionals[0], dataRoot: arguments.value("--data"),
                                       asOf: try arguments.date("--as-of") ?? CivilDate.of(Date()), storePath: try Installation.store(arguments))
        for finding in report.findings.sorted(by: { $0.kind < $1.kind }) { print(finding) }
        let name = report.pipeline?.name ?? arguments.positionals[0]
        let notices = report.findings.count - report.problems.count - report.deliveries.count
        print("pipeline \(name): \(report.problems.count) problem(s), \(report.deliveries.count) delivery warning(s), \(notices) notice(s)")
        if !report.problems.isEmpty { return .invalidConfiguration }
        return report.deliveries.isEmpty ? .success : .defects
    }
}
