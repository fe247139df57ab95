import OneSource

enum SummaryCommand: Command {
    static let name = "summary"
    static let summary = "Print the summary of one run."
    static let overview = "Print the summary of one run: stages, files, row accounting, rejected rows."
    static let usage = ["summary --run <id> [--rejections <n>] [--store <path>]"]
    static let options: [Option] = [.value("--run", "<id>", "The run."), .value("--rejections", "<n>", "How many rejected rows to list (default 20)."),
                                    .store]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("summary takes no arguments") }
        let limit = try arguments.integer("--rejections", otherwise: 20)
        let database = try openStoreForReading(arguments)
        print(try RunSummary.load(database, run: try arguments.integer("--run"), rejectionLimit: limit).render(), terminator: "")
        return .success
    }
}
