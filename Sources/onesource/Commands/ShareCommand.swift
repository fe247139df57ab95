import Foundation
import OneSource

enum ShareCommand: Command {
    static let name = "share"
    static let summary = "Share or open a dataset or base database by the catalog's rules (share export)."
    static let overview = """
        An extract of a dataset or base database for an agency (share, art. 14-15) or the public (--open, art. 16):
        unconditional for any agency; conditional only with an approved share request of that agency, and only the
        elements it grants; none refused with the catalog's reason and legal basis. Values are the bases'
        canonical ones; personal elements are masked unless the request grants them (never opened); sealed data
        never leaves. The CSV and its manifest are written 0600; the extract is recorded in the audit trail.
        """
    static let usage = ["share export <dataset|base> --to <agency> [--request <id>] --out <dir>",
                        "share export <dataset|base> --open [--request <id>] --out <dir>"]
    static let subcommands = [(name: "export", help: "Write the extract and its manifest into <dir>.")]
    static let options: [Option] = [
        .value("--to", "<agency>", "The agency it is for."),
        .flag("--open", "Open to the public: the open type applies, personal elements never go."),
        .value("--request", "<id>", "The approved share request (needed for conditional sharing or opening)."),
        .value("--out", "<dir>", "The folder to write into (made owner-only)."),
        .value("--on", "<date>", "The day of the extract (default today in Beijing)."),
        .store, .catalog,
    ]
    static let discussion = "Exits 2 when the catalog's rules refuse the extract (the message says which rule), 64 on an unknown name."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard arguments.positionals.first == "export" else { throw UsageError("share needs a subcommand: export") }
        guard arguments.positionals.count == 2 else { throw UsageError("share export takes one dataset or base") }
        guard let out = arguments.value("--out") else { throw UsageError("share export needs --out DIR") }
        guard arguments.has("--open") == (arguments.value("--to") == nil) else { throw UsageError("share export needs --to AGENCY or --open, not both") }
        let lock = try writerLock(arguments, "onesource share export \(arguments.positionals[1])")
        defer { withExtendedLifetime(lock) {} }
        let database = try openStore(arguments)
        let catalog = try Catalog.load(directory: try StoreDefaults(arguments, database: database).catalog)
        let request = arguments.value("--request") != nil ? try arguments.integer("--request") : nil
        do {
            let outcome = try ShareExport(database: database, catalog: catalog).export(
                arguments.positionals[1], to: arguments.value("--to"), request: request, open: arguments.has("--open"), into: out,
                on: try arguments.date("--on") ?? CivilDate.of(Date()))
            print("\(outcome.path): \(outcome.records) record(s); elements: \(outcome.elements.joined(separator: ", "))"
                  + (outcome.masked.isEmpty ? "" : "; masked: \(outcome.masked.joined(separator: ", "))")
                  + (outcome.sealedLeftOut > 0 ? "; \(outcome.sealedLeftOut) sealed record(s) left out" : "") + "; sha256 \(outcome.sha256)")
            print(outcome.manifest)
            return .success
        } catch ShareError.invalid(let message) {
            throw UsageError(message)
        } catch ShareError.refused(let message) {
            printError("refused: \(message)")
            return .invalidConfiguration
        }
    }
}
