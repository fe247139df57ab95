import Foundation

/// The rectification tasks' tables: `tasks` (one row per task identity), `task_events` (every change of
/// status, with its run or its person) and `rectify_runs` (the runs whose rectify stage ran). Their SQL
/// lives here; columns are read by name.
public struct TaskTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// One task as stored.
    public struct Task: Sendable, Equatable {
        public let id: Int64
        public let identity: String
        public let rule: String
        /// The stage whose finding raised it (nil for tasks from before the store knew).
        public let stage: String?
        public let agency: String
        public let dataset: String
        public let recordKey: String
        public let element: String
        public let severity: String
        public let status: TaskStatus
        public let observed: String?
        public let expected: String?
        public let expectedSource: String?
        public let message: String
        public let path: String?
        public let line: Int?
        public let recordIndex: Int?
        public let firstRun: Int64
        public let lastSeenRun: Int64
        public let issuedOn: String
        public let dueOn: String
        /// The day the working days were counted from (the issue, or the bureau's decision on a dispute).
        public let dueFrom: String
        /// Working days allowed (nil for tasks from before the store knew: then they were the pipeline's).
        public let dueDays: Int?
        /// The due date was counted over days of a year without the State Council's notice.
        public let dueProvisional: Bool
        public let resolvedOn: String?
        public let resolvedRun: Int64?
        public let reply: String?
        public let replyReason: String?
        public let replyBy: String?
        public let replyAt: String?
        public let decision: String?
        public let decisionReason: String?
        public let decidedBy: String?
        public let decidedAt: String?
        /// The value the bureau accepted as an exception (status `accepted`).
        public let acceptedValue: String?

        /// `path:line`, or the dataset when the finding had no file.
        public var location: String { (path ?? dataset) + (line.map { ":\($0)" } ?? "") }

        /// Past its due date while the agency still has to act. A reply of 已更正 awaiting verification, or a
        /// dispute awaiting the bureau, is not the agency's delay.
        public func isOverdue(today: CivilDate) -> Bool { status.awaitsAgency && dueOn < today.description }

        /// The rule's name in Chinese (the id when the catalog no longer knows it).
        public func ruleName(in catalog: Catalog) -> String {
            catalog.ruleBook[rule]?.name ?? catalog.associations.first { $0.id == rule }?.name ?? rule
        }
    }

    static let select = """
        SELECT task_id, identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, expected,
               expected_source, message, path, line, record_index, first_run, last_seen_run, issued_on, due_on, due_from, due_days,
               due_provisional, resolved_on, resolved_run, reply, reply_reason, reply_by, reply_at, decision, decision_reason,
               decided_by, decided_at, accepted_value
        FROM tasks
        """

    static func task(_ s: Statement) -> Task {
        Task(id: s.int64("task_id"), identity: s.text("identity") ?? "", rule: s.text("rule_id") ?? "", stage: s.text("stage"),
             agency: s.text("agency") ?? "", dataset: s.text("dataset_id") ?? "", recordKey: s.text("record_key") ?? "",
             element: s.text("element") ?? "", severity: s.text("severity") ?? "",
             status: TaskStatus(rawValue: s.text("status") ?? "") ?? .open, observed: s.text("observed"), expected: s.text("expected"),
             expectedSource: s.text("expected_source"), message: s.text("message") ?? "", path: s.text("path"),
             line: s.optionalInt64("line").map(Int.init), recordIndex: s.optionalInt64("record_index").map(Int.init),
             firstRun: s.int64("first_run"), lastSeenRun: s.int64("last_seen_run"), issuedOn: s.text("issued_on") ?? "",
             dueOn: s.text("due_on") ?? "", dueFrom: s.text("due_from") ?? "", dueDays: s.optionalInt64("due_days").map(Int.init),
             dueProvisional: s.int64("due_provisional") != 0, resolvedOn: s.text("resolved_on"),
             resolvedRun: s.optionalInt64("resolved_run"), reply: s.text("reply"), replyReason: s.text("reply_reason"),
             replyBy: s.text("reply_by"), replyAt: s.text("reply_at"), decision: s.text("decision"),
             decisionReason: s.text("decision_reason"), decidedBy: s.text("decided_by"), decidedAt: s.text("decided_at"),
             acceptedValue: s.text("accepted_value"))
    }

    /// Which tasks a listing wants.
    public struct Filter: Sendable {
        public var agency: String?
        public var statuses: [TaskStatus]?
        public var rule: String?
        public var dataset: String?
        public var overdueOn: CivilDate?
        public var limit: Int
        public init(agency: String? = nil, statuses: [TaskStatus]? = nil, rule: String? = nil, dataset: String? = nil,
                    overdueOn: CivilDate? = nil, limit: Int = 1000) {
            self.agency = agency; self.statuses = statuses; self.rule = rule; self.dataset = dataset
            self.overdueOn = overdueOn; self.limit = limit
        }
    }

    public func list(_ filter: Filter) throws -> [Task] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let agency = filter.agency { conditions.append("agency = ?"); arguments.append(.text(agency)) }
        if let statuses = filter.statuses { conditions.append("status IN (\(TaskStatus.sqlList(statuses)))") }
        if let rule = filter.rule { conditions.append("rule_id = ?"); arguments.append(.text(rule)) }
        if let dataset = filter.dataset { conditions.append("dataset_id = ?"); arguments.append(.text(dataset)) }
        if let day = filter.overdueOn {
            conditions.append("status IN (\(TaskStatus.awaitingSQL)) AND due_on < ?")
            arguments.append(.text(day.description))
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.map(TaskTable.select + whereClause + " ORDER BY task_id LIMIT ?", arguments + [.int(filter.limit)], TaskTable.task)
    }

    /// Live tasks awaiting the agency, by severity, and of those the past-due ones (due before `day`), for one agency or all.
    public func awaitingBySeverity(agency: String?, on day: CivilDate) throws -> [(severity: String, count: Int, pastDue: Int)] {
        try database.map("""
            SELECT severity, count(*) AS n, sum(due_on < ?) AS past_due FROM tasks WHERE status IN (\(TaskStatus.awaitingSQL))
            \(agency == nil ? "" : "AND agency = ?") GROUP BY severity ORDER BY severity
            """, [.text(day.description)] + (agency.map { [SQLValue.text($0)] } ?? [])) {
            ($0.text("severity") ?? "", $0.int("n"), $0.int("past_due"))
        }
    }

    /// An agency's live tasks, overdue on `day` first, then by due date and id, at most `limit`; and how many there are.
    public func live(agency: String, overdueFirstOn day: CivilDate, limit: Int) throws -> (tasks: [Task], total: Int) {
        let total = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE agency = ? AND status IN (\(TaskStatus.liveSQL))",
                                                    [.text(agency)]) ?? 0)
        let tasks = try database.map(TaskTable.select + """
             WHERE agency = ? AND status IN (\(TaskStatus.liveSQL))
            ORDER BY CASE WHEN status IN (\(TaskStatus.awaitingSQL)) AND due_on < ? THEN 0 ELSE 1 END, due_on, task_id LIMIT ?
            """, [.text(agency), .text(day.description), .int(limit)], TaskTable.task)
        return (tasks, total)
    }

    public func task(_ id: Int64) throws -> Task? {
        try database.map(TaskTable.select + " WHERE task_id = ?", [.integer(id)], TaskTable.task).first
    }

    /// One change of a task's status, with the run that made it or the person.
    public struct Event: Sendable, Equatable {
        public let at: String
        public let run: Int64?
        public let from: TaskStatus?
        public let to: TaskStatus
        public let note: String?
    }

    public func history(_ id: Int64) throws -> [Event] {
        try database.map("SELECT at, run_id, from_status, to_status, note FROM task_events WHERE task_id = ? ORDER BY event_id",
                         [.integer(id)]) {
            Event(at: $0.text("at") ?? "", run: $0.optionalInt64("run_id"), from: $0.text("from_status").flatMap(TaskStatus.init(rawValue:)),
                  to: TaskStatus(rawValue: $0.text("to_status") ?? "") ?? .open, note: $0.text("note"))
        }
    }

    /// Appends an event (prepared once per writer).
    final class EventWriter {
        private let insert: Statement
        init(database: Database) throws {
            insert = try database.prepare("INSERT INTO task_events (task_id, run_id, at, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)")
        }
        func write(task: Int64, run: Int64?, at: String, from: TaskStatus?, to: TaskStatus, note: String) throws {
            try insert.bind([.integer(task), run.map { .integer($0) } ?? .null, .text(at), .optional(from?.rawValue), .text(to.rawValue),
                             .text(note)])
            try insert.run()
        }
    }

    // MARK: - Undoing a run's changes

    /// Keeps a task's state before a run first changes it, so that a re-run of that run's rectify can restore it.
    final class Snapshot {
        /// Every column a run may change.
        static let columns = ["status", "observed", "expected", "expected_source", "message", "path", "line", "record_index",
                              "last_seen_run", "changed_run", "severity", "resolved_on", "resolved_run", "due_on", "due_provisional"]
        private let take: Statement

        init(database: Database, run: Int64) throws {
            take = try database.prepare("""
                UPDATE tasks SET previous = json_object(\(Snapshot.columns.map { "'\($0)', \($0)" }.joined(separator: ", "))),
                    changed_run = ?1 WHERE task_id = ?2 AND changed_run IS NOT ?1
                """)
            try take.bind(.integer(run), at: 1)
        }

        /// Keeps the task's state unless this run already changed it (then its first state is kept).
        func take(_ task: Int64) throws {
            try take.bind(.integer(task), at: 2)
            try take.step()
            take.resetKeepingBindings()
        }

        /// Restores every task `run` changed to its state before the run.
        static func restore(run: Int64, in database: Database) throws {
            try database.run("""
                UPDATE tasks SET \(columns.map { "\($0) = json_extract(previous, '$.\($0)')" }.joined(separator: ", ")), previous = NULL
                WHERE changed_run = ? AND previous IS NOT NULL
                """, [.integer(run)])
        }
    }

    /// A live task whose due date is provisional: when it was counted from and over how many working days.
    public struct ProvisionalDue: Sendable {
        public let task: Int64
        public let status: TaskStatus
        public let dueOn: String
        public let dueFrom: CivilDate
        /// Working days allowed, when recorded.
        public let days: Int?
    }

    /// The live tasks whose due date is provisional, by id.
    public func provisionalDues() throws -> [ProvisionalDue] {
        try database.map("""
            SELECT task_id, status, due_on, due_from, due_days FROM tasks
            WHERE due_provisional = 1 AND status IN (\(TaskStatus.liveSQL)) ORDER BY task_id
            """) { row -> ProvisionalDue? in
            guard let from = CivilDate(iso: row.text("due_from") ?? "") else { return nil }
            return ProvisionalDue(task: row.int64("task_id"), status: TaskStatus(rawValue: row.text("status") ?? "") ?? .open,
                                  dueOn: row.text("due_on") ?? "", dueFrom: from, days: row.optionalInt64("due_days").map(Int.init))
        }.compactMap { $0 }
    }

    /// Sets a task's due date (the run that changed it recorded).
    public func setDue(_ task: Int64, on date: CivilDate, provisional: Bool, run: Int64) throws {
        try database.run("UPDATE tasks SET due_on = ?, due_provisional = ?, changed_run = ? WHERE task_id = ?",
                         [.text(date.description), .int(provisional ? 1 : 0), .integer(run), .integer(task)])
    }

    // MARK: - What a rectify does

    /// A run's finding that becomes (or updates) a task, with the path of its file.
    public struct Raised: Sendable {
        public let rule: String, stage: String, agency: String, dataset: String
        public let recordKey: String?
        public let element: String
        public let severity: String
        public let observed: String?, expected: String?, reason: String?
        public let message: String
        public let path: String?
        public let line: Int64?, recordIndex: Int64?
    }

    /// The run's findings at `severities`, in the order they were found.
    public func raised(run: Int64, severities: [Severity], _ body: (Raised) throws -> Void) throws {
        let levels = severities.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        try database.forEach("""
            SELECT g.rule_id, g.stage, g.agency, g.dataset_id, g.record_key, coalesce(g.element, '') AS element, g.severity, g.observed,
                   g.expected, g.reason, g.message, f.path, g.line, g.record_index
            FROM findings g LEFT JOIN run_files f USING (file_id)
            WHERE g.run_id = ? AND g.severity IN (\(levels))
            ORDER BY g.finding_id
            """, [.integer(run)]) { row in
            try body(Raised(rule: row.text("rule_id") ?? "", stage: row.text("stage") ?? "", agency: row.text("agency") ?? "",
                            dataset: row.text("dataset_id") ?? "", recordKey: row.text("record_key"), element: row.text("element") ?? "",
                            severity: row.text("severity") ?? "", observed: row.text("observed"), expected: row.text("expected"),
                            reason: row.text("reason"), message: row.text("message") ?? "", path: row.text("path"),
                            line: row.optionalInt64("line"), recordIndex: row.optionalInt64("record_index")))
        }
    }

    /// The statements a rectify runs once per finding, prepared once: a city's run issues tens of thousands of tasks.
    final class Writer {
        private let database: Database
        private let find: Statement
        private let update: Statement
        private let insert: Statement
        private let seen: Statement

        init(database: Database) throws {
            self.database = database
            find = try database.prepare("SELECT task_id, status, last_seen_run, accepted_value FROM tasks WHERE identity = ?")
            update = try database.prepare("""
                UPDATE tasks SET status = ?, observed = ?, expected = ?, expected_source = ?, message = ?, path = ?, line = ?,
                    record_index = ?, last_seen_run = ?, severity = ?, resolved_on = NULL, resolved_run = NULL, changed_run = ?
                WHERE task_id = ?
                """)
            insert = try database.prepare("""
                INSERT INTO tasks (identity, rule_id, stage, agency, dataset_id, record_key, element, severity, status, observed, expected,
                                   expected_source, message, path, line, record_index, first_run, last_seen_run, changed_run, issued_on,
                                   due_on, due_from, due_days, due_provisional)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            seen = try database.prepare("UPDATE tasks SET last_seen_run = ? WHERE task_id = ?")
        }

        /// The task with this identity: its id, status, the run that last saw it and the value accepted as an exception.
        func find(identity: String) throws -> (id: Int64, status: TaskStatus, lastSeen: Int64, accepted: String?)? {
            try find.bind([.text(identity)])
            defer { try? find.reset() }
            guard try find.step() else { return nil }
            return (find.int64("task_id"), TaskStatus(rawValue: find.text("status") ?? "") ?? .open, find.int64("last_seen_run"),
                    find.text("accepted_value"))
        }

        /// Notes that `run` saw the task again, changing nothing else.
        func markSeen(_ task: Int64, run: Int64) throws {
            try seen.bind([.integer(run), .integer(task)])
            try seen.run()
        }

        /// The task found again by `run`: its status and what the finding says now.
        func update(_ task: Int64, status: TaskStatus, with finding: Raised, expectedSource: String?, run: Int64) throws {
            try update.bind([.text(status.rawValue), .optional(finding.observed), .optional(finding.expected), .optional(expectedSource),
                             .text(finding.message), .optional(finding.path), finding.line.map { .integer($0) } ?? .null,
                             finding.recordIndex.map { .integer($0) } ?? .null, .integer(run), .text(finding.severity), .integer(run),
                             .integer(task)])
            try update.run()
        }

        /// A new task for the finding; returns its id.
        func insert(identity: String, key: String, finding: Raised, expectedSource: String?, run: Int64, issuedOn: CivilDate,
                    dueOn: CivilDate, days: Int, provisional: Bool) throws -> Int64 {
            try insert.bind([.text(identity), .text(finding.rule), .text(finding.stage), .text(finding.agency), .text(finding.dataset),
                             .text(key), .text(finding.element), .text(finding.severity), .optional(finding.observed),
                             .optional(finding.expected), .optional(expectedSource), .text(finding.message), .optional(finding.path),
                             finding.line.map { .integer($0) } ?? .null, finding.recordIndex.map { .integer($0) } ?? .null,
                             .integer(run), .integer(run), .integer(run), .text(issuedOn.description), .text(dueOn.description),
                             .text(issuedOn.description), .int(days), .int(provisional ? 1 : 0)])
            try insert.run()
            return database.lastInsertRowID
        }
    }

    /// The live tasks of `dataset` that `run` did not find again, and whether their record came back this run: for a
    /// task raised at delivery, the dataset delivered again; else the record delivered again (by its key, or by its
    /// index when it had none) and, for comparisons and associations, verified, since those rules look only at
    /// verified records. Without a standardized table nothing came back.
    public func unseenLiveTasks(dataset: String, run: Int64, standardized: StandardizedTable?) throws -> [(task: Int64, status: TaskStatus, redelivered: Bool)] {
        var redelivered = "0"
        var arguments: [SQLValue] = [.text(dataset), .integer(run)]
        if let standardized {
            let std = StagingTable.quote(standardized.name)
            redelivered = """
                CASE WHEN t.record_key = '（第' || t.record_index || '条记录，无记录键）'
                          THEN t.record_index IN (SELECT record_index FROM \(std) WHERE run_id = ?3)
                     WHEN t.stage IN ('compare', 'associate')
                          THEN t.record_key IN (SELECT record_key FROM \(std) WHERE run_id = ?3 AND has_error = 0)
                     ELSE t.record_key IN (SELECT record_key FROM \(std) WHERE run_id = ?3) END
                """
            arguments.append(.integer(run))
        }
        let live = TaskStatus.liveSQL
        return try database.map("""
            SELECT t.task_id, t.status, CASE WHEN t.stage = 'ingest' THEN 1 ELSE \(redelivered) END AS redelivered
            FROM tasks t WHERE t.dataset_id = ?1 AND t.status IN (\(live)) AND t.last_seen_run < ?2 ORDER BY t.task_id
            """, arguments) { row in
            (row.int64("task_id"), TaskStatus(rawValue: row.text("status") ?? "") ?? .open, row.int64("redelivered") != 0)
        }
    }

    /// An agency's reply to a task: its new status, the reply as written, the reason, who and when.
    public func recordReply(_ task: Int64, status: TaskStatus, reply: String, reason: String?, by who: String, at when: String) throws {
        try database.run("UPDATE tasks SET status = ?, reply = ?, reply_reason = ?, reply_by = ?, reply_at = ? WHERE task_id = ?",
                         [.text(status.rawValue), .text(reply), .optional(reason), .text(who), .text(when), .integer(task)])
    }

    /// The bureau rejects a dispute: the task is open again, due `days` working days from `day`.
    public func reissue(_ task: Int64, from day: CivilDate, days: Int, dueOn: CivilDate, provisional: Bool, decision: String, reason: String,
                        by person: String, at time: String) throws {
        try database.run("""
            UPDATE tasks SET status = 'open', due_from = ?, due_days = ?, due_on = ?, due_provisional = ?, decision = ?,
                decision_reason = ?, decided_by = ?, decided_at = ? WHERE task_id = ?
            """, [.text(day.description), .int(days), .text(dueOn.description), .int(provisional ? 1 : 0), .text(decision), .text(reason),
                  .text(person), .text(time), .integer(task)])
    }

    /// The bureau accepts a dispute: the value observed becomes an exception for that record.
    public func accept(_ task: Int64, decision: String, reason: String, by person: String, at time: String) throws {
        try database.run("""
            UPDATE tasks SET status = 'accepted', accepted_value = observed, decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?
            WHERE task_id = ?
            """, [.text(decision), .text(reason), .text(person), .text(time), .integer(task)])
    }

    /// Resolves a task (核销) on `day` by `run`.
    public func resolve(_ task: Int64, on day: CivilDate, run: Int64) throws {
        try database.run("UPDATE tasks SET status = 'resolved', resolved_on = ?, resolved_run = ?, changed_run = ? WHERE task_id = ?",
                         [.text(day.description), .integer(run), .integer(run), .integer(task)])
    }

    /// Records that `run`'s rectify is done.
    public func recordRectified(run: Int64, at time: String) throws {
        try database.run("INSERT INTO rectify_runs (run_id, rectified_at) VALUES (?, ?)", [.integer(run), .text(time)])
    }

    /// Undoes an earlier rectify of `run`: removes the tasks it created and restores the ones it changed.
    public func revert(run: Int64) throws {
        try database.run("DELETE FROM task_events WHERE task_id IN (SELECT task_id FROM tasks WHERE first_run = ?)", [.integer(run)])
        try database.run("DELETE FROM tasks WHERE first_run = ?", [.integer(run)])
        try Snapshot.restore(run: run, in: database)
        try database.run("DELETE FROM task_events WHERE run_id = ?", [.integer(run)])
        try database.run("DELETE FROM rectify_runs WHERE run_id = ?", [.integer(run)])
    }

    /// Tasks awaiting their agency, and of those the ones past due on `day`; live tasks with a provisional due date.
    public func openCounts(on day: CivilDate) throws -> (open: Int, overdue: Int, provisional: Int) {
        let awaiting = TaskStatus.awaitingSQL
        let open = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN (\(awaiting))") ?? 0)
        let overdue = Int(try database.queryScalarInt("SELECT count(*) FROM tasks WHERE status IN (\(awaiting)) AND due_on < ?",
                                                      [.text(day.description)]) ?? 0)
        return (open, overdue, try provisionalCount(agency: nil))
    }

    // MARK: - Counts

    /// One agency's tasks as a run left them: raised by the run, reopened by it, past due on `day`, and of those the
    /// ones that fell due since `since` (the previous run's day; nil: every overdue one is new).
    public struct RunCounts: Sendable, Equatable {
        public var created = 0, reopened = 0, overdue = 0, newlyOverdue = 0
    }

    /// `RunCounts` per agency code, for the agencies with any.
    public func runCounts(run: Int64, day: CivilDate, since: CivilDate?) throws -> [String: RunCounts] {
        let awaiting = TaskStatus.awaitingSQL
        var counts: [String: RunCounts] = [:]
        try database.forEach("SELECT agency, count(*) AS n FROM tasks WHERE first_run = ? GROUP BY agency", [.integer(run)]) {
            counts[$0.text("agency") ?? "", default: RunCounts()].created = $0.int("n")
        }
        try database.forEach("""
            SELECT t.agency, count(DISTINCT t.task_id) AS n FROM task_events e JOIN tasks t ON t.task_id = e.task_id
            WHERE e.run_id = ? AND e.to_status = 'reopened' GROUP BY t.agency
            """, [.integer(run)]) {
            counts[$0.text("agency") ?? "", default: RunCounts()].reopened = $0.int("n")
        }
        try database.forEach("""
            SELECT agency, count(*) AS n, sum(CASE WHEN ?2 IS NULL OR due_on >= ?2 THEN 1 ELSE 0 END) AS fresh
            FROM tasks WHERE status IN (\(awaiting)) AND due_on < ?1 GROUP BY agency
            """, [.text(day.description), .optional(since?.description)]) {
            counts[$0.text("agency") ?? "", default: RunCounts()].overdue = $0.int("n")
            counts[$0.text("agency") ?? "", default: RunCounts()].newlyOverdue = $0.int("fresh")
        }
        return counts
    }

    /// Live tasks (of one agency, or all) whose due date is provisional.
    public func provisionalCount(agency: String?) throws -> Int {
        Int(try database.queryScalarInt("""
            SELECT count(*) FROM tasks WHERE due_provisional = 1 AND status IN (\(TaskStatus.liveSQL))
            \(agency == nil ? "" : "AND agency = ?")
            """, agency.map { [.text($0)] } ?? []) ?? 0)
    }

    /// Tasks per status (and per status whether past due on `day`), for one agency or all.
    public func counts(agency: String?, on day: CivilDate) throws -> [(status: TaskStatus, pastDue: Bool, count: Int)] {
        try database.map("""
            SELECT status, due_on < ? AS past_due, count(*) AS n FROM tasks \(agency == nil ? "" : "WHERE agency = ?")
            GROUP BY status, past_due ORDER BY status, past_due
            """, [.text(day.description)] + (agency.map { [SQLValue.text($0)] } ?? [])) {
            (TaskStatus(rawValue: $0.text("status") ?? "") ?? .open, $0.int64("past_due") != 0, $0.int("n"))
        }
    }
}

@available(*, unavailable)
extension TaskTable.EventWriter: Sendable {}

@available(*, unavailable)
extension TaskTable.Writer: Sendable {}
