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

    public func preflight(_ context: StageContext) throws {
        try refuseIfLaterRun(in: .rectifyRuns, context, did: "updated the tasks")
    }

    /// The record key a task shows for a finding whose record had none: known by its place in the delivery (a
    /// row that could not be read, by its line).
    static func placeholderKey(rule: String, recordIndex: Int64?, line: Int64?) -> String {
        if rule == "row_rejected", let line { return "（第\(line)行，未能读取）" }
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
        return try database.transaction {
            try preflight(context)
            try revert(runID, database: database)
            let events = try TaskTable.EventWriter(database: database)
            var counts = Counts()
            let findings = try raise(context, calendar: calendar, today: today, now: now, events: events, counts: &counts)
            try resolve(context, today: today, now: now, events: events, counts: &counts)
            try recomputeProvisional(context, calendar: calendar, now: now, events: events, counts: &counts)
            try database.run("INSERT INTO rectify_runs (run_id, rectified_at) VALUES (?, ?)", [.integer(runID), .text(now)])
            let awaiting = TaskStatus.sqlList(TaskStatus.allCases.filter(\.awaitsAgency))
            let open = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN (\(awaiting))") ?? 0)
            let overdue = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN (\(awaiting)) AND due_on < ?",
                                                          [.text(today.description)]) ?? 0)
            let provisional = Int(try database.queryScalarInt("""
                SELECT count(*) FROM tasks WHERE due_provisional = 1 AND status IN (\(TaskStatus.sqlList(TaskStatus.allCases.filter(\.isLive))))
                """) ?? 0)
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
        let levels = Severity.allCases.filter { $0 >= context.pipeline.taskThreshold }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let find = try database.prepare("SELECT task_id, status, last_seen_run, accepted_value FROM tasks WHERE identity = ?")
        // Prepared once: a city's run issues tens of thousands of tasks.
        let update = try database.prepare("""
            UPDATE tasks SET status = ?, observed = ?, expected = ?, expected_source = ?, message = ?, path = ?, line = ?,
                record_index = ?, last_seen_run = ?, severity = ?, resolved_on = NULL, resolved_run = NULL, changed_run = ?
            WHERE task_id = ?
            """)
        let insert = try database.prepare("""
            INSERT INTO tasks (identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, expected,
                               expected_source, message, path, line, record_index, first_run, last_seen_run, changed_run, issued_on,
                               due_on, due_from, due_days, due_provisional)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let snapshot = try TaskTable.Snapshot(database: database, run: runID)
        var deadlines: [Int: WorkingDayCalendar.Deadline] = [:]   // by working days allowed
        var read = 0
        try database.forEach("""
            SELECT g.rule_id, g.stage, g.agency, g.dataset_id, g.record_key, coalesce(g.element, '') AS element, g.severity, g.observed,
                   g.expected, g.reason, g.message, f.path, g.line, g.record_index
            FROM findings g LEFT JOIN run_files f USING (file_id)
            WHERE g.run_id = ? AND g.severity IN (\(levels))
            ORDER BY g.finding_id
            """, [.integer(runID)]) { row in
            read += 1
            let rule = row.text("rule_id") ?? ""
            var key = row.text("record_key") ?? ""
            // A record whose key is missing is still a task: it is known by its place in the delivery.
            if key.isEmpty {
                key = RectifyStage.placeholderKey(rule: rule, recordIndex: row.optionalInt64("record_index"), line: row.optionalInt64("line"))
            }
            let identity = [rule, row.text("agency") ?? "", row.text("dataset_id") ?? "", key, row.text("element") ?? ""].joined(separator: "|")
            let source: SQLValue = RuleBook.comparison.contains(rule) && rule != "key_missing_in_authority" ? row.value("reason") : .null
            let observed = row.value("observed")
            try find.bind([.text(identity)])
            if try find.step() {
                let taskID = find.int64("task_id"), lastSeen = find.int64("last_seen_run"), accepted = find.text("accepted_value")
                let status = TaskStatus(rawValue: find.text("status") ?? "") ?? .open
                try find.reset()
                if lastSeen == runID { return }   // the same problem twice in one run: one task
                var newStatus = status
                var note: String?
                switch status {
                case .accepted where accepted == observed.text:
                    // The bureau accepted this value as an exception: not raised again.
                    try snapshot.take(taskID)
                    try database.run("UPDATE tasks SET last_seen_run = ? WHERE task_id = ?", [.integer(runID), .integer(taskID)])
                    counts.exceptionsKept += 1
                    return
                case .accepted:
                    newStatus = .reopened
                    note = "异议成立时的值“\(accepted ?? "")”已变化，例外不再适用，问题再次出现"
                case .resolved:
                    newStatus = .reopened
                    note = "已核销的问题再次出现"
                case .corrected:
                    newStatus = .reopened
                    note = "答复已更正，但本次运行仍发现该问题"
                case .open, .reopened, .disputed:
                    break
                }
                try snapshot.take(taskID)
                try update.bind([.text(newStatus.rawValue), observed, row.value("expected"), source, row.value("message"), row.value("path"),
                                 row.value("line"), row.value("record_index"), .integer(runID), row.value("severity"), .integer(runID),
                                 .integer(taskID)])
                try update.run()
                if let note {
                    counts.reopened += 1
                    try events.write(task: taskID, run: runID, at: now, from: status, to: newStatus, note: note)
                }
                counts.seenAgain += 1
            } else {
                try find.reset()
                let days = context.pipeline.ruleDueWorkingDays[rule] ?? context.pipeline.dueWorkingDays
                let due: WorkingDayCalendar.Deadline
                if let known = deadlines[days] { due = known } else {
                    due = calendar.deadline(workingDays: days, after: today)
                    deadlines[days] = due
                }
                try insert.bind([.text(identity), .text(rule), row.value("stage"), row.value("agency"), row.value("dataset_id"), .text(key),
                                 row.value("element"), row.value("severity"), observed, row.value("expected"), source, row.value("message"),
                                 row.value("path"), row.value("line"), row.value("record_index"), .integer(runID), .integer(runID),
                                 .integer(runID), .text(today.description), .text(due.date.description), .text(today.description),
                                 .int(days), .int(due.provisional ? 1 : 0)])
                try insert.run()
                try events.write(task: database.lastInsertRowID, run: runID, at: now, from: nil, to: .open,
                                 note: "下发整改任务，\(days)个工作日内核实整改（截止\(due.date)\(due.provisional ? "，暂定" : "")）")
                counts.created += 1
            }
        }
        return read
    }

    /// Resolves the live tasks of the datasets this run delivered whose problem was not found again, when their
    /// record came back: delivered again (any task raised at delivery: the dataset delivered again), and for
    /// comparisons and associations also verified, since those rules look only at verified records.
    private func resolve(_ context: StageContext, today: CivilDate, now: String, events: TaskTable.EventWriter,
                         counts: inout Counts) throws {
        let database = context.database
        let runID = context.runID
        let snapshot = try TaskTable.Snapshot(database: database, run: runID)
        let live = TaskStatus.sqlList([.open, .reopened, .corrected, .disputed])
        let covered = try database.rows("SELECT DISTINCT dataset_id FROM run_files WHERE run_id = ? AND status = 'ingested' ORDER BY dataset_id",
                                        [.integer(runID)]).compactMap { $0[0].text }
        for datasetID in covered {
            var redelivered = "0"
            var arguments: [SQLValue] = [.text(datasetID), .integer(runID)]
            if let dataset = context.catalog.dataset(datasetID),
               try database.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                                           [.text(StandardizedTable(dataset: dataset).name)]) == 1 {
                let std = StagingTable.quote(StandardizedTable(dataset: dataset).name)
                redelivered = """
                    CASE WHEN t.record_key = '（第' || t.record_index || '条记录，无记录键）'
                              THEN t.record_index IN (SELECT record_index FROM \(std) WHERE run_id = ?3)
                         WHEN t.stage IN ('compare', 'associate')
                              THEN t.record_key IN (SELECT record_key FROM \(std) WHERE run_id = ?3 AND has_error = 0)
                         ELSE t.record_key IN (SELECT record_key FROM \(std) WHERE run_id = ?3) END
                    """
                arguments.append(.integer(runID))
            }
            try database.forEach("""
                SELECT t.task_id, t.status, CASE WHEN t.stage = 'ingest' THEN 1 ELSE \(redelivered) END AS redelivered
                FROM tasks t WHERE t.dataset_id = ?1 AND t.status IN (\(live)) AND t.last_seen_run < ?2 ORDER BY t.task_id
                """, arguments) { task in
                guard task.int64("redelivered") != 0 else { counts.notRedelivered += 1; return }
                let id = task.int64("task_id")
                let status = TaskStatus(rawValue: task.text("status") ?? "") ?? .open
                try snapshot.take(id)
                try database.run("UPDATE tasks SET status = 'resolved', resolved_on = ?, resolved_run = ?, changed_run = ? WHERE task_id = ?",
                                 [.text(today.description), .integer(runID), .integer(runID), .integer(id)])
                try events.write(task: id, run: runID, at: now, from: status, to: .resolved, note: "记录已重新报送，本次运行未再发现该问题，核销")
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
        for move in try TaskTable(database: database).provisionalMoves(calendar: calendar, defaultDays: context.pipeline.dueWorkingDays) {
            try snapshot.take(move.task)
            try database.run("UPDATE tasks SET due_on = ?, due_provisional = ?, changed_run = ? WHERE task_id = ?",
                             [.text(move.to.date.description), .int(move.to.provisional ? 1 : 0), .integer(context.runID), .integer(move.task)])
            guard move.to.date.description != move.from else { continue }
            counts.dueMoved += 1
            try events.write(task: move.task, run: context.runID, at: now, from: move.status, to: move.status,
                             note: "截止日期由\(move.from)调整为\(move.to.date)（按国务院放假安排重新计算\(move.to.provisional ? "，仍为暂定" : "")）")
        }
    }

    /// Undoes an earlier rectify of `run`: removes the tasks it created and restores the ones it changed.
    private func revert(_ run: Int64, database: Database) throws {
        try database.run("DELETE FROM task_events WHERE task_id IN (SELECT task_id FROM tasks WHERE first_run = ?)", [.integer(run)])
        try database.run("DELETE FROM tasks WHERE first_run = ?", [.integer(run)])
        try TaskTable.Snapshot.restore(run: run, in: database)
        try database.run("DELETE FROM task_events WHERE run_id = ?", [.integer(run)])
        try database.run("DELETE FROM rectify_runs WHERE run_id = ?", [.integer(run)])
    }
}
