import OneSource

/// One option a command accepts: `--name <value>`, or a flag `--name`. A command declares its options once; the
/// parser accepts exactly those and the help lists exactly those, so the two cannot disagree.
struct Option: Sendable {
    let name: String
    /// The value's placeholder (`<path>`), or nil for a flag.
    let value: String?
    /// One or more lines.
    let help: String

    static func value(_ name: String, _ placeholder: String, _ help: String) -> Option { Option(name: name, value: placeholder, help: help) }
    static func flag(_ name: String, _ help: String) -> Option { Option(name: name, value: nil, help: help) }

    static let store = value("--store", "<path>", "The SQLite store (default: $ONESOURCE_STORE, else var/onesource.sqlite in the\ninstallation, the folder holding Pipelines/).")
    static let threads = value("--threads", "<n>", "Threads for parallel stages (default: all cores); results do not depend on it.")
    static let catalog = value("--catalog", "<dir>", "The catalog folder (default: the catalog of the store's latest run, else\nPipelines/catalog).")
    static let divisions = value("--divisions", "<file>", "The division table (default: the store's latest run's, else\nPipelines/divisions/gbt2260.tsv).")
    static let calendar = value("--calendar", "<dir>", "The working-day calendar (default: the store's latest run's, else Pipelines/calendar).")
    static let today = value("--today", "<date>", "The day to judge on (default: today in Beijing).")
}

/// A subcommand of `onesource`: its help, in parts, and what it does.
protocol Command: Sendable {
    /// The word that calls it.
    static var name: String { get }
    /// One line for the list of commands.
    static var summary: String { get }
    static var overview: String { get }
    /// Each way to call it, after `onesource `.
    static var usage: [String] { get }
    /// Positional arguments and what they are.
    static var arguments: [(name: String, help: String)] { get }
    /// Its own subcommands, when it has any.
    static var subcommands: [(name: String, help: String)] { get }
    static var options: [Option] { get }
    /// What else to know: what it prints, its exit codes.
    static var discussion: String { get }
    static func run(_ arguments: Arguments) throws -> ExitCode
}

extension Command {
    static var arguments: [(name: String, help: String)] { [] }
    static var subcommands: [(name: String, help: String)] { [] }
    static var discussion: String { "" }

    /// The help text: OVERVIEW, USAGE, ARGUMENTS, SUBCOMMANDS, OPTIONS, then the discussion.
    static var help: String {
        var out = "OVERVIEW: \(overview)\n\n"
        out += "USAGE: " + usage.map { "onesource " + $0 }.joined(separator: "\n       ") + "\n\n"
        if !arguments.isEmpty { out += "ARGUMENTS:\n" + arguments.map { HelpText.entry($0.name, $0.help) }.joined() + "\n" }
        if !subcommands.isEmpty { out += "SUBCOMMANDS:\n" + subcommands.map { HelpText.entry($0.name, $0.help) }.joined() + "\n" }
        out += "OPTIONS:\n" + options.map { HelpText.entry($0.name + ($0.value.map { " " + $0 } ?? ""), $0.help) }.joined()
        out += HelpText.entry("-h, --help", "Show help information.")
        if !discussion.isEmpty { out += "\n" + discussion + "\n" }
        return out + "\n"
    }

    /// Parses `words` against the declared options and runs, or prints the help.
    static func main(_ words: [String]) throws -> ExitCode {
        let arguments = try Arguments(words, options: options)
        if arguments.wantsHelp { print(help, terminator: ""); return .success }
        // Before any connection, an in-memory one included: SQLite reads where its temporary files go once.
        if options.contains(where: { $0.name == Option.store.name }), let store = try? Installation.store(arguments) {
            Store.pointTemporaryFiles(forStoreAt: store)
        }
        return try run(arguments)
    }
}

enum HelpText {
    /// `  name                    help`, the help's further lines under its first.
    static func entry(_ name: String, _ help: String) -> String {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        let pad = name.count < 24 ? String(repeating: " ", count: 24 - name.count) : " "
        var out = "  \(name)\(pad)\(lines.first ?? "")\n"
        for line in lines.dropFirst() { out += String(repeating: " ", count: 26) + line + "\n" }
        return out
    }
}
