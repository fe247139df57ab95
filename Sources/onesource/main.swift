import Foundation
import OneSource

/// Tells the person or the log what the run is doing, on standard error (standard output carries the summary).
/// On a terminal: a progress line per stage, rewritten in place. Otherwise: one JSON object per event, for
/// log collectors. Messages name files, stages and counts, never personal values.
final class ConsoleLog: RunLog {
    private let terminal = isatty(STDERR_FILENO) == 1
    private var lastProgress = Date.distantPast
    private var progressShown = false

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    private func json(_ fields: [String: Any]) {
        var object = fields
        object["time"] = ISO8601DateFormatter().string(from: Date())
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
            write(String(decoding: data, as: UTF8.self) + "\n")
        }
    }

    func info(_ message: String) {
        if terminal {
            if progressShown { write("\r\u{1B}[K"); progressShown = false }
            write("onesource: \(message)\n")
        } else {
            json(["event": "info", "message": message])
        }
    }

    func progress(stage: String, item: String, records: Int, bytes: Int64?, totalBytes: Int64?, elapsed: Double) {
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= (terminal ? 0.2 : 5) else { return }
        lastProgress = now
        let rate = elapsed > 0 ? Double(records) / elapsed : 0
        var share: Double?
        if let bytes, let totalBytes, totalBytes > 0 { share = Double(bytes) / Double(totalBytes) }
        if terminal {
            var line = "  \(stage) \(item): \(records) records, \(Int(rate)) records/s"
            if let share { line += String(format: ", %.0f%% of the file", share * 100) }
            line += String(format: ", %.1f s", elapsed)
            write("\r\u{1B}[K" + line)
            progressShown = true
        } else {
            var fields: [String: Any] = ["event": "progress", "stage": stage, "item": item, "records": records,
                                         "recordsPerSecond": Int(rate), "elapsedSeconds": (elapsed * 10).rounded() / 10]
            if let share { fields["shareOfBytes"] = (share * 1000).rounded() / 1000 }
            json(fields)
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
}

func threads(_ arguments: Arguments) throws -> Int {
    arguments.value("--threads") == nil ? ProcessInfo.processInfo.activeProcessorCount : Int(try arguments.integer("--threads"))
}

/// Opens the store for a command that writes it (after taking the writer lock, where it needs one).
func openStore(_ arguments: Arguments) throws -> Database {
    try Store.open(path: arguments.value("--store") ?? Store.defaultPath)
}

/// Opens the store for a command that only reads it: nothing is created, a running night is not disturbed.
func openStoreForReading(_ arguments: Arguments) throws -> Database {
    try Store.openForReading(path: arguments.value("--store") ?? Store.defaultPath)
}

/// Takes the store's writer lock for a command that writes; says so when it took over a stale one.
func writerLock(_ arguments: Arguments, _ purpose: String) throws -> WriterLock {
    let lock = try WriterLock(storePath: arguments.value("--store") ?? Store.defaultPath, purpose: purpose)
    if let stale = lock.clearedStale {
        FileHandle.standardError.write(Data("onesource: cleared a stale lock left by a process that is gone (\(stale))\n".utf8))
    }
    return lock
}

/// Where a command that acts on a store finds the catalog, the calendar and the division table: the option when
/// given, else what the store's latest run recorded (so it works from any folder), else the repository's.
struct StoreDefaults {
    let catalog: String
    let calendar: String
    let divisions: String

    init(_ arguments: Arguments, database: Database) throws {
        let pipeline = try RunLedger(database: database).latestRun().map(PipelineDefinition.of)
        catalog = arguments.value("--catalog") ?? pipeline?.catalogDirectory ?? "Pipelines/catalog"
        calendar = arguments.value("--calendar") ?? pipeline?.calendarDirectory ?? "Pipelines/calendar"
        divisions = arguments.value("--divisions") ?? pipeline?.divisionTable ?? "Pipelines/divisions/gbt2260.tsv"
    }
}

func exitCode(forRunStatus status: RunStatus) -> ExitCode {
    switch status {
    case .done: return .success
    case .doneWithDefects: return .defects
    case .running, .failed, .incomplete: return .failure
    }
}

func runCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--threads", "--resume", "--as-of", "--data"], flags: [])
    if arguments.wantsHelp { print(Help.run, terminator: ""); return .success }
    var asOf: CivilDate?
    if let text = arguments.value("--as-of") {
        guard let date = CivilDate(iso: text) else { throw UsageError("--as-of takes a date like 2026-12-23") }
        asOf = date
    }
    let lock = try writerLock(arguments, "onesource run \(words.joined(separator: " "))")
    let database = try openStore(arguments)
    let runner = Runner(database: database, log: ConsoleLog(), threads: try threads(arguments))
    let runID: Int64
    if arguments.value("--resume") != nil {
        guard arguments.positionals.isEmpty, asOf == nil, arguments.value("--data") == nil else {
            throw UsageError("run --resume takes a run id and no pipeline, --as-of or --data: the run keeps its own")
        }
        runID = try arguments.integer("--resume")
        lock.update("resuming run \(runID)")
        try runner.resume(run: runID)
    } else {
        guard arguments.positionals.count == 1 else { throw UsageError("run takes exactly one pipeline definition") }
        var pipeline = try PipelineDefinition.load(path: arguments.positionals[0])
        if let folder = arguments.value("--data") { pipeline = try pipeline.reading(from: folder) }
        runID = try runner.run(pipeline, asOf: asOf)
    }
    let summary = try RunSummary.load(database, run: runID)
    print(summary.render(), terminator: "")
    withExtendedLifetime(lock) {}
    return exitCode(forRunStatus: summary.run.status)
}

func stageCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--run", "--threads"], flags: [])
    if arguments.wantsHelp { print(Help.stage, terminator: ""); return .success }
    guard arguments.positionals.count == 1 else { throw UsageError("stage takes exactly one stage name") }
    let runID = try arguments.integer("--run")
    let lock = try writerLock(arguments, "onesource stage \(arguments.positionals[0]) --run \(runID)")
    defer { withExtendedLifetime(lock) {} }
    let database = try openStore(arguments)
    try Runner(database: database, log: ConsoleLog(), threads: try threads(arguments)).rerun(stage: arguments.positionals[0], run: runID)
    let summary = try RunSummary.load(database, run: runID)
    print(summary.render(), terminator: "")
    return exitCode(forRunStatus: summary.run.status)
}

func runsCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--limit"], flags: [])
    if arguments.wantsHelp { print(Help.runs, terminator: ""); return .success }
    guard arguments.positionals.isEmpty else { throw UsageError("runs takes no arguments") }
    let limit = arguments.value("--limit") == nil ? 20 : Int(try arguments.integer("--limit"))
    let database = try openStoreForReading(arguments)
    var rows: [[String]] = []
    for run in try RunLedger(database: database).recentRuns(limit: limit) {
        let summary = try RunSummary.load(database, run: run.id, rejectionLimit: 0)
        rows.append([String(run.id), run.pipeline, run.status.rawValue, run.startedAt, String(summary.files.count),
                     String(summary.totalRead), String(summary.totalStaged), String(summary.totalRejected)])
    }
    if rows.isEmpty {
        print("no runs in \(database.path)")
    } else {
        print(TextTable.render(header: ["run", "pipeline", "status", "started", "files", "read", "staged", "rejected"],
                               rows: rows, rightAligned: [0, 4, 5, 6, 7]), terminator: "")
    }
    return .success
}

func summaryCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--run", "--rejections"], flags: [])
    if arguments.wantsHelp { print(Help.summary, terminator: ""); return .success }
    guard arguments.positionals.isEmpty else { throw UsageError("summary takes no arguments") }
    let limit = arguments.value("--rejections") == nil ? 20 : Int(try arguments.integer("--rejections"))
    let database = try openStoreForReading(arguments)
    let summary = try RunSummary.load(database, run: try arguments.integer("--run"), rejectionLimit: limit)
    print(summary.render(), terminator: "")
    return .success
}

func catalogCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--catalog"], flags: [])
    if arguments.wantsHelp || arguments.positionals.isEmpty {
        if arguments.wantsHelp { print(Help.catalog, terminator: ""); return .success }
        throw UsageError("catalog needs a subcommand: check")
    }
    guard arguments.positionals == ["check"] else { throw UsageError("unknown catalog subcommand \(arguments.positionals[0])") }
    let directory = arguments.value("--catalog") ?? "Pipelines/catalog"
    do {
        let catalog = try Catalog.load(directory: directory)
        let sqlProblems = SQLRule.problems(in: catalog)
        if !sqlProblems.isEmpty { throw CatalogError(problems: sqlProblems) }
        print("catalog \(directory): \(catalog.agencies.count) agencies, \(catalog.elements.count) elements, "
              + "\(catalog.codeTables.count) code tables, \(catalog.datasets.count) datasets; no problems")
        return .success
    } catch let error as CatalogError {
        for problem in error.problems { print(problem) }
        print("\(error.problems.count) problem(s) in catalog \(directory)")
        return .invalidConfiguration
    }
}

func inspectCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--catalog", "--rejections"], flags: [])
    if arguments.wantsHelp { print(Help.inspect, terminator: ""); return .success }
    guard arguments.positionals.count == 2 else { throw UsageError("inspect takes a dataset id and a file") }
    let catalog = try Catalog.load(directory: arguments.value("--catalog") ?? "Pipelines/catalog")
    guard let dataset = catalog.dataset(arguments.positionals[0]) else {
        throw UsageError("no dataset \(arguments.positionals[0]) in the catalog (datasets: \(catalog.datasets.map(\.id).joined(separator: ", ")))")
    }
    let limit = arguments.value("--rejections") == nil ? 20 : Int(try arguments.integer("--rejections"))
    let started = Date()
    let inspection: FileInspection
    do {
        inspection = try FileInspection.inspect(dataset, path: arguments.positionals[1], limit: limit)
    } catch let error as IngestError {
        printError(error.description)
        return .defects
    }
    let seconds = Date().timeIntervalSince(started)
    let summary = inspection.summary
    print("\(inspection.path): \(dataset.id) (\(dataset.format.rawValue), \(dataset.encoding)), \(inspection.sizeBytes) bytes, sha256 \(inspection.sha256)")
    print("read \(summary.rowsRead) = records \(summary.records) + rejected \(summary.rejected); blank lines \(summary.blankLines)"
          + (summary.continuationLines > 0 ? "; continuation lines \(summary.continuationLines)" : "")
          + (summary.counted.map { "; counted \($0)" } ?? ""))
    if summary.unaccounted != 0 {
        print("UNACCOUNTED \(summary.unaccounted): an independent count of the file finds \(summary.counted ?? 0) records, the reader accounted for "
              + "\(summary.rowsRead + summary.continuationLines)")
    }
    let megabytes = Double(inspection.sizeBytes) / 1_048_576
    print(String(format: "%.2f s, %.1f MB/s, %.0f records/s", seconds, megabytes / max(seconds, 1e-9),
                 Double(summary.rowsRead) / max(seconds, 1e-9)))
    for warning in summary.warnings { print("warning: \(warning)") }
    for rejection in inspection.rejections { print("  \(rejection)") }
    return summary.rejected > 0 || summary.unaccounted != 0 ? .defects : .success
}

func standardizeCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--catalog", "--divisions", "--today"], flags: ["--summary"])
    if arguments.wantsHelp { print(Help.standardize, terminator: ""); return .success }
    guard let name = arguments.positionals.first else { throw UsageError("standardize needs a standard name") }
    let catalog = try Catalog.load(directory: arguments.value("--catalog") ?? "Pipelines/catalog")
    guard let standard = ElementStandard.named(name, catalog: catalog) else {
        throw UsageError("unknown standard \(name) (known: \(ElementStandard.names(catalog: catalog).joined(separator: ", ")))")
    }
    let divisions = try DivisionTable.load(path: arguments.value("--divisions") ?? "Pipelines/divisions/gbt2260.tsv")
    var today = CivilDate.of(Date())
    if let text = arguments.value("--today") {
        guard let date = CivilDate(iso: text) else { throw UsageError("--today takes a date like 2026-11-29") }
        today = date
    }
    let context = StandardContext(today: today, divisions: divisions)
    var values = Array(arguments.positionals.dropFirst())
    if values.isEmpty {
        while let line = readLine(strippingNewline: true) { values.append(line) }
    }
    if arguments.has("--summary") {
        let started = Date()
        var valid = 0, changed = 0, invalid = 0, empty = 0
        var reasons: [String: Int] = [:]
        for value in values {
            let result = standard.standardize(value, context: context)
            if let failure = result.failure {
                invalid += 1
                reasons[failure.code, default: 0] += 1
            } else if result.value == nil {
                empty += 1
            } else {
                valid += 1
                if !result.changes.isEmpty { changed += 1 }
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("\(values.count) values: \(valid) valid (\(changed) changed), \(invalid) invalid, \(empty) empty")
        for (code, count) in reasons.sorted(by: { $0.key < $1.key }) { print("  invalid \(code): \(count)") }
        print(String(format: "%.3f s, %.0f values/s (one thread, standard only)", seconds, Double(values.count) / max(seconds, 1e-9)))
        return invalid + empty > 0 ? .defects : .success
    }
    var anyInvalid = false
    for value in values {
        let result = standard.standardize(value, context: context)
        if let failure = result.failure {
            anyInvalid = true
            print("invalid\t\(failure.code): \(failure.message)")
        } else if let canonical = result.value {
            print(result.changes.isEmpty ? canonical : "\(canonical)\t\(result.changes.map(\.message).joined(separator: "；"))")
        } else {
            anyInvalid = true
            print("invalid\tempty: 空值")
        }
    }
    return anyInvalid ? .defects : .success
}

func findingsCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--run", "--dataset", "--rule", "--severity", "--limit"], flags: [])
    if arguments.wantsHelp { print(Help.findings, terminator: ""); return .success }
    guard arguments.positionals.isEmpty else { throw UsageError("findings takes no arguments") }
    var severity: Severity?
    if let text = arguments.value("--severity") {
        guard let value = Severity(rawValue: text) else { throw UsageError("--severity is error, warning or notice") }
        severity = value
    }
    let runID = try arguments.integer("--run")
    let database = try openStoreForReading(arguments)
    let run = try RunLedger(database: database).run(runID)
    let pipeline = try PipelineDefinition.parse(data: Data(run.definition.utf8), path: run.pipelinePath)
    let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
    let filter = FindingListing.Filter(dataset: arguments.value("--dataset"), rule: arguments.value("--rule"), severity: severity,
                                       limit: arguments.value("--limit") == nil ? 100 : Int(try arguments.integer("--limit")))
    let (lines, total) = try FindingListing.load(database, catalog: catalog, run: runID, filter: filter)
    for line in lines {
        print("\(line.location)\t\(line.severity)\t\(line.rule)\t\(line.agency)\t\(line.recordKey)\t\(line.message)")
    }
    print("\(lines.count) of \(total) finding(s) shown; personal data masked")
    return .success
}

func lookupCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--catalog", "--divisions"], flags: ["--reveal"])
    if arguments.wantsHelp { print(Help.lookup, terminator: ""); return .success }
    guard arguments.positionals.count == 1 else { throw UsageError("lookup takes exactly one key") }
    // Revealing writes who saw what into the store; showing masked values only reads.
    let database = arguments.has("--reveal") ? try openStore(arguments) : try openStoreForReading(arguments)
    let defaults = try StoreDefaults(arguments, database: database)
    let catalog = try Catalog.load(directory: defaults.catalog)
    let divisions = try DivisionTable.load(path: defaults.divisions)
    let lookup = RecordLookup(database: database, catalog: catalog, standards: StandardContext(today: CivilDate.of(Date()), divisions: divisions))
    let key = arguments.positionals[0]
    let reveal = arguments.has("--reveal")
    if reveal {
        try lookup.recordReveal(key: key, command: (["onesource"] + CommandLine.arguments.dropFirst()).joined(separator: " "))
    }
    guard let report = try lookup.report(key, reveal: reveal) else {
        print("nothing known about \(reveal ? key : Masking.mask(key, kind: "id_number")) (tried: \(lookup.candidates(key).map { reveal ? $0 : Masking.mask($0, kind: "id_number") }.joined(separator: ", ")))")
        return .defects
    }
    print(report, terminator: "")
    return .success
}

func calendarCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--calendar", "--store", "--today"], flags: [])
    if arguments.wantsHelp { print(Help.calendar, terminator: ""); return .success }
    guard let sub = arguments.positionals.first else { throw UsageError("calendar needs a subcommand: add or check") }
    let calendar = try WorkingDayCalendar.load(directory: arguments.value("--calendar") ?? "Pipelines/calendar")
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
            let today = try arguments.value("--today").map(date) ?? CivilDate.of(Date())
            for year in [today.year, today.year + 1] { print(calendar.coverage(of: year)) }
            if let warning = calendar.missingNoticeWarning(today: today) { print("warning: \(warning)") }
            let path = arguments.value("--store") ?? Store.defaultPath
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

func tasksCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--catalog", "--calendar", "--agency", "--status", "--rule", "--out",
                                                  "--today", "--limit", "--reason"], flags: ["--overdue", "--accept", "--reject"])
    if arguments.wantsHelp { print(Help.tasks, terminator: ""); return .success }
    guard let sub = arguments.positionals.first else { throw UsageError("tasks needs a subcommand: list, show, export, import-replies, summary") }
    // Listing and showing only read; an export is written in the audit trail, a reply or a decision changes tasks.
    // Replies and decisions change tasks, as a run does: they take the writer lock before the store is opened.
    let lock = ["import-replies", "decide"].contains(sub) ? try writerLock(arguments, "onesource tasks \(sub) \(arguments.positionals.dropFirst().joined(separator: " "))") : nil
    defer { withExtendedLifetime(lock) {} }
    let writes = ["export", "import-replies", "decide"].contains(sub)
    let database = writes ? try openStore(arguments) : try openStoreForReading(arguments)
    let defaults = try StoreDefaults(arguments, database: database)
    let catalog = try Catalog.load(directory: defaults.catalog)
    let calendar = try WorkingDayCalendar.load(directory: defaults.calendar)
    var today = CivilDate.of(Date())
    if let text = arguments.value("--today") {
        guard let date = CivilDate(iso: text) else { throw UsageError("--today takes a date like 2026-12-09") }
        today = date
    }
    if let agency = arguments.value("--agency"), catalog.agency(agency) == nil {
        throw UsageError("unknown agency \(agency) (agencies: \(catalog.agencies.map(\.code).joined(separator: ", ")))")
    }
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
                                     overdueOn: arguments.has("--overdue") ? today : nil,
                                     limit: arguments.value("--limit") == nil ? 1000 : Int(try arguments.integer("--limit")))
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
        let element = catalog.element(task.element)
        let kinds = catalog.dataset(task.dataset)?.key.map { catalog.element($0)?.personal } ?? []
        print("任务 \(task.id) · \(task.status.chineseName)\(task.isOverdue(today: today) ? "（已逾期）" : "")")
        print("  单位: \(catalog.agency(task.agency)?.name ?? task.agency)")
        print("  规则: \(task.rule) (\(task.severity))")
        print("  数据集: \(catalog.dataset(task.dataset)?.name ?? task.dataset) · \(task.location)")
        print("  记录键: \(Masking.maskKey(task.recordKey, kinds: kinds))")
        print("  字段: \(element?.name ?? task.element)")
        print("  报送值: \(task.observed.map { Masking.mask($0, kind: element?.personal) } ?? "—")")
        print("  期望值: \(task.expected.map { Masking.mask($0, kind: element?.personal) } ?? "—")\(task.expectedSource.map { "（\($0)）" } ?? "")")
        print("  说明: \(book.maskedMessage(task))")
        print("  下发: \(task.issuedOn)  截止: \(task.dueOn)\(task.dueProvisional ? "（暂定：该年放假安排尚未发布）" : "")\(task.resolvedOn.map { "  核销: \($0)" } ?? "")")
        if let decision = task.decision {
            print("  裁定: \(decision == "accepted" ? "异议成立" : "异议不成立")（\(task.decisionReason ?? "")，\(task.decidedBy ?? "")，\(task.decidedAt ?? "")）")
        }
        if let reply = task.reply { print("  答复: \(reply)\(task.replyReason.map { "（\($0)）" } ?? "")") }
        print("  历史:")
        for event in try book.history(id) {
            print("    \(event.at)\(event.run.map { " run \($0)" } ?? "")  \(event.from?.chineseName ?? "—") → \(event.to.chineseName)  \(event.note ?? "")")
        }
    case "export":
        guard let agency = arguments.value("--agency"), let out = arguments.value("--out") else {
            throw UsageError("tasks export needs --agency and --out")
        }
        let paths = try book.export(agency: agency, to: out, today: today)
        for path in paths { print(path) }
    case "import-replies":
        guard arguments.positionals.count == 2 else { throw UsageError("tasks import-replies takes a file") }
        let file = arguments.positionals[1]
        let outcome = try ReplyImport(database: database).run(path: file)
        print("\(file) (\(outcome.encoding)): \(outcome.applied.count) repl(ies) recorded, \(outcome.unchanged.count) already recorded (unchanged), "
              + "\(outcome.blank) row(s) without a reply yet, \(outcome.rejected.count) row(s) rejected")
        for rejection in outcome.rejected { print("  \(file):\(rejection.line ?? 0): \(rejection.field.map { "[\($0)] " } ?? "")\(rejection.reason)") }
        return outcome.rejected.isEmpty ? .success : .defects
    case "summary":
        print(TextTable.render(header: TaskBook.accountabilityHeader, rows: try book.accountability(today: today),
                               rightAligned: Set(1...10)), terminator: "")
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

func reportCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--run", "--agency", "--out"], flags: [])
    if arguments.wantsHelp { print(Help.report, terminator: ""); return .success }
    guard arguments.positionals.isEmpty else { throw UsageError("report takes no arguments") }
    guard let out = arguments.value("--out") else { throw UsageError("--out is required") }
    let runID = try arguments.integer("--run")
    // It recomputes the run's metrics in the store: a writer, like a run.
    let lock = try writerLock(arguments, "onesource report --run \(runID)")
    defer { withExtendedLifetime(lock) {} }
    let database = try openStore(arguments)
    let run = try RunLedger(database: database).run(runID)
    let pipeline = try PipelineDefinition.parse(data: Data(run.definition.utf8), path: run.pipelinePath)
    let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
    if let agency = arguments.value("--agency"), catalog.agency(agency) == nil {
        throw UsageError("unknown agency \(agency) (agencies: \(catalog.agencies.map(\.code).joined(separator: ", ")))")
    }
    try database.transaction {
        try QualityMetrics.compute(database, catalog: catalog, datasets: try pipeline.selectedDatasets(in: catalog), run: runID)
    }
    let paths = try ReportStage.write(database, catalog: catalog, run: runID, agency: arguments.value("--agency"), to: out)
    for path in paths { print(path) }
    try AuditTrail(database: database).record("reports_written", run: runID, path: out, counts: "\(paths.count) files", outcome: "written")
    return .success
}

func auditCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--store", "--since", "--until", "--dataset", "--sha256", "--key", "--catalog", "--limit"], flags: [])
    if arguments.wantsHelp { print(Help.audit, terminator: ""); return .success }
    func date(_ name: String) throws -> CivilDate? {
        guard let text = arguments.value(name) else { return nil }
        guard let value = CivilDate(iso: text) else { throw UsageError("\(name) takes a date like 2026-11-29") }
        return value
    }
    let database = try openStoreForReading(arguments)
    let catalog = try Catalog.load(directory: try StoreDefaults(arguments, database: database).catalog)
    var key = arguments.value("--key")
    if let raw = key, let canonical = IdentityNumber.standardize(raw, context: StandardContext(today: CivilDate.of(Date()),
                                                                                            divisions: DivisionTable(entries: [], source: ""))).value {
        key = canonical
    }
    let entries = try AuditQuery(database: database, catalog: catalog).entries(
        since: try date("--since"), until: try date("--until"), dataset: arguments.value("--dataset"), sha256: arguments.value("--sha256"),
        key: key, limit: arguments.value("--limit") == nil ? 500 : Int(try arguments.integer("--limit")))
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

