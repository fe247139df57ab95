import Foundation

/// The rectify stage (measures art. 12): every finding at or above the pipeline's threshold becomes a
/// durable task for the responsible agency, due in 7 working days (or as the pipeline says for a rule).
///
/// A task's identity is rule + agency + dataset + record key + element, so the same problem found again
/// next night updates the same task. A live task not found again is resolved only when its record was
/// delivered again (and, for comparisons and associations, verified, so the rule could look at it):
/// a record missing from a partial delivery keeps its task open. One found again after it was resolved or
/// reported corrected is reopened; one the bureau accepted as an exception stays so while the value is the
/// one accepted. Due dates counted over a year without the State Council's notice are provisional and are
/// recomputed here once the notice's calendar file is there.
public struct RectifyStage: Stage {
    public let name = "rectify"
    public let reads: Set<StoreArea> = [.runFiles, .standardized, .findings]
    public let writes: Set<StoreArea> = [.tasks]

    public init() {}

    /// Before a night: the working-day calendar loads, and covers the deadlines tonight's tasks can get (a year without
    /// the State Council's notice is provisional: a notice, not a problem, since deadlines are recomputed later).
    public func check(_ context: CheckContext) -> [CheckFinding] {
        let calendar: WorkingDayCalendar
        do {
            calendar = try WorkingDayCalendar.load(directory: context.pipeline.calendarDirectory)
        } catch {
            return [CheckFinding(.problem, file: context.pipeline.path, path: "$.calendar", "\(error)")]
        }
        var findings: [CheckFinding] = []
        let longest = ([context.pipeline.dueWorkingDays] + context.pipeline.ruleDueWorkingDays.values).max() ?? 7
        let deadline = calendar.deadline(workingDays: longest, after: context.asOf)
        if deadline.provisional {
            findings.append(CheckFinding(.notice, file: context.pipeline.calendarDirectory, "tasks raised on \(context.asOf) fall due by "
                + "\(deadline.date), counted on a provisional calendar for \(deadline.date.year): add \(deadline.date.year).json from the "
                + "State Council's holiday notice (see README, Working days)"))
        } else if let warning = calendar.missingNoticeWarning(today: context.asOf) {
            findings.append(CheckFinding(.notice, file: context.pipeline.calendarDirectory, warning))
        }
        return findings
    }

    public func preflight(_ context: StageContext) throws {
        try refuseIfLaterRun(in: .rectifyRuns, context, did: "updated the tasks")
    }

    /// The record key a task shows for a finding whose record had none: known by its place in the delivery (a
    /// row that could not be read, by its line).
    static func placeholderKey(rule: String, recordIndex: Int64?, line: Int64?) -> String {
        if rule == BuiltInRule.rowRejected.rawValue, let line { return "（第\(line)行，未能读取）" }
        if let recordIndex { return "（第\(recordIndex)条记录，无记录键）" }
        if let line { return "（第\(line)行，无记录键）" }
        return "（整个数据集）"
    }

    /// What one rectify did.
    struct Counts {
        var created = 0, seenAgain = 0, reopened = 0, resolved = 0, notRedelivered = 0, exceptionsKept = 0, dueMoved = 0
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let runID = context.runID
        let calendar = try WorkingDayCalendar.load(directory: context.pipeline.calendarDirectory)
        let today = try RunLedger(database: database).run(runID).date
        let now = Clock.now()
        let warning = calendar.missingNoticeWarning(today: today)
        if let warning { context.log.info("warning: \(warning)") }
        let tasks = TaskTable(database: database)
        return try database.transaction {
            try preflight(context)
            try tasks.revert(run: runID)
            let events = try TaskTable.EventWriter(database: database)
            var counts = Counts()
            let findings = try raise(context, calendar: calendar, today: today, now: now, events: events, counts: &counts)
            try resolve(context, today: today, now: now, events: events, counts: &counts)
            try recomputeProvisional(context, calendar: calendar, now: now, events: events, counts: &counts)
            try tasks.recordRectified(run: runID, at: now)
            let (open, overdue, provisional) = try tasks.openCounts(on: today)
            var message = "\(counts.created) new tasks, \(counts.seenAgain) found again (\(counts.reopened) reopened), "
                + "\(counts.resolved) resolved, \(counts.notRedelivered) not redelivered (kept open); \(open) open, \(overdue) overdue"
            if counts.exceptionsKept > 0 { message += "; \(counts.exceptionsKept) accepted exceptions not raised again" }
            if counts.dueMoved > 0 { message += "; \(counts.dueMoved) provisional due dates moved by the official calendar" }
            if provisional > 0 { message += "; \(provisional) due dates provisional (no State Council notice for their year yet)" }
            if let warning { message += "; warning: \(warning)" }
            return StageOutcome(recordsIn: findings, recordsOut: counts.created, rejected: 0, hasDefects: open > 0, message: message)
        }
    }

