import Foundation

/// Rectification tasks as agencies and engineers use them: listings, one task with its history, per-agency
/// exports (CSV with BOM for Excel, and JSON), agency replies, and the accountability summary (art. 26).
public struct TaskBook {
    let database: Database
    let catalog: Catalog
    let calendar: WorkingDayCalendar

    public init(database: Database, catalog: Catalog, calendar: WorkingDayCalendar) {
        self.database = database
        self.catalog = catalog
        self.calendar = calendar
    }

    /// One task as listed.
    public typealias Task = TaskTable.Task

    public struct Filter: Sendable {
        public var agency: String?
        public var status: TaskStatus?
        public var rule: String?
        public var overdueOn: CivilDate?
        public var limit: Int
        public init(agency: String? = nil, status: TaskStatus? = nil, rule: String? = nil, overdueOn: CivilDate? = nil, limit: Int = 1000) {
            self.agency = agency; self.status = status; self.rule = rule; self.overdueOn = overdueOn; self.limit = limit
        }
    }

    public func list(_ filter: Filter) throws -> [Task] {
        try TaskTable(database: database).list(.init(agency: filter.agency, statuses: filter.status.map { [$0] }, rule: filter.rule,
                                                     overdueOn: filter.overdueOn, limit: filter.limit))
    }

    public func task(_ id: Int64) throws -> Task? { try TaskTable(database: database).task(id) }

    /// Every change of status, with its run and time.
    public func history(_ id: Int64) throws -> [TaskTable.Event] { try TaskTable(database: database).history(id) }

    /// The task's message with its personal values masked (the key, the delivered and the expected value).
    public func maskedMessage(_ task: Task, keepKey: Bool = false) -> String {
        let element = catalog.element(task.element)
        let kinds = catalog.dataset(task.dataset)?.key.map { catalog.element($0)?.personal } ?? []
        var message = task.message
        if let kind = element?.personal {
            for value in [task.observed, task.expected].compactMap({ $0 }) where !value.isEmpty {
                message = message.replacingOccurrences(of: value, with: Masking.mask(value, kind: kind))
            }
        }
        if !keepKey && kinds.contains(where: { $0 != nil }) && !task.recordKey.isEmpty {
            message = message.replacingOccurrences(of: task.recordKey, with: Masking.maskKey(task.recordKey, kinds: kinds))
        }
        return message
    }

    // MARK: - Export

    static let exportHeader = ["任务编号", "规则", "问题说明", "数据集", "记录键", "字段", "报送值", "期望值", "权威来源", "下发日期", "截止日期",
                               "截止日期暂定", "状态", "是否逾期", "答复", "理由", "答复人", "答复时间"]
    /// Column widths of the workbook, in characters.
    static let exportWidths = [9, 22, 50, 18, 22, 14, 22, 22, 20, 12, 12, 8, 14, 8, 10, 30, 10, 20]

    /// The agency's live tasks (not resolved, not accepted) as rows of the export, with the reply columns the
    /// agency fills in and sends back. Record keys of records this agency does not own are masked. Tasks about sealed
    /// records are not exported (art. 22: kept, not shared).
    public func exportRows(agency: String, today: CivilDate) throws -> [[String]] {
        let seals = SealTable(database: database)
        return try list(Filter(agency: agency, limit: Int.max)).filter {
            try $0.status.isLive && seals.covering(dataset: $0.dataset, key: $0.recordKey) == nil
        }.map { task in
            let dataset = catalog.dataset(task.dataset)
            let owns = dataset?.agency == agency
            let kinds = dataset?.key.map { catalog.element($0)?.personal } ?? []
            let element = catalog.element(task.element)
            // The addressed agency sees its own records in full; another agency's record key stays masked.
            let message = owns ? task.message : task.message.replacingOccurrences(of: task.recordKey, with: Masking.maskKey(task.recordKey, kinds: kinds))
            return [String(task.id), task.ruleName(in: catalog), message, dataset?.name ?? task.dataset,
                    owns ? task.recordKey : Masking.maskKey(task.recordKey, kinds: kinds), element?.name ?? task.element,
                    task.observed ?? "", task.expected ?? "", task.expectedSource ?? "", task.issuedOn, task.dueOn,
                    task.dueProvisional ? "是" : "否", task.status.chineseName, task.isOverdue(today: today) ? "是" : "否",
                    task.reply ?? "", task.replyReason ?? "", task.replyBy ?? "", task.replyAt ?? ""]
        }
    }

