import OneSource

enum FindingsCommand: Command {
    static let name = "findings"
    static let summary = "List a run's findings (personal data masked)."
    static let overview = """
        List the findings of a run, one per line: location, severity, rule, agency, record key and
        the Chinese message. Identity numbers, names, phones and addresses are masked.
        """
    static let usage = ["findings --run <id> [--dataset <id>] [--rule <id>] [--severity <level>] [--agency <code>] [--limit <n>] [--store <path>]"]
    static let options: [Option] = [
        .value("--run", "<id>", "The run."),
        .value("--dataset", "<id>", "Only this dataset."),
        .value("--rule", "<id>", "Only this rule (e.g. conforms, unique_key)."),
        .value("--severity", "<level>", "Only error, warning or notice."),
        .value("--agency", "<code>", "Only the findings addressed to this agency."),
        .value("--limit", "<n>", "At most this many lines (default 100)."),
        .store,
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("findings takes no arguments") }
        var severity: Severity?
        if let text = arguments.value("--severity") {
            guard let value = Severity(rawValue: text) else { throw UsageError("--severity is error, warning or notice") }
            severity = value
        }
        let runID = try arguments.integer("--run")
        let database = try openStoreForReading(arguments)
        let pipeline = try PipelineDefinition.of(try RunLedger(database: database).run(runID))
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        try requireKnown(arguments.value("--dataset"), "dataset", among: catalog.datasets.map(\.id))
        try requireKnown(arguments.value("--rule"), "rule", among: ruleIDs(catalog))
        try requireKnown(arguments.value("--agency"), "agency", among: catalog.agencies.map(\.code))
        let filter = FindingListing.Filter(dataset: arguments.value("--dataset"), rule: arguments.value("--rule"), severity: severity,
                                           agency: arguments.value("--agency"), limit: try arguments.integer("--limit", otherwise: 100))
        let (lines, total) = try FindingListing.load(database, catalog: catalog, run: runID, filter: filter)
        for line in lines {
            print("\(line.location)\t\(line.severity)\t\(line.rule)\t\(line.agency)\t\(line.recordKey)\t\(line.message)")
        }
        print("\(lines.count) of \(total) finding(s) shown; personal data masked")
        return .success
    }
}
