import Foundation
import OneSource

enum InspectCommand: Command {
    static let name = "inspect"
    static let summary = "Read one export with its dataset's reader, without the store."
    static let overview = """
        Read one export file with its dataset's reader and report rows, rejections and speed.
        Nothing is written to the store: use it to check a delivery before a run.
        """
    static let usage = ["inspect <dataset> <file> [--catalog <dir>] [--rejections <n>]"]
    static let arguments = [(name: "<dataset>", help: "A dataset id from the catalog, e.g. gongan_household."),
                            (name: "<file>", help: "The export to read.")]
    static let options: [Option] = [.value("--catalog", "<dir>", "The catalog folder (default: the installation's Pipelines/catalog)."),
                                    .value("--rejections", "<n>", "How many rejected rows to list (default 20).")]
    static let discussion = "Exits 0 when every row reads, 3 when rows were rejected or the file cannot be read."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 2 else { throw UsageError("inspect takes a dataset id and a file") }
        let catalog = try Catalog.load(directory: try Installation.catalog(arguments))
        guard let dataset = catalog.dataset(arguments.positionals[0]) else {
            throw UsageError("no dataset \(arguments.positionals[0]) in the catalog (datasets: \(catalog.datasets.map(\.id).joined(separator: ", ")))")
        }
        let limit = try arguments.integer("--rejections", otherwise: 20)
        let started = Date()
        let inspection: FileInspection
        do {
            inspection = try FileInspection.inspect(dataset, path: arguments.positionals[1], limit: limit)
        } catch let error as IngestError {
            printError(error.description)
            return .defects
        }
        let seconds = Date().timeIntervalSince(started)
        let summary = inspection.summary
        print("\(inspection.path): \(dataset.id) (\(dataset.format.rawValue), \(dataset.encoding)), \(inspection.sizeBytes) bytes, sha256 \(inspection.sha256)")
        print("read \(summary.rowsRead) = records \(summary.records) + rejected \(summary.rejected); blank lines \(summary.blankLines)"
              + (summary.continuationLines > 0 ? "; continuation lines \(summary.continuationLines)" : "")
              + (summary.counted.map { "; counted \($0)" } ?? ""))
        if summary.unaccounted != 0 {
            print("UNACCOUNTED \(summary.unaccounted): an independent count of the file finds \(summary.counted ?? 0) records, the reader accounted for "
                  + "\(summary.rowsRead + summary.continuationLines)")
        }
        let megabytes = Double(inspection.sizeBytes) / 1_048_576
        print(String(format: "%.2f s, %.1f MB/s, %.0f records/s", seconds, megabytes / max(seconds, 1e-9),
                     Double(summary.rowsRead) / max(seconds, 1e-9)))
        for warning in summary.warnings { print("warning: \(warning)") }
        for rejection in inspection.rejections { print("  \(rejection)") }
        return summary.rejected > 0 || summary.unaccounted != 0 ? .defects : .success
    }
}
