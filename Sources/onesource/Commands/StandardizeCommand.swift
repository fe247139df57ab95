import Foundation
import OneSource

enum StandardizeCommand: Command {
    static let name = "standardize"
    static let summary = "Put values through a standard: canonical form, or why not."
    static let overview = """
        Put values through one standard and print, per value, the canonical form (with what was
        changed, after a tab) or `invalid`, a tab, and the reason.
        """
    static let usage = ["standardize <standard> [<value> ...] [--summary] [--today <date>] [--catalog <dir>] [--divisions <file>]"]
    static let arguments = [
        (name: "<standard>", help: "identity_number, credit_code, division_code, date, datetime, phone,\nperson_name, text, address, licence_id, money, integer, document_number,\nor a code table id (gender, ethnicity, …)."),
        (name: "<value>", help: "Values to check; read from standard input, one per line, when none is given."),
    ]
    static let options: [Option] = [
        .flag("--summary", "Print counts (valid, changed, invalid by reason) and the speed instead of each value."),
        .value("--today", "<date>", "The reference date for \"not in the future\" (default: today in Beijing)."),
        .value("--catalog", "<dir>", "The catalog folder, for code tables (default: the installation's Pipelines/catalog)."),
        .value("--divisions", "<file>", "The division table (default: Pipelines/divisions/gbt2260.tsv)."),
    ]
    static let discussion = "Exits 0 when every value is valid, 3 when any is invalid or empty."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let name = arguments.positionals.first else { throw UsageError("standardize needs a standard name") }
        let catalog = try Catalog.load(directory: try Installation.catalog(arguments))
        guard let standard = ElementStandard.named(name, catalog: catalog) else {
            throw UsageError("unknown standard \(name) (known: \(ElementStandard.names(catalog: catalog).joined(separator: ", ")))")
        }
        let divisions = try DivisionTable.load(path: try arguments.value("--divisions") ?? Installation.pipelines("divisions/gbt2260.tsv", option: "--divisions"))
        let context = StandardContext(today: try arguments.date("--today") ?? CivilDate.of(Date()), divisions: divisions)
        var values = Array(arguments.positionals.dropFirst())
        if values.isEmpty {
            while let line = readLine(strippingNewline: true) { values.append(line) }
        }
        if arguments.has("--summary") {
            let started = Date()
            var valid = 0, changed = 0, invalid = 0, empty = 0
            var reasons: [String: Int] = [:]
            for value in values {
                let result = standard.standardize(value, context: context)
                if let failure = result.failure {
                    invalid += 1
                    reasons[failure.code, default: 0] += 1
                } else if result.value == nil {
                    empty += 1
                } else {
                    valid += 1
                    if !result.changes.isEmpty { changed += 1 }
                }
            }
            let seconds = Date().timeIntervalSince(started)
            print("\(values.count) values: \(valid) valid (\(changed) changed), \(invalid) invalid, \(empty) empty")
            for (code, count) in reasons.sorted(by: { $0.key < $1.key }) { print("  invalid \(code): \(count)") }
            print(String(format: "%.3f s, %.0f values/s (one thread, standard only)", seconds, Double(values.count) / max(seconds, 1e-9)))
            return invalid + empty > 0 ? .defects : .success
        }
        var anyInvalid = false
        for value in values {
            let result = standard.standardize(value, context: context)
            if let failure = result.failure {
                anyInvalid = true
                print("invalid\t\(failure.code): \(failure.message)")
            } else if let canonical = result.value {
                print(result.changes.isEmpty ? canonical : "\(canonical)\t\(result.changes.map(\.message).joined(separator: "；"))")
            } else {
                anyInvalid = true
                print("invalid\tempty: 空值")
            }
        }
        return anyInvalid ? .defects : .success
    }
}
