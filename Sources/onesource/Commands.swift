/// Every command of `onesource`, one file each under Commands/.
enum Commands {
    /// The commands, in the order the help lists them.
    static let all: [any Command.Type] = [
        CheckCommand.self, RunCommand.self, StageCommand.self, RunsCommand.self, SummaryCommand.self, FindingsCommand.self, LookupCommand.self,
        CalendarCommand.self, TasksCommand.self, RequestsCommand.self, ShareCommand.self, ReportCommand.self, NotifyCommand.self, AuditCommand.self, PruneCommand.self, BackupCommand.self,
        RestoreCommand.self, SealCommand.self, UnsealCommand.self, DestroyCommand.self, GenerateCommand.self, CatalogCommand.self,
        InspectCommand.self, StandardizeCommand.self,
    ]

    /// The help of `onesource` itself: its commands and exit codes.
    static var mainHelp: String {
        var out = "OVERVIEW: OneSource — one number, one source, one standard for the city's public data.\n\n"
        out += "USAGE: onesource <subcommand> [options]\n\n"
        out += "OPTIONS:\n" + HelpText.entry("-h, --help", "Show help information.") + "\n"
        out += "SUBCOMMANDS:\n"
        for command in all { out += HelpText.entry(command.name, command.summary) }
        out += HelpText.entry("help <subcommand>", "Show help for a subcommand.") + "\n"
        out += "EXIT CODES: 0 success, 1 could not run, 2 invalid catalog or pipeline, 3 ran but found\n"
        out += "  defects (rejected rows, missing or unreadable files, error findings), 64 usage error,\n"
        out += "  75 another process is writing to the store.\n\n"
        return out
    }
}