    /// Writes `DIR/<agency>/tasks.xlsx` (every cell text: keys and values survive a spreadsheet), `tasks.csv`
    /// (UTF-8 with BOM, CRLF) and `tasks.json`, owner-only (files 0600 in 0700 folders: they hold the agency's
    /// own record keys in full), and records the export in the audit trail; returns the paths.
    public func export(agency: String, to directory: String, today: CivilDate) throws -> [String] {
        guard catalog.agency(agency) != nil else { throw TaskError.unknownAgency(agency, known: catalog.agencies.map(\.code)) }
        let rows = try exportRows(agency: agency, today: today)
        try PrivateFile.makeFolder(directory)
        let folder = try PathComponent.child(directory, agency)
        try PrivateFile.makeFolder(folder)
        let paths = ["tasks.xlsx", "tasks.csv", "tasks.json"].map { (folder as NSString).appendingPathComponent($0) }
        try PrivateFile.write(SpreadsheetFile.xlsx(sheet: "整改任务", rows: [TaskBook.exportHeader] + rows, widths: TaskBook.exportWidths),
                              to: paths[0])
        try PrivateFile.write(CSVFile.bytes([TaskBook.exportHeader] + rows), to: paths[1])
        let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(TaskBook.exportHeader, $0)) }
        let json = try JSONSerialization.data(withJSONObject: ["单位": catalog.agency(agency)?.name ?? agency, "导出日期": today.description,
                                                               "任务": objects], options: [.prettyPrinted, .sortedKeys])
        try PrivateFile.write([UInt8](json), to: paths[2])
        try AuditTrail(database: database).record("tasks_exported", path: paths[0], counts: "agency \(agency), \(rows.count) tasks",
                                                  outcome: "written")
        return paths
    }

    // MARK: - Accountability

    /// Per agency: tasks, open, overdue, corrected awaiting verification, disputes awaiting the bureau's decision
    /// and the longest wait (working days since the reply), accepted exceptions, resolved, resolved on time, and the
    /// median working days from issue to resolution.
    public func accountability(today: CivilDate) throws -> [[String]] {
        var rows: [[String]] = []
        let requests = try RequestTable(database: database).countsBySource(on: today)
        for agency in catalog.agencies {
            let tasks = try list(Filter(agency: agency.code, limit: Int.max))
            let asked = requests[agency.code] ?? (0, 0, 0)
            guard !tasks.isEmpty || asked != (0, 0, 0) else { continue }
            let resolved = tasks.filter { $0.status == .resolved }
            let onTime = resolved.filter { ($0.resolvedOn ?? "") <= $0.dueOn }.count
            let durations = resolved.compactMap { task -> Int? in
                guard let from = CivilDate(iso: task.issuedOn), let to = task.resolvedOn.flatMap(CivilDate.init(iso:)), from <= to else { return nil }
                return calendar.workingDays(from: from, to: to)
            }.sorted()
            let disputes = tasks.filter { $0.status == .disputed }
            let waits = disputes.compactMap { task in
                task.replyAt.flatMap { CivilDate(iso: String($0.prefix(10))) }.map { calendar.workingDays(from: $0, to: today) }
            }
            rows.append([agency.name, String(tasks.count), String(tasks.filter(\.status.awaitsAgency).count),
                         String(tasks.filter { $0.isOverdue(today: today) }.count), String(tasks.filter { $0.status == .corrected }.count),
                         String(disputes.count), waits.max().map(String.init) ?? "—", String(tasks.filter { $0.status == .accepted }.count),
                         String(resolved.count), String(onTime), TaskBook.median(durations),
                         String(asked.open), String(asked.overdue), String(asked.late)])
        }
        return rows
    }

    /// The median of sorted whole numbers, "—" when there are none.
    static func median(_ sorted: [Int]) -> String {
        if sorted.isEmpty { return "—" }
        if sorted.count % 2 == 1 { return String(sorted[sorted.count / 2]) }
        return String(format: "%.1f", Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
    }

    public static let accountabilityHeader = ["单位", "任务", "待整改", "逾期", "已更正待核验", "待裁定异议", "异议最长待裁定(工作日)", "异议成立",
                                              "已核销", "按期核销", "核销中位工作日",
                                              "待办数据申请", "申请逾期", "申请超期办结"]
}

/// Errors of task commands.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    case unknownAgency(String, known: [String])
    case noSuchTask(Int64)
    case notDisputed(Int64, TaskStatus)
    case decisionNeedsReason

    public var description: String {
        switch self {
        case .unknownAgency(let code, let known): return "unknown agency \(code) (agencies: \(known.joined(separator: ", ")))"
        case .noSuchTask(let id): return "no task \(id)"
        case .notDisputed(let id, let status):
            return "task \(id) is \(status.rawValue) (\(status.chineseName)), not disputed: only a dispute is decided"
        case .decisionNeedsReason: return "a decision needs --reason: the agency is told why"
        }
    }
}
