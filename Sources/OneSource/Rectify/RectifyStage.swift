import Foundation

/// The rectify stage (measures art. 12): every finding at or above the pipeline's threshold becomes a
/// durable task for the responsible agency, due in 7 working days (or as the pipeline says for a rule).
/// A task's identity is rule + agency + dataset + record key + element, so the same problem found again
/// next night updates the same task. A task not found again by a run that covered its dataset is resolved
/// by verification; one found again after it was resolved or reported corrected is reopened.
public struct RectifyStage: Stage {
    public let name = "rectify"

    public init() {}

    static let columns = ["status", "observed", "expected", "expected_source", "message", "path", "line", "last_seen_run",
                          "severity", "resolved_on", "resolved_run"]

    public func preflight(_ context: StageContext) throws {
        try refuseIfLaterRun(in: "rectify_runs", context, did: "updated the tasks")
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let runID = context.runID
        let calendar = try WorkingDayCalendar.load(directory: context.pipeline.calendarDirectory)
        let today = try RunLedger(database: database).run(runID).date
        let now = Clock.now()
        return try database.transaction {
            try preflight(context)
            try revert(runID, database: database)
            let eventInsert = try database.prepare("INSERT INTO task_events (task_id, run_id, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)")
            func event(_ task: Int64, _ from: String?, _ to: String, _ note: String) throws {
                try eventInsert.bind([.integer(task), .integer(runID), .text(now), .optional(from), .text(to), .text(note)])
                try eventInsert.run()
            }
            let levels = Severity.allCases.filter { $0 >= context.pipeline.taskThreshold }.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            let findings = try database.rows("""
                SELECT g.rule_id, g.agency, g.dataset_id, g.record_key, coalesce(g.element, ''), g.severity, g.observed, g.expected,
                       g.reason, g.message, f.path, g.line, g.record_index
                FROM findings g LEFT JOIN run_files f USING (file_id)
                WHERE g.run_id = ? AND g.severity IN (\(levels))
                ORDER BY g.finding_id
                """, [.integer(runID)])
            let find = try database.prepare("SELECT task_id, status, last_seen_run, \(RectifyStage.columns.joined(separator: ", ")) FROM tasks WHERE identity = ?")
            // Prepared once: a city's run issues tens of thousands of tasks.
            let update = try database.prepare("""
                UPDATE tasks SET status = ?, observed = ?, expected = ?, expected_source = ?, message = ?, path = ?, line = ?,
                    last_seen_run = ?, severity = ?, resolved_on = NULL, resolved_run = NULL, previous = ?
                WHERE task_id = ?
                """)
            let insert = try database.prepare("""
                INSERT INTO tasks (identity, rule_id, agency, dataset_id, record_key, element, severity, status, observed, expected,
                                   expected_source, message, path, line, first_run, last_seen_run, issued_on, due_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var dueOn: [Int: CivilDate] = [:]   // by working days allowed
            var created = 0, seenAgain = 0, reopened = 0
            for var row in findings {
                let rule = row[0].text ?? ""
                if (row[3].text ?? "").isEmpty {
                    // A record whose key is missing is still a task: it is known by its place in the delivery.
                    row[3] = .text("（第\(row[12].integer ?? 0)条记录，无记录键）")
                }
                let identity = [rule, row[1].text ?? "", row[2].text ?? "", row[3].text ?? "", row[4].text ?? ""].joined(separator: "|")
                let source = (rule == "matches_authority" || rule == "authority_outvoted") ? row[8] : SQLValue.null
                try find.bind([.text(identity)])
                if try find.step() {
                    let taskID = find.int64(0), status = find.text(1) ?? "", lastSeen = find.int64(2)
                    // Keep the state before this run, once, so a re-run of this run's stage can restore it.
                    var previous: [String: Any] = [:]
                    for (index, column) in RectifyStage.columns.enumerated() {
                        switch find.value(3 + index) {
                        case .null: previous[column] = NSNull()
                        case .integer(let number): previous[column] = number
                        case .real(let number): previous[column] = number
                        case .text(let text): previous[column] = text
                        }
                    }
                    try find.reset()
                    if lastSeen == runID { continue }   // the same problem twice in one run: one task
                    let snapshot = String(decoding: try JSONSerialization.data(withJSONObject: previous, options: [.sortedKeys]), as: UTF8.self)
                    var newStatus = status
                    if status == "resolved" || status == "corrected" { newStatus = "reopened" }
                    try update.bind([.text(newStatus), row[6], row[7], source, row[9], row[10], row[11], .integer(runID), row[5],
                                     .text(snapshot), .integer(taskID)])
                    try update.run()
                    if newStatus != status {
                        reopened += 1
                        try event(taskID, status, newStatus, status == "resolved" ? "已核销的问题再次出现" : "答复已更正，但本次运行仍发现该问题")
                    }
                    seenAgain += 1
                } else {
                    try find.reset()
                    let days = context.pipeline.ruleDueWorkingDays[rule] ?? context.pipeline.dueWorkingDays
                    let due: CivilDate
                    if let known = dueOn[days] { due = known } else {
                        due = try calendar.adding(workingDays: days, to: today)
                        dueOn[days] = due
                    }
                    try insert.bind([.text(identity), row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], source, row[9], row[10],
                                     row[11], .integer(runID), .integer(runID), .text(today.description), .text(due.description)])
                    try insert.run()
                    try event(database.lastInsertRowID, nil, "open", "下发整改任务，\(days)个工作日内核实整改（截止\(due)）")
                    created += 1
                }
            }
            // Verified resolved: still-open tasks of datasets this run covered whose problem was not found again.
            let covered = try database.rows("SELECT DISTINCT dataset_id FROM run_files WHERE run_id = ? AND status = 'ingested'", [.integer(runID)])
                .compactMap { $0[0].text }
            var resolved = 0
            for dataset in covered {
                let stale = try database.rows("""
                    SELECT task_id, status FROM tasks
                    WHERE dataset_id = ? AND status IN ('open', 'corrected', 'disputed', 'reopened') AND last_seen_run < ? ORDER BY task_id
                    """, [.text(dataset), .integer(runID)])
                for task in stale {
                    guard let id = task[0].integer else { continue }
                    let snapshot = #"{"resolved_on":null,"resolved_run":null,"status":"\#(task[1].text ?? "")"}"#
                    try database.run("UPDATE tasks SET status = 'resolved', resolved_on = ?, resolved_run = ?, previous = ? WHERE task_id = ?",
                                     [.text(today.description), .integer(runID), .text(snapshot), .integer(id)])
                    try event(id, task[1].text, "resolved", "本次运行未再发现该问题，核销")
                    resolved += 1
                }
            }
            try database.run("INSERT INTO rectify_runs (run_id, rectified_at) VALUES (?, ?)", [.integer(runID), .text(now)])
            let open = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN ('open', 'reopened')") ?? 0)
            let overdue = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN ('open', 'reopened') AND due_on < ?",
                                                          [.text(today.description)]) ?? 0)
            return StageOutcome(recordsIn: findings.count, recordsOut: created, rejected: 0, hasDefects: open > 0,
                                message: "\(created) new tasks, \(seenAgain) found again (\(reopened) reopened), \(resolved) resolved; "
                                    + "\(open) open, \(overdue) overdue")
        }
    }

    /// Undoes an earlier rectify of `run`: removes the tasks it created and restores the ones it changed.
    private func revert(_ run: Int64, database: Database) throws {
        try database.run("DELETE FROM task_events WHERE task_id IN (SELECT task_id FROM tasks WHERE first_run = ?)", [.integer(run)])
        try database.run("DELETE FROM tasks WHERE first_run = ?", [.integer(run)])
        let touched = try database.rows("""
            SELECT task_id, previous FROM tasks WHERE (last_seen_run = ? OR resolved_run = ?) AND previous IS NOT NULL
            """, [.integer(run), .integer(run)])
        for row in touched {
            guard let id = row[0].integer, let json = row[1].text,
                  let previous = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { continue }
            var assignments: [String] = []
            var values: [SQLValue] = []
            for column in RectifyStage.columns.sorted() {
                guard let value = previous[column] else { continue }
                assignments.append("\(column) = ?")
                switch value {
                case let text as String: values.append(.text(text))
                case let number as NSNumber: values.append(.integer(number.int64Value))
                default: values.append(.null)
                }
            }
            try database.run("UPDATE tasks SET \(assignments.joined(separator: ", ")), previous = NULL WHERE task_id = ?", values + [.integer(id)])
        }
        try database.run("DELETE FROM task_events WHERE run_id = ?", [.integer(run)])
        try database.run("DELETE FROM rectify_runs WHERE run_id = ?", [.integer(run)])
    }
}
