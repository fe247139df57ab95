import Foundation
import OneSource

enum CatalogCommand: Command {
    static let name = "catalog"
    static let summary = "Check the catalog (catalog check) or publish it (catalog export)."
    static let overview = "Work with the data catalog."
    static let usage = ["catalog check [--catalog <dir>] [--as-of <date>]",
                        "catalog export [--format csv|json|html] [--open-list <year>] [--out <file>] [--catalog <dir>] [--store <path>]"]
    static let subcommands = [
        (name: "check", help: "Load the catalog and report every problem with its file and JSON path (exit 2), and warn\nof periodic evaluations overdue or missing (art. 17)."),
        (name: "export", help: "The public data catalog (art. 8): per dataset its content, agency, elements, grade, share\nand open type with reason and legal basis, frequency, last delivery and review date."),
    ]
    static let options: [Option] = [
        .value("--catalog", "<dir>", "The catalog folder (default: the installation's Pipelines/catalog)."),
        .value("--as-of", "<date>", "check: judge review dates as on this day (default today in Beijing)."),
        .value("--format", "<f>", "export: csv (UTF-8 with BOM, opens in Excel and WPS), json or html (default csv)."),
        .value("--open-list", "<year>", "export: only the datasets on that year's key open list (开放重点清单)."),
        .value("--out", "<file>", "export: write here (default: standard output)."),
        .value("--store", "<path>", "export: the store whose deliveries give each dataset's last delivery date (default store when\nit exists; none: the column stays empty)."),
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let sub = arguments.positionals.first else { throw UsageError("catalog needs a subcommand: check or export") }
        guard arguments.positionals.count == 1 else { throw UsageError("catalog \(sub) takes no further arguments") }
        let directory = try Installation.catalog(arguments)
        switch sub {
        case "check": return try check(directory, arguments)
        case "export": return try export(directory, arguments)
        default:
            throw UsageError("unknown catalog subcommand \(sub)" + Similarity.hint(for: sub, among: ["check", "export"]))
        }
    }

    static func check(_ directory: String, _ arguments: Arguments) throws -> ExitCode {
        do {
            let catalog = try Catalog.load(directory: directory)
            let sqlProblems = SQLRule.problems(in: catalog)
            if !sqlProblems.isEmpty { throw CatalogError(problems: sqlProblems) }
            let warnings = catalog.reviewWarnings(today: try arguments.date("--as-of") ?? CivilDate.of(Date()))
            for warning in warnings { print("warning: \(warning)") }
            print("catalog \(directory): \(catalog.agencies.count) agencies, \(catalog.elements.count) elements, "
                  + "\(catalog.codeTables.count) code tables, \(catalog.datasets.count) datasets; no problems"
                  + (warnings.isEmpty ? "" : ", \(warnings.count) warning(s)"))
            return .success
        } catch let error as CatalogError {
            for problem in error.problems { print(problem) }
            print("\(error.problems.count) problem(s) in catalog \(directory)")
            return .invalidConfiguration
        }
    }

    static func export(_ directory: String, _ arguments: Arguments) throws -> ExitCode {
        let catalog = try Catalog.load(directory: directory)
        let format = try arguments.value("--format").map { text in
            guard let format = CatalogExport.Format(rawValue: text) else { throw UsageError("--format is csv, json or html") }
            return format
        } ?? .csv
        var year: Int?
        if arguments.value("--open-list") != nil {
            year = Int(try arguments.integer("--open-list"))
        }
        var lastDelivered: [String: String] = [:]
        let store = try? Installation.store(arguments)
        if let store, FileManager.default.fileExists(atPath: store) {
            lastDelivered = try DeliveryTable(database: try Store.openForReading(path: store)).lastDelivered()
        } else if arguments.value("--store") != nil {
            printError("no store at \(store ?? "")")
            return .failure
        }
        let export = CatalogExport(catalog: catalog, lastDelivered: lastDelivered, openList: year)
        let title = year.map { "泰州市公共数据开放重点清单（\($0)年）" } ?? "泰州市公共数据资源目录"
        let bytes = try export.render(format, title: title)
        if let out = arguments.value("--out") {
            try Data(bytes).write(to: URL(fileURLWithPath: out))
            printNotice("\(title): \(export.entries.count) dataset(s) written to \(out)")
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
        return .success
    }
}
