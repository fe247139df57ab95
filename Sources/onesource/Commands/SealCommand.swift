import Foundation
import OneSource

enum SealCommand: Command {
    static let name = "seal"
    static let summary = "Seal data that may no longer be used (kept, not used or shown)."
    static let overview = """
        Seal data that may no longer be used (measures art. 22): kept, but no longer compared,
        associated, shown by lookup, exported in task lists or shared.
        """
    static let usage = ["seal <dataset> --reason <text> --basis <text> [--store <path>]",
                        "seal --key <key> [<dataset>] --reason <text> --basis <text> [--store <path>]",
                        "seal --list [--store <path>]"]
    static let arguments = [(name: "<dataset>", help: "A dataset id of the catalog: the whole dataset, or with --key that dataset's record.")]
    static let options: [Option] = [
        .value("--key", "<key>", "A record key (identity number, credit code, licence number): in every dataset\nand base, or in <dataset> only."),
        .value("--reason", "<text>", "Why (required)."),
        .value("--basis", "<text>", "The legal basis (required)."),
        .flag("--list", "List every seal, lifted ones too (keys masked)."),
        .store, .catalog, .divisions,
    ]
    static let discussion = """
        Recorded with who and when in the audit trail. Lift with `onesource unseal`, which needs a reason.
        Refused while a run writes the store (exit 75).
        """

    static func run(_ arguments: Arguments) throws -> ExitCode {
        if arguments.has("--list") {
            let seals = try SealTable(database: try openStoreForReading(arguments)).all()
            let rows = seals.map { seal in
                [String(seal.id), seal.scope, seal.sealedAt, seal.sealedBy, seal.reason, seal.basis,
                 seal.unsealedAt.map { "lifted \($0): \(seal.unsealReason ?? "")" } ?? "in force"]
            }
            print(TextTable.render(header: ["seal", "covers", "sealed", "by", "reason", "basis", "state"], rows: rows, rightAligned: [0]), terminator: "")
            print("\(seals.filter { $0.unsealedAt == nil }.count) seal(s) in force")
            return .success
        }
        guard let reason = arguments.value("--reason"), let basis = arguments.value("--basis") else {
            throw UsageError("seal needs --reason TEXT and --basis TEXT")
        }
        let lock = try writerLock(arguments, "onesource seal")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let scope = try DataScope(arguments, database: database)
        let seal = try SealTable(database: database).seal(dataset: scope.dataset, key: scope.key, reason: reason, basis: basis)
        print("seal \(seal.id): \(seal.scope) sealed at \(seal.sealedAt) by \(seal.sealedBy)")
        return .success
    }
}

/// The dataset and key a seal, unseal or destroy command names: the dataset checked against the store's catalog, the
/// key put in its canonical form (an identity number typed with spaces or a lower-case x finds its records).
struct DataScope {
    let dataset: String?
    let key: String?
    let catalog: Catalog

    init(_ arguments: Arguments, database: Database) throws {
        guard arguments.positionals.count <= 1 else { throw UsageError("name one dataset at most") }
        let defaults = try StoreDefaults(arguments, database: database)
        catalog = try Catalog.load(directory: defaults.catalog)
        dataset = arguments.positionals.first
        if let dataset, catalog.dataset(dataset) == nil {
            let hint = Similarity.suggestion(for: dataset, among: catalog.datasets.map(\.id)).map { "did you mean \($0)? " } ?? ""
            throw UsageError("no dataset \(dataset) in the catalog (\(hint)datasets: \(catalog.datasets.map(\.id).joined(separator: ", ")))")
        }
        if let raw = arguments.value("--key") {
            let lookup = RecordLookup(database: database, catalog: catalog,
                                      standards: StandardContext(today: CivilDate.of(Date()), divisions: try DivisionTable.load(path: defaults.divisions)))
            key = lookup.candidates(raw).first ?? raw
        } else {
            key = nil
        }
        guard dataset != nil || key != nil else { throw UsageError("name a dataset, a key (--key), or both") }
    }
}
