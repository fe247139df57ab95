import Foundation
import OneSource

enum LookupCommand: Command {
    static let name = "lookup"
    static let summary = "What the city knows about one key, and why a record is flagged."
    static let overview = """
        Show what the city knows about one key: the base record with the source of every value,
        every agency's value with its provenance, which value won and why, the history of changes and the
        findings of the latest run. This is how to answer an agency that asks "why is our record flagged?".
        """
    static let usage = ["lookup <key> [--reveal] [--store <path>] [--catalog <dir>] [--divisions <file>]"]
    static let arguments = [(name: "<key>", help: "An identity number (18 or 15 digits, full-width, lower-case x), a unified social\ncredit code, a licence number or a decision number.")]
    static let options: [Option] = [
        .flag("--reveal", "Show personal data unmasked. Every reveal is recorded in the store (who, host, when)."),
        .store, .catalog, .divisions,
    ]
    static let discussion = "A sealed key shows only that it is sealed. Exits 0 when the key is known, 3 when nothing is known about it."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.count == 1 else { throw UsageError("lookup takes exactly one key") }
        // Revealing writes who saw what into the store; showing masked values only reads.
        let reveal = arguments.has("--reveal")
        let database = reveal ? try openStore(arguments) : try openStoreForReading(arguments)
        let defaults = try StoreDefaults(arguments, database: database)
        let catalog = try Catalog.load(directory: defaults.catalog)
        let divisions = try DivisionTable.load(path: defaults.divisions)
        let lookup = RecordLookup(database: database, catalog: catalog, standards: StandardContext(today: CivilDate.of(Date()), divisions: divisions))
        let key = arguments.positionals[0]
        if reveal {
            try lookup.recordReveal(key: key, command: (["onesource"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
        }
        guard let report = try lookup.report(key, reveal: reveal) else {
            let tried = lookup.candidates(key).map { reveal ? $0 : Masking.mask($0, kind: "id_number") }.joined(separator: ", ")
            print("nothing known about \(reveal ? key : Masking.mask(key, kind: "id_number")) (tried: \(tried))")
            return .defects
        }
        print(report, terminator: "")
        return .success
    }
}
