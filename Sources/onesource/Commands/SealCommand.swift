import Foundation
import OneSource

extension Help {
    static let seal = """
        OVERVIEW: Seal data that may no longer be used (measures art. 22): kept, but no longer compared,
        associated, shown by lookup, exported in task lists or shared.

        USAGE: onesource seal <dataset> --reason <text> --basis <text> [--store <path>]
               onesource seal --key <key> [<dataset>] --reason <text> --basis <text> [--store <path>]
               onesource seal --list [--store <path>]

        ARGUMENTS:
          <dataset>               A dataset id of the catalog: the whole dataset, or with --key that dataset's record.

        OPTIONS:
          --key <key>             A record key (identity number, credit code, licence number): in every dataset
                                  and base, or in <dataset> only.
          --reason <text>         Why (required).
          --basis <text>          The legal basis (required).
          --list                  List every seal, lifted ones too (keys masked).
        \(storeOption)\(helpOption)
        Recorded with who and when in the audit trail. Lift with `onesource unseal`, which needs a reason.
        Refused while a run writes the store (exit 75).

        """

    static let unseal = """
        OVERVIEW: Lift a seal: the data is used again from the next run.

        USAGE: onesource unseal <dataset> --reason <text> [--store <path>]
               onesource unseal --key <key> [<dataset>] --reason <text> [--store <path>]

        OPTIONS:
          --key <key>             The sealed record key.
          --reason <text>         Why (required).
        \(storeOption)\(helpOption)
        """
}

/// The dataset and key a seal command names: the dataset checked against the store's catalog, the key put in its
/// canonical form (an identity number typed with spaces or a lower-case x finds its seal).
private func sealScope(_ arguments: Arguments, database: Database) throws -> (dataset: String?, key: String?) {
    guard arguments.positionals.count <= 1 else { throw UsageError("name one dataset at most") }
    let defaults = try StoreDefaults(arguments, database: database)
    let catalog = try Catalog.load(directory: defaults.catalog)
    let dataset = arguments.positionals.first
    if let dataset, catalog.dataset(dataset) == nil {
        throw UsageError("no dataset \(dataset) in the catalog (datasets: \(catalog.datasets.map(\.id).joined(separator: ", ")))")
    }
    var key = arguments.value("--key")
    if let raw = key {
        let lookup = RecordLookup(database: database, catalog: catalog,
                                  standards: StandardContext(today: CivilDate.of(Date()), divisions: try DivisionTable.load(path: defaults.divisions)))
        key = lookup.candidates(raw).first ?? raw
    }
    guard dataset != nil || key != nil else { throw UsageError("name a dataset, a key (--key), or both") }
    return (dataset, key)
}

func sealCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--key", "--reason", "--basis", "--catalog", "--divisions"], flags: ["--list"])
    if arguments.wantsHelp { print(Help.seal, terminator: ""); return .success }
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
    let scope = try sealScope(arguments, database: database)
    do {
        let seal = try SealTable(database: database).seal(dataset: scope.dataset, key: scope.key, reason: reason, basis: basis)
        print("seal \(seal.id): \(seal.scope) sealed at \(seal.sealedAt) by \(seal.sealedBy)")
        return .success
    } catch let error as SealError {
        printError(error.description)
        return .failure
    }
}

func unsealCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--key", "--reason", "--catalog", "--divisions"], flags: [])
    if arguments.wantsHelp { print(Help.unseal, terminator: ""); return .success }
    guard let reason = arguments.value("--reason") else { throw UsageError("unseal needs --reason TEXT") }
    let lock = try writerLock(arguments, "onesource unseal")
    defer { withExtendedLifetime(lock) {} }
    let database = try openStore(arguments)
    let scope = try sealScope(arguments, database: database)
    do {
        let seal = try SealTable(database: database).unseal(dataset: scope.dataset, key: scope.key, reason: reason)
        print("seal \(seal.id): \(seal.scope) lifted at \(seal.unsealedAt ?? "")")
        return .success
    } catch let error as SealError {
        printError(error.description)
        return .failure
    }
}
