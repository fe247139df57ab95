import Foundation
import OneSource

enum CalendarCommand: Command {
    static let name = "calendar"
    static let summary = "Working days: add N working days to a date, or check dates."
    static let overview = """
        The working-day calendar (weekends, holidays and 调休 working days from the State Council
        notices, one file per year under Pipelines/calendar/). A year without its notice is provisional: weekends
        and the statutory holidays only (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆), no 调休.
        """
    static let usage = ["calendar add <date> <n> [--calendar <dir>]",
                        "calendar check <date> ... [--calendar <dir>]",
                        "calendar check [--today <date>] [--store <path>] [--calendar <dir>]"]
    static let subcommands = [
        (name: "add", help: "Print the date <n> working days after <date> (counting from the day after), and\n\"暂定\" when a day of a provisional year was counted."),
        (name: "check", help: "With dates: whether each is a working day and why. Without: where this and next\nyear's days come from, and the tasks whose provisional due dates the next run will\nmove (after a year's notice was added)."),
    ]
    static let options: [Option] = [
        .value("--calendar", "<dir>", "The calendar folder (default: Pipelines/calendar)."),
        .value("--today", "<date>", "The day to judge coverage on (default: today in Beijing)."),
        .store,
    ]

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let sub = arguments.positionals.first else { throw UsageError("calendar needs a subcommand: add or check") }
        let calendar = try WorkingDayCalendar.load(directory: try arguments.value("--calendar") ?? Installation.pipelines("calendar", option: "--calendar"))
        func date(_ text: String) throws -> CivilDate {
            guard let value = CivilDate(iso: text) else { throw UsageError("\(text) is not a date like 2026-09-24") }
            return value
        }
        do {
            switch sub {
            case "add":
                guard arguments.positionals.count == 3, let n = Int(arguments.positionals[2]), n >= 0 else {
                    throw UsageError("calendar add takes a date and a number of working days")
                }
                let due = calendar.deadline(workingDays: n, after: try date(arguments.positionals[1]))
                print(due.provisional ? "\(due.date)\t暂定（\(calendar.coverage(of: due.date.year))）" : due.date.description)
            case "check" where arguments.positionals.count == 1:
                // No dates: where each year's days come from, and the tasks whose provisional due dates would move.
                let today = try arguments.date("--today") ?? CivilDate.of(Date())
                for year in [today.year, today.year + 1] { print(calendar.coverage(of: year)) }
                if let warning = calendar.missingNoticeWarning(today: today) { print("warning: \(warning)") }
                let path = try Installation.store(arguments)
                guard FileManager.default.fileExists(atPath: path) else { return .success }
                let moves = try TaskTable(database: try Store.openForReading(path: path)).provisionalMoves(calendar: calendar, defaultDays: 7)
                for move in moves {
                    print("task \(move.task)\tdue \(move.from) (provisional) -> \(move.to.date)\(move.to.provisional ? " (still provisional)" : "")")
                }
                print("\(moves.count) provisional due date(s) the next run's rectify will recompute")
            case "check":
                for text in arguments.positionals.dropFirst() {
                    let day = try date(text)
                    let kind = calendar.kind(of: day)
                    print("\(day)\t\(["周一", "周二", "周三", "周四", "周五", "周六", "周日"][day.weekday])\t\(kind.isWorkingDay ? "working" : "off")\t\(kind.description)")
                }
            default:
                throw UsageError("unknown calendar subcommand \(sub)")
            }
        } catch let error as CalendarError {
            printError(error.description)
            return .failure
        }
        return .success
    }
}
