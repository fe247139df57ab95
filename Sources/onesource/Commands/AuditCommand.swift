import Foundation
import OneSource

enum AuditCommand: Command {
    static let name = "audit"
    static let summary = "The audit trail: runs, stages, input files, exports, replies, reveals, custody."
    static let overview = """
        Query the append-only audit trail (measures art. 23): every run, stage, input file (path, size,
        SHA-256), task export, reply import, report, reveal of personal data, pruning, backup, seal and
        destruction, with who, on which host and when.
        """
    static let usage = ["audit [--since <date>] [--until <date>] [--dataset <id>] [--sha256 <hash>] [--key <key>] [--limit <n>] [--store <path>]"]
    static let options: [Option] = [
        .value("--since", "<date>", "Only entries on or after this date (Beijing time)."),
        .value("--until", "<date>", "Only entries on or before this date (Beijing time)."),
        .value("--dataset", "<id>", "Only entries about this dataset."),
        .value("--sha256", "<hash>", "Only entries about the file with this content."),
        .value("--key", "<key>", "The files that delivered this record key, and the reveals of it."),
        .value("--limit", "<n>", "At most this many entries (default 500)."),
        .store, .catalog,
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.isEmpty else { throw UsageError("audit takes no arguments") }
        let database = try openStoreForReading(arguments)
        let catalog = try Catalog.load(directory: try StoreDefaults(arguments, database: database).catalog)
        try requireKnown(arguments.value("--dataset"), "dataset", among: catalog.datasets.map(\.id))
        var key = arguments.value("--key")
        if let raw = key, let canonical = IdentityNumber.standardize(raw, context: StandardContext(today: CivilDate.of(Date()),
                                                                                                divisions: DivisionTable(entries: [], source: ""))).value {
            key = canonical
        }
        let entries = try AuditQuery(database: database, catalog: catalog).entries(
            since: try arguments.date("--since"), until: try arguments.date("--until"), dataset: arguments.value("--dataset"),
            sha256: arguments.value("--sha256"), key: key, limit: try arguments.integer("--limit", otherwise: 500))
        let rows = entries.map { entry -> [String] in
            // Entries written before reveals were named (schema 8 and earlier) hold the key itself: masked here.
            let counts = entry.action == "personal_data_revealed" && !(entry.counts ?? "").hasPrefix("reveal ")
                ? Masking.mask(entry.counts ?? "", kind: "id_number") : (entry.counts ?? "")
            return [entry.at, "\(entry.user)@\(entry.host)", entry.action, entry.run.map(String.init) ?? "", entry.dataset ?? "",
                    entry.path ?? "", entry.sha256.map { String($0.prefix(12)) } ?? "", counts, entry.outcome]
        }
        print(TextTable.render(header: ["at", "who", "action", "run", "dataset", "path", "sha256", "counts", "outcome"], rows: rows), terminator: "")
        print("\(entries.count) audit entr\(entries.count == 1 ? "y" : "ies")")
        return .success
    }
}
