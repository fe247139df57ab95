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
    public struct Task: Sendable, Equatable {
        public let id: Int64
        public let rule: String
        public let agency: String
        public let dataset: String
        public let recordKey: String
        public let element: String
        public let severity: String
        public let status: String
        public let observed: String?
        public let expected: String?
        public let expectedSource: String?
        public let message: String
        public let location: String
        public let issuedOn: String
        public let dueOn: String
        public let resolvedOn: String?
        public let reply: String?
        public let replyReason: String?

        /// Past its due date and not dealt with (open or reopened). A reply of 已更正 awaiting verification, or
        /// a dispute awaiting the bureau, is not the agency's delay.
        public func isOverdue(today: CivilDate) -> Bool {
            (status == "open" || status == "reopened") && dueOn < today.description
        }
    }

    public struct Filter: Sendable {
        public var agency: String?
        public var status: String?
        public var rule: String?
        public var overdueOn: CivilDate?
        public var limit: Int
        public init(agency: String? = nil, status: String? = nil, rule: String? = nil, overdueOn: CivilDate? = nil, limit: Int = 1000) {
            self.agency = agency; self.status = status; self.rule = rule; self.overdueOn = overdueOn; self.limit = limit
        }
    }

    public static let statusNames = ["open": "待整改", "corrected": "已更正待核验", "disputed": "有异议", "resolved": "已核销", "reopened": "重新打开"]

    private static let select = """
        SELECT task_id, rule_id, agency, dataset_id, record_key, element, severity, status, observed, expected, expected_source,
               message, coalesce(path, dataset_id) || CASE WHEN line IS NULL THEN '' ELSE ':' || line END, issued_on, due_on,
               resolved_on, reply, reply_reason
        FROM tasks
        """

    private func task(_ row: [SQLValue]) -> Task {
        Task(id: row[0].integer ?? 0, rule: row[1].text ?? "", agency: row[2].text ?? "", dataset: row[3].text ?? "",
             recordKey: row[4].text ?? "", element: row[5].text ?? "", severity: row[6].text ?? "", status: row[7].text ?? "",
             observed: row[8].text, expected: row[9].text, expectedSource: row[10].text, message: row[11].text ?? "",
             location: row[12].text ?? "", issuedOn: row[13].text ?? "", dueOn: row[14].text ?? "", resolvedOn: row[15].text,
             reply: row[16].text, replyReason: row[17].text)
    }

    public func list(_ filter: Filter) throws -> [Task] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let agency = filter.agency { conditions.append("agency = ?"); arguments.append(.text(agency)) }
        if let status = filter.status { conditions.append("status = ?"); arguments.append(.text(status)) }
        if let rule = filter.rule { conditions.append("rule_id = ?"); arguments.append(.text(rule)) }
        if let day = filter.overdueOn {
            conditions.append("status IN ('open', 'reopened') AND due_on < ?")
            arguments.append(.text(day.description))
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.rows(TaskBook.select + whereClause + " ORDER BY task_id LIMIT ?", arguments + [.int(filter.limit)]).map(task)
    }

    public func task(_ id: Int64) throws -> Task? {
        try database.rows(TaskBook.select + " WHERE task_id = ?", [.integer(id)]).first.map(task)
    }

    /// Every change of status, with its run and time.
    public func history(_ id: Int64) throws -> [(at: String, run: Int64?, from: String?, to: String, note: String?)] {
        try database.rows("SELECT at, run_id, from_status, to_status, note FROM task_events WHERE task_id = ? ORDER BY event_id",
                          [.integer(id)]).map { ($0[0].text ?? "", $0[1].integer, $0[2].text, $0[3].text ?? "", $0[4].text) }
    }

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

    static let exportHeader = ["任务编号", "规则", "问题说明", "数据集", "记录键", "字段", "报送值", "期望值", "权威来源", "下发日期", "截止日期", "状态", "是否逾期"]

    /// The agency's open (not resolved) tasks as rows of the export. Record keys of records this agency does
    /// not own are masked.
    public func exportRows(agency: String, today: CivilDate) throws -> [[String]] {
        try list(Filter(agency: agency, limit: Int.max)).filter { $0.status != "resolved" }.map { task in
            let dataset = catalog.dataset(task.dataset)
            let owns = dataset?.agency == agency
            let kinds = dataset?.key.map { catalog.element($0)?.personal } ?? []
            let element = catalog.element(task.element)
            let ruleName = catalog.ruleBook[task.rule]?.name ?? catalog.associations.first { $0.id == task.rule }?.name ?? task.rule
            // The addressed agency sees its own records in full; another agency's record key stays masked.
            let message = owns ? task.message : task.message.replacingOccurrences(of: task.recordKey, with: Masking.maskKey(task.recordKey, kinds: kinds))
            return [String(task.id), ruleName, message, dataset?.name ?? task.dataset,
                    owns ? task.recordKey : Masking.maskKey(task.recordKey, kinds: kinds), element?.name ?? task.element,
                    task.observed ?? "", task.expected ?? "", task.expectedSource ?? "", task.issuedOn, task.dueOn,
                    TaskBook.statusNames[task.status] ?? task.status, task.isOverdue(today: today) ? "是" : "否"]
        }
    }

    /// Writes `DIR/<agency>/tasks.csv` (UTF-8 with BOM, CRLF) and `tasks.json`; returns the paths.
    public func export(agency: String, to directory: String, today: CivilDate) throws -> [String] {
        guard catalog.agency(agency) != nil else { throw TaskError.unknownAgency(agency, known: catalog.agencies.map(\.code)) }
        let rows = try exportRows(agency: agency, today: today)
        let folder = (directory as NSString).appendingPathComponent(agency)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let csvPath = (folder as NSString).appendingPathComponent("tasks.csv")
        let jsonPath = (folder as NSString).appendingPathComponent("tasks.json")
        try Data(TaskBook.csv([TaskBook.exportHeader] + rows)).write(to: URL(fileURLWithPath: csvPath))
        let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(TaskBook.exportHeader, $0)) }
        let json = try JSONSerialization.data(withJSONObject: ["单位": catalog.agency(agency)?.name ?? agency, "导出日期": today.description,
                                                               "任务": objects], options: [.prettyPrinted, .sortedKeys])
        try json.write(to: URL(fileURLWithPath: jsonPath))
        return [csvPath, jsonPath]
    }

    /// CSV bytes: UTF-8 with a BOM so Excel opens Chinese text correctly, CRLF line ends, RFC 4180 quoting.
    static func csv(_ rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = [0xEF, 0xBB, 0xBF]
        for row in rows {
            let line = row.map { field -> String in
                field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
            out.append(contentsOf: Array(line.utf8) + [0x0D, 0x0A])
        }
        return out
    }

    // MARK: - Accountability

    /// Per agency: open, overdue, corrected awaiting verification, disputed, resolved, resolved on time, and
    /// the median working days from issue to resolution.
    public func accountability(today: CivilDate) throws -> [[String]] {
        var rows: [[String]] = []
        for agency in catalog.agencies {
            let tasks = try list(Filter(agency: agency.code, limit: Int.max))
            guard !tasks.isEmpty else { continue }
            let open = tasks.filter { $0.status == "open" || $0.status == "reopened" }.count
            let overdue = tasks.filter { $0.isOverdue(today: today) }.count
            let resolved = tasks.filter { $0.status == "resolved" }
            let onTime = resolved.filter { ($0.resolvedOn ?? "") <= $0.dueOn }.count
            var durations: [Int] = []
            for task in resolved {
                if let from = CivilDate(iso: task.issuedOn), let to = task.resolvedOn.flatMap(CivilDate.init(iso:)),
                   let days = try? calendar.workingDays(from: from, to: to) { durations.append(days) }
            }
            durations.sort()
            let median: String
            if durations.isEmpty { median = "—" }
            else if durations.count % 2 == 1 { median = String(durations[durations.count / 2]) }
            else { median = String(format: "%.1f", Double(durations[durations.count / 2 - 1] + durations[durations.count / 2]) / 2) }
            rows.append([agency.name, String(tasks.count), String(open), String(overdue),
                         String(tasks.filter { $0.status == "corrected" }.count), String(tasks.filter { $0.status == "disputed" }.count),
                         String(resolved.count), String(onTime), median])
        }
        return rows
    }

    public static let accountabilityHeader = ["单位", "任务", "待整改", "逾期", "已更正待核验", "有异议", "已核销", "按期核销", "核销中位工作日"]
}

/// Errors of task commands.
public enum TaskError: Error, CustomStringConvertible {
    case unknownAgency(String, known: [String])
    case noSuchTask(Int64)

    public var description: String {
        switch self {
        case .unknownAgency(let code, let known): return "unknown agency \(code) (agencies: \(known.joined(separator: ", ")))"
        case .noSuchTask(let id): return "no task \(id)"
        }
    }
}
