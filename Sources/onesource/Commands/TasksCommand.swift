import Foundation
import OneSource

enum TasksCommand: Command {
    static let name = "tasks"
    static let summary = "Rectification tasks: list, show, export per agency, import replies, decide, summary."
    static let overview = """
        Rectification tasks (整改任务, measures art. 12 and 26): made by the rectify stage from findings,
        due in 7 working days; open → 已更正 / 有异议 (agency replies) → 已核销 when a later run gets the record
        again without the problem, or reopened when it still has it. A dispute is decided by the bureau.
        """
    static let usage = ["tasks list [--agency <code>] [--status <s>] [--rule <id>] [--overdue] [--limit <n>]",
                        "tasks show <id>",
                        "tasks export --agency <code> --out <dir>",
                        "tasks import-replies <file.csv|file.json>",
                        "tasks decide <id> --accept|--reject --reason <text>",
                        "tasks summary"]
    static let subcommands = [
        (name: "list", help: "Tasks, one per line (status: open, reopened, corrected, disputed, accepted, resolved)."),
        (name: "show", help: "One task with every change of status."),
        (name: "export", help: "The agency's live tasks as <dir>/<agency>/tasks.xlsx (every cell text: keys survive Excel\nand WPS), tasks.csv (UTF-8 with BOM) and tasks.json, in Chinese, owner-only; with empty\n答复/理由/答复人/答复时间 columns so the same file goes back. Other agencies' keys are masked;\ntasks about sealed records are left out."),
        (name: "import-replies", help: "Apply replies from the export sent back (CSV saved by Excel or WPS in any encoding, or\nJSON): 任务编号, 答复 (已更正 / 有异议), 理由, 答复人, 答复时间 (or task_id, reply, reason,\nwho, when). Rows without a reply are skipped; a reply already recorded is not applied\ntwice. Bad rows are listed with their line; good rows apply."),
        (name: "decide", help: "The bureau's decision on a dispute: --reject opens the task again, due in its working\ndays from today; --accept makes the value an exception no later run raises again."),
        (name: "summary", help: "Per agency: tasks, open, overdue, corrected, disputes awaiting a decision and the\nlongest wait, accepted exceptions, resolved, on time, median working days; and the data\ndemands and share requests addressed to it: open, overdue, done late (art. 26)."),
    ]
    static let options: [Option] = [
        .value("--agency", "<code>", "The agency (list: only its tasks; export: required)."),
        .value("--status", "<s>", "list: only tasks in this status."),
        .value("--rule", "<id>", "list: only tasks of this rule."),
        .flag("--overdue", "list: only tasks past their due date."),
        .value("--limit", "<n>", "list: at most this many tasks (default 1000)."),
        .value("--out", "<dir>", "export: where to write <agency>/tasks.xlsx, .csv and .json."),
        .flag("--accept", "decide: the dispute stands; the value becomes an exception."),
        .flag("--reject", "decide: the dispute fails; the task is open again."),
        .value("--reason", "<text>", "decide: why (required)."),
        .value("--today", "<date>", "The date overdue is judged on (default: today in Beijing)."),
        .store, .catalog, .calendar,
    ]
    static let discussion = "Replies and decisions change tasks: they are refused while a run writes the store (exit 75)."

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let sub = arguments.positionals.first else { throw UsageError("tasks needs a subcommand: list, show, export, import-replies, decide, summary") }
        // Replies and decisions change tasks, as a run does: they take the writer lock before the store is opened.
        let lock = ["import-replies", "decide"].contains(sub)
            ? try writerLock(arguments, "onesource tasks \(arguments.positionals.joined(separator: " "))") : nil
        defer { withExtendedLifetime(lock) {} }
        // Listing and showing only read; an export is written in the audit trail.
        let writes = ["export", "import-replies", "decide"].contains(sub)
        let database = writes ? try openStore(arguments) : try openStoreForReading(arguments)
        let defaults = try StoreDefaults(arguments, database: database)
        let catalog = try Catalog.load(directory: defaults.catalog)
        let calendar = try WorkingDayCalendar.load(directory: defaults.calendar)
        let today = try arguments.date("--today") ?? CivilDate.of(Date())
        try requireKnown(arguments.value("--agency"), "agency", among: catalog.agencies.map(\.code))
        try requireKnown(arguments.value("--rule"), "rule", among: ruleIDs(catalog))
        try requireKnown(arguments.value("--status"), "status", among: TaskStatus.allCases.map(\.rawValue))
        let book = TaskBook(database: database, catalog: catalog, calendar: calendar)
        switch sub {
        case "list":
            var status: TaskStatus?
            if let text = arguments.value("--status") {
                guard let value = TaskStatus(rawValue: text) else {
                    throw UsageError("--status is one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = value
            }
            let filter = TaskBook.Filter(agency: arguments.value("--agency"), status: status, rule: arguments.value("--rule"),
                                         overdueOn: arguments.has("--overdue") ? today : nil, limit: try arguments.integer("--limit", otherwise: 1000))
            let tasks = try book.list(filter)
            let rows = tasks.map { task -> [String] in
                let dataset = catalog.dataset(task.dataset)
                let key = Masking.maskKey(task.recordKey, kinds: dataset?.key.map { catalog.element($0)?.personal } ?? [])
                return [String(task.id), task.agency, task.rule, task.dataset, key, task.status.rawValue + (task.isOverdue(today: today) ? " (overdue)" : ""),
                        task.dueOn + (task.dueProvisional ? " (provisional)" : ""), task.location]
            }
            print(TextTable.render(header: ["task", "agency", "rule", "dataset", "key", "status", "due", "where"], rows: rows, rightAligned: [0]),
                  terminator: "")
            print("\(tasks.count) task(s); personal data masked")
        case "show":
            guard arguments.positionals.count == 2, let id = Int64(arguments.positionals[1]) else { throw UsageError("tasks show takes a task id") }
            guard let task = try book.task(id) else { printError(TaskError.noSuchTask(id).description); return .failure }
            print(try show(task, book: book, catalog: catalog, today: today), terminator: "")
        case "export":
            guard let agency = arguments.value("--agency"), let out = arguments.value("--out") else {
                throw UsageError("tasks export needs --agency and --out")
            }
            for path in try book.export(agency: agency, to: out, today: today) { print(path) }
        case "import-replies":
            guard arguments.positionals.count == 2 else { throw UsageError("tasks import-replies takes a file") }
            let file = arguments.positionals[1]
            let outcome = try ReplyImport(database: database).run(path: file)
            print("\(file) (\(outcome.encoding)): \(outcome.applied.count) repl(ies) recorded, \(outcome.unchanged.count) already recorded (unchanged), "
                  + "\(outcome.blank) row(s) without a reply yet, \(outcome.rejected.count) row(s) rejected")
            for rejection in outcome.rejected { print("  \(file):\(rejection.line ?? 0): \(rejection.field.map { "[\($0)] " } ?? "")\(rejection.reason)") }
            return outcome.rejected.isEmpty ? .success : .defects
        case "summary":
            print(TextTable.render(header: TaskBook.accountabilityHeader, rows: try book.accountability(today: today), rightAligned: Set(1...13)),
                  terminator: "")
        case "decide":
            guard arguments.positionals.count == 2, let id = Int64(arguments.positionals[1]) else { throw UsageError("tasks decide takes a task id") }
            guard arguments.has("--accept") != arguments.has("--reject") else { throw UsageError("tasks decide needs --accept or --reject") }
            guard let reason = arguments.value("--reason") else { throw UsageError("tasks decide needs --reason TEXT") }
            do {
                let task = try TaskDecision(database: database, calendar: calendar)
                    .decide(id, arguments.has("--accept") ? .accept : .reject, reason: reason, on: today)
                print("任务 \(task.id) · \(task.status.chineseName)" + (task.status == .open ? "，截止 \(task.dueOn)\(task.dueProvisional ? "（暂定）" : "")" : ""))
            } catch let error as TaskError {
                printError(error.description)
                return .failure
            }
        default:
            throw UsageError("unknown tasks subcommand \(sub)")
        }
        return .success
    }

    /// One task with its history, in Chinese, personal values masked.
    static func show(_ task: TaskTable.Task, book: TaskBook, catalog: Catalog, today: CivilDate) throws -> String {
        let element = catalog.element(task.element)
        let kinds = catalog.dataset(task.dataset)?.key.map { catalog.element($0)?.personal } ?? []
        var out = "任务 \(task.id) · \(task.status.chineseName)\(task.isOverdue(today: today) ? "（已逾期）" : "")\n"
        out += "  单位: \(catalog.agency(task.agency)?.name ?? task.agency)\n"
        out += "  规则: \(task.rule) (\(task.severity))\n"
        out += "  数据集: \(catalog.dataset(task.dataset)?.name ?? task.dataset) · \(task.location)\n"
        out += "  记录键: \(Masking.maskKey(task.recordKey, kinds: kinds))\n"
        out += "  字段: \(element?.name ?? task.element)\n"
        out += "  报送值: \(task.observed.map { Masking.mask($0, kind: element?.personal) } ?? "—")\n"
        out += "  期望值: \(task.expected.map { Masking.mask($0, kind: element?.personal) } ?? "—")\(task.expectedSource.map { "（\($0)）" } ?? "")\n"
        out += "  说明: \(book.maskedMessage(task))\n"
        out += "  下发: \(task.issuedOn)  截止: \(task.dueOn)\(task.dueProvisional ? "（暂定：该年放假安排尚未发布）" : "")\(task.resolvedOn.map { "  核销: \($0)" } ?? "")\n"
        if let decision = task.decision {
            out += "  裁定: \(decision == "accepted" ? "异议成立" : "异议不成立")（\(task.decisionReason ?? "")，\(task.decidedBy ?? "")，\(task.decidedAt ?? "")）\n"
        }
        if let reply = task.reply { out += "  答复: \(reply)\(task.replyReason.map { "（\($0)）" } ?? "")\n" }
        out += "  历史:\n"
        for event in try book.history(task.id) {
            out += "    \(event.at)\(event.run.map { " run \($0)" } ?? "")  \(event.from?.chineseName ?? "—") → \(event.to.chineseName)  \(event.note ?? "")\n"
        }
        return out
    }
}
