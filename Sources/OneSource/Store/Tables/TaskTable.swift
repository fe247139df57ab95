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
            conditions.append("status IN (\(TaskStatus.sqlList(TaskStatus.allCases.filter(\.awaitsAgency)))) AND due_on < ?")
            arguments.append(.text(day.description))
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.map(TaskTable.select + whereClause + " ORDER BY task_id LIMIT ?", arguments + [.int(filter.limit)], TaskTable.task)
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
        try database.map("""
            SELECT task_id, status, due_on, due_from, due_days FROM tasks
            WHERE due_provisional = 1 AND status IN (\(TaskStatus.sqlList(TaskStatus.allCases.filter(\.isLive)))) ORDER BY task_id
            """) { row -> DueMove? in
            guard let from = CivilDate(iso: row.text("due_from") ?? "") else { return nil }
            let due = calendar.deadline(workingDays: row.optionalInt64("due_days").map(Int.init) ?? defaultDays, after: from)
            let current = row.text("due_on") ?? ""
            guard due.date.description != current || !due.provisional else { return nil }
            return DueMove(task: row.int64("task_id"), status: TaskStatus(rawValue: row.text("status") ?? "") ?? .open, from: current, to: due)
        }.compactMap { $0 }
    }

    // MARK: - Counts

    /// Live tasks (of one agency, or all) whose due date is provisional.
    public func provisionalCount(agency: String?) throws -> Int {
        Int(try database.queryScalarInt("""
            SELECT count(*) FROM tasks WHERE due_provisional = 1 AND status IN (\(TaskStatus.sqlList(TaskStatus.allCases.filter(\.isLive))))
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
