import Foundation

/// The data bureau's decision on a disputed task (measures art. 12, 26): a dispute does not stay open forever.
///
/// - Rejected: the task is open again, due a fresh number of working days (the task's own, 7 by default)
///   after the decision.
/// - Accepted: the finding becomes an accepted exception for that record and value; later runs do not raise
///   it again while the value is the one accepted (a changed value reopens it).
///
/// Each decision is recorded on the task (who, when, why), in its history and in the audit trail.
public struct TaskDecision {
    public enum Verdict: String, Sendable {
        case accept = "accepted"
        case reject = "rejected"
    }

    let database: Database
    let calendar: WorkingDayCalendar

    public init(database: Database, calendar: WorkingDayCalendar) {
        self.database = database
        self.calendar = calendar
    }

    /// Decides the dispute of task `id` on `day`; returns the task as it is afterwards.
    /// - Throws: `TaskError` when there is no such task, it is not disputed, or the reason is empty.
    @discardableResult
    public func decide(_ id: Int64, _ verdict: Verdict, reason: String, by person: String? = nil,
                       on day: CivilDate = CivilDate.of(Date()), defaultDays: Int = 7) throws -> TaskTable.Task {
        let person = person ?? Clock.userName()
        let reason = TextNormalizer.trim(reason)
        guard !reason.isEmpty else { throw TaskError.decisionNeedsReason }
        let now = Clock.now()
        let table = TaskTable(database: database)
        let task: TaskTable.Task = try database.transaction {
            guard let task = try table.task(id) else { throw TaskError.noSuchTask(id) }
            guard task.status == .disputed else { throw TaskError.notDisputed(id, task.status) }
            let note: String
            switch verdict {
            case .reject:
                let days = task.dueDays ?? defaultDays
                let due = calendar.deadline(workingDays: days, after: day)
                try table.reissue(id, from: day, days: days, dueOn: due.date, provisional: due.provisional,
                                  decision: verdict.rawValue, reason: reason, by: person, at: now)
                note = "数据主管部门裁定异议不成立（\(reason)），重新下发，\(days)个工作日内整改（截止\(due.date)\(due.provisional ? "，暂定" : "")）"
            case .accept:
                try table.accept(id, decision: verdict.rawValue, reason: reason, by: person, at: now)
                note = "数据主管部门裁定异议成立（\(reason)），列为例外：该记录的值“\(task.observed ?? "")”不再下发任务"
            }
            let after: TaskStatus = verdict == .accept ? .accepted : .open
            try TaskTable.EventWriter(database: database).write(task: id, run: nil, at: now, from: .disputed, to: after, note: note)
            guard let updated = try table.task(id) else { throw TaskError.noSuchTask(id) }
            return updated
        }
        try AuditTrail(database: database).record("task_decided", dataset: task.dataset, counts: "task \(id): \(verdict.rawValue)",
                                                  outcome: reason)
        return task
    }
}
