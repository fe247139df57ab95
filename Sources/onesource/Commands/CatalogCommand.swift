import OneSource

enum CatalogCommand: Command {
    static let name = "catalog"
    static let summary = "Check the catalog and list every problem (catalog check)."
    static let overview = "Work with the data catalog."
    static let usage = ["catalog check [--catalog <dir>]"]
    static let subcommands = [(name: "check", help: "Load the catalog and report every problem with its file and JSON path.\nExits 0 when clean, 2 when there are problems.")]
    static let options: [Option] = [.value("--catalog", "<dir>", "The catalog folder (default: the installation's Pipelines/catalog).")]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let sub = arguments.positionals.first else { throw UsageError("catalog needs a subcommand: check") }
        guard arguments.positionals == ["check"] else { throw UsageError("unknown catalog subcommand \(sub)") }
        let directory = try Installation.catalog(arguments)
        do {
            let catalog = try Catalog.load(directory: directory)
            let sqlProblems = SQLRule.problems(in: catalog)
            if !sqlProblems.isEmpty { throw CatalogError(problems: sqlProblems) }
            print("catalog \(directory): \(catalog.agencies.count) agencies, \(catalog.elements.count) elements, "
                  + "\(catalog.codeTables.count) code tables, \(catalog.datasets.count) datasets; no problems")
            return .success
        } catch let error as CatalogError {
            for problem in error.problems { print(problem) }
            print("\(error.problems.count) problem(s) in catalog \(directory)")
            return .invalidConfiguration
        }
    }
}