    /// Turns the run's findings into tasks: new ones, found again, reopened. Returns how many findings it read.
    private func raise(_ context: StageContext, calendar: WorkingDayCalendar, today: CivilDate, now: String,
                       events: TaskTable.EventWriter, counts: inout Counts) throws -> Int {
        let database = context.database
        let runID = context.runID
        let writer = try TaskTable.Writer(database: database)
        let snapshot = try TaskTable.Snapshot(database: database, run: runID)
        var deadlines: [Int: WorkingDayCalendar.Deadline] = [:]   // by working days allowed
        var read = 0
        try TaskTable(database: database).raised(run: runID, severities: Severity.allCases.filter { $0 >= context.pipeline.taskThreshold }) { finding in
            read += 1
            let rule = finding.rule
            var key = finding.recordKey ?? ""
            // A record whose key is missing is still a task: it is known by its place in the delivery.
            if key.isEmpty { key = RectifyStage.placeholderKey(rule: rule, recordIndex: finding.recordIndex, line: finding.line) }
            let identity = [rule, finding.agency, finding.dataset, key, finding.element].joined(separator: "|")
            let source = RuleBook.comparison.contains(rule) && rule != BuiltInRule.keyMissingInAuthority.rawValue ? finding.reason : nil
            if let existing = try writer.find(identity: identity) {
                if existing.lastSeen == runID { return }   // the same problem twice in one run: one task
                var newStatus = existing.status
                var note: String?
                switch existing.status {
                case .accepted where existing.accepted == finding.observed:
                    // The bureau accepted this value as an exception: not raised again.
                    try snapshot.take(existing.id)
                    try writer.markSeen(existing.id, run: runID)
                    counts.exceptionsKept += 1
                    return
                case .accepted:
                    newStatus = .reopened
                    note = "异议成立时的值“\(existing.accepted ?? "")”已变化，例外不再适用，问题再次出现"
                case .resolved:
                    newStatus = .reopened
                    note = "已核销的问题再次出现"
                case .corrected:
                    newStatus = .reopened
                    note = "答复已更正，但本次运行仍发现该问题"
                case .open, .reopened, .disputed:
                    break
                }
                try snapshot.take(existing.id)
                try writer.update(existing.id, status: newStatus, with: finding, expectedSource: source, run: runID)
                if let note {
                    counts.reopened += 1
                    try events.write(task: existing.id, run: runID, at: now, from: existing.status, to: newStatus, note: note)
                }
                counts.seenAgain += 1
            } else {
                let days = context.pipeline.ruleDueWorkingDays[rule] ?? context.pipeline.dueWorkingDays
                let due: WorkingDayCalendar.Deadline
                if let known = deadlines[days] { due = known } else {
                    due = calendar.deadline(workingDays: days, after: today)
                    deadlines[days] = due
                }
                let id = try writer.insert(identity: identity, key: key, finding: finding, expectedSource: source, run: runID, issuedOn: today,
                                           dueOn: due.date, days: days, provisional: due.provisional)
                try events.write(task: id, run: runID, at: now, from: nil, to: .open,
                                 note: "下发整改任务，\(days)个工作日内核实整改（截止\(due.date)\(due.provisional ? "，暂定" : "")）")
                counts.created += 1
            }
        }
        return read
    }

    /// Resolves the live tasks of the datasets this run delivered whose problem was not found again, when their
    /// record came back (see `TaskTable.unseenLiveTasks`).
    private func resolve(_ context: StageContext, today: CivilDate, now: String, events: TaskTable.EventWriter,
                         counts: inout Counts) throws {
        let database = context.database
        let runID = context.runID
        let snapshot = try TaskTable.Snapshot(database: database, run: runID)
        let tasks = TaskTable(database: database)
        let delivered = Set(try RunFileTable(database: database).files(run: runID).filter { $0.status == .ingested }.map(\.dataset)).sorted()
        for datasetID in delivered {
            let standardized = try context.catalog.dataset(datasetID).map(StandardizedTable.init).flatMap { try $0.exists(in: database) ? $0 : nil }
            for task in try tasks.unseenLiveTasks(dataset: datasetID, run: runID, standardized: standardized) {
                guard task.redelivered else { counts.notRedelivered += 1; continue }
                try snapshot.take(task.task)
                try tasks.resolve(task.task, on: today, run: runID)
                try events.write(task: task.task, run: runID, at: now, from: task.status, to: .resolved, note: "记录已重新报送，本次运行未再发现该问题，核销")
                counts.resolved += 1
            }
        }
    }

    /// Recomputes the provisional due dates of live tasks: once a year's notice is in the calendar, the date
    /// moves to what the official days give, and the task's history says so.
    private func recomputeProvisional(_ context: StageContext, calendar: WorkingDayCalendar, now: String,
                                      events: TaskTable.EventWriter, counts: inout Counts) throws {
        let database = context.database
        let snapshot = try TaskTable.Snapshot(database: database, run: context.runID)
        let tasks = TaskTable(database: database)
        for move in try tasks.provisionalMoves(calendar: calendar, defaultDays: context.pipeline.dueWorkingDays) {
            try snapshot.take(move.task)
            try tasks.setDue(move.task, on: move.to.date, provisional: move.to.provisional, run: context.runID)
            guard move.to.date.description != move.from else { continue }
            counts.dueMoved += 1
            try events.write(task: move.task, run: context.runID, at: now, from: move.status, to: move.status,
                             note: "截止日期由\(move.from)调整为\(move.to.date)（按国务院放假安排重新计算\(move.to.provisional ? "，仍为暂定" : "")）")
        }
    }
}

extension TaskTable {
    /// A live task whose provisional due date the calendar now gives otherwise (or confirms as official).
    public struct DueMove: Sendable {
        public let task: Int64
        public let status: TaskStatus
        public let from: String
        public let to: WorkingDayCalendar.Deadline
    }

    /// The live tasks with a provisional due date that `calendar` would now compute differently: another date, or
    /// the same date no longer provisional. Tasks whose working days were not recorded count `defaultDays`.
    public func provisionalMoves(calendar: WorkingDayCalendar, defaultDays: Int) throws -> [DueMove] {
        try provisionalDues().compactMap { due in
            let to = calendar.deadline(workingDays: due.days ?? defaultDays, after: due.dueFrom)
            guard to.date.description != due.dueOn || !to.provisional else { return nil }
            return DueMove(task: due.task, status: due.status, from: due.dueOn, to: to)
        }
    }
}