func generateCommand(_ words: [String]) throws -> ExitCode {
    let arguments = try Arguments(words, valued: ["--persons", "--seed", "--out", "--defect-rate", "--pipelines", "--night"], flags: [])
    if arguments.wantsHelp { print(Help.generate, terminator: ""); return .success }
    guard let out = arguments.value("--out") else { throw UsageError("--out is required") }
    let persons = Int(try arguments.integer("--persons"))
    let seed = arguments.value("--seed") == nil ? 1 : UInt64(try arguments.integer("--seed"))
    var rate = 0.01
    if let text = arguments.value("--defect-rate") {
        guard let value = Double(text), (0...0.5).contains(value) else { throw UsageError("--defect-rate is a fraction from 0 to 0.5") }
        rate = value
    }
    let started = Date()
    var night = 0
    if let text = arguments.value("--night") {
        guard let value = Int(text), value >= 0 else { throw UsageError("--night is a whole number from 0") }
        night = value
    }
    let defects = try CityGenerator(persons: persons, seed: seed, defectRate: rate, output: out,
                                    pipelines: arguments.value("--pipelines") ?? "Pipelines", night: night).write()
    print("wrote a city of \(persons) persons to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: "
          + "\(defects.count) injected defects listed in \(out)/ground-truth.csv; run it with: onesource run \(out)/nightly.json --store PATH")
    return .success
}

/// The subcommands, with their help text and handler.
enum Commands {
    static let table: [String: (help: String, run: @Sendable ([String]) throws -> ExitCode)] = [
    "run": (Help.run, runCommand),
    "stage": (Help.stage, stageCommand),
    "runs": (Help.runs, runsCommand),
    "summary": (Help.summary, summaryCommand),
    "catalog": (Help.catalog, catalogCommand),
    "inspect": (Help.inspect, inspectCommand),
    "standardize": (Help.standardize, standardizeCommand),
    "findings": (Help.findings, findingsCommand),
    "lookup": (Help.lookup, lookupCommand),
    "calendar": (Help.calendar, calendarCommand),
    "tasks": (Help.tasks, tasksCommand),
    "report": (Help.report, reportCommand),
    "audit": (Help.audit, auditCommand),
    "generate": (Help.generate, generateCommand),
    "prune": (Help.prune, pruneCommand),
    "backup": (Help.backup, backupCommand),
    "restore": (Help.restore, restoreCommand),
    "seal": (Help.seal, sealCommand),
    "unseal": (Help.unseal, unsealCommand),
    "destroy": (Help.destroy, destroyCommand),
    ]
}

func main(_ words: [String]) -> ExitCode {
    guard let first = words.first else {
        FileHandle.standardError.write(Data(Help.main.utf8))
        return .usage
    }
    if first == "-h" || first == "--help" { print(Help.main, terminator: ""); return .success }
    if first == "help" {
        guard words.count > 1 else { print(Help.main, terminator: ""); return .success }
        guard let command = Commands.table[words[1]] else {
            printError("unknown subcommand \(words[1])")
            FileHandle.standardError.write(Data(Help.main.utf8))
            return .usage
        }
        print(command.help, terminator: "")
        return .success
    }
    guard let command = Commands.table[first] else {
        printError("unknown subcommand \(first)")
        FileHandle.standardError.write(Data(Help.main.utf8))
        return .usage
    }
    do {
        return try command.run(Array(words.dropFirst()))
    } catch let error as UsageError {
        printError(error.description)
        FileHandle.standardError.write(Data(command.help.utf8))
        return .usage
    } catch let error as CatalogError {
        printError(error.description)
        return .invalidConfiguration
    } catch let error as StoreError {
        printError(error.description)
        return .failure
    } catch let error as BackupError {
        printError(error.description)
        return .failure
    } catch let error as SealError {
        printError(error.description)
        return .failure
    } catch let error as WriterLockError {
        printError(error.description)
        if case .busy = error { return .busy }
        return .failure
    } catch let error as SQLiteError where error.code.primary == .busy || error.code.primary == .locked {
        printError(error.description)
        return .busy
    } catch let error as PipelineError {
        printError(error.description)
        if case .invalidDefinition = error { return .invalidConfiguration }
        if case .unknownStage = error { return .invalidConfiguration }
        return .failure
    } catch {
        printError("\(error)")
        return .failure
    }
}

exit(main(Array(CommandLine.arguments.dropFirst())).rawValue)
