import Foundation
import OneSource

extension Help {
    static let destroy = """
        OVERVIEW: Destroy data that must no longer be held (measures art. 22): its values leave the store file.

        USAGE: onesource destroy <dataset> --reason <text> --basis <text> --yes [--store <path>]
               onesource destroy --key <key> [<dataset>] --reason <text> --basis <text> --yes [--store <path>]

        ARGUMENTS:
          <dataset>               A dataset id: all its values, or with --key that dataset's records of the key.

        OPTIONS:
          --key <key>             A record key: its records in every dataset, base, history, quarantine,
                                  finding and task, and the key wherever it appears in other text.
          --reason <text>         Why (required).
          --basis <text>          The legal basis (required).
          --yes                   Confirm: destruction cannot be undone.
        \(storeOption)\(helpOption)
        Freed space is zeroed (secure_delete) and the write-ahead log cut, so the values are not left in free
        pages. Kept: the audit entry (who, when, reason, basis, counts), the files' SHA-256 and a salted,
        iterated hash of the key. Prints what it removed, and the backups and task exports written before,
        which still hold the values. Refused while a run writes the store (exit 75).

        """
}

func destroyCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--key", "--reason", "--basis", "--catalog", "--divisions"], flags: ["--yes"])
    if arguments.wantsHelp { print(Help.destroy, terminator: ""); return .success }
    guard arguments.positionals.count <= 1 else { throw UsageError("name one dataset at most") }
    guard arguments.value("--key") != nil || !arguments.positionals.isEmpty else { throw UsageError("name a dataset, a key (--key), or both") }
    guard let reason = arguments.value("--reason"), let basis = arguments.value("--basis") else {
        throw UsageError("destroy needs --reason TEXT and --basis TEXT")
    }
    guard arguments.has("--yes") else { throw UsageError("destruction cannot be undone: add --yes to confirm") }
    let lock = try writerLock(arguments, "onesource destroy")
    defer { withExtendedLifetime(lock) {} }
    let database = try openStore(arguments)
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
    let started = Date()
    let outcome = try Destruction(database: database, catalog: catalog).destroy(dataset: dataset, key: key, reason: reason, basis: basis)
    print("destruction \(outcome.id): \(outcome.scope)" + String(format: " (%.2f s)", Date().timeIntervalSince(started)))
    for (what, count) in outcome.removed { print("  \(what): \(count)") }
    if !outcome.copiesOutside.isEmpty {
        print("written before, outside the store, and still holding the values (destroy or re-make them):")
        for copy in outcome.copiesOutside { print("  \(copy)") }
    }
    return .success
}
