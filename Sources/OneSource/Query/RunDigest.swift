import Foundation

/// A run in one message, for the people who must act on it (`notify`): status and exit code with the reason, per
/// agency the tasks the run raised and reopened, those overdue and newly overdue, and its missing or unreadable
/// deliveries; where the reports are. Counts, agency and dataset names and paths only: never a personal value.
public struct RunDigest: Sendable {
    public struct Agency: Sendable, Equatable {
        public let code: String
        public let name: String
        public let tasks: TaskTable.RunCounts
        /// "《户籍人口信息》未报送", "《社保参保信息》无法读取".
        public let deliveries: [String]
    }

    public let runID: Int64?
    public let pipeline: String
    /// The run's status (`RunStatus`), or `invalid_configuration` for a run refused by the check.
    public let status: String
    public let exitCode: Int
    /// Why the exit code is what it is (the summary's first line).
    public let reason: String
    public let agencies: [Agency]
    /// The city report of the run, when it was written.
    public let reports: String?

    public var newlyOverdue: Int { agencies.reduce(0) { $0 + $1.tasks.newlyOverdue } }

    /// Whether someone must act: the run could not run (1, 2), or found defects with tasks newly overdue (3).
    public var needsAttention: Bool { exitCode == 1 || exitCode == 2 || (exitCode == 3 && newlyOverdue > 0) }

    /// The digest of a run in the store at `storePath`.
    public static func load(_ database: Database, run runID: Int64, storePath: String) throws -> RunDigest {
        let ledger = RunLedger(database: database)
        let run = try ledger.run(runID)
        let summary = try RunSummary.load(database, run: runID, rejectionLimit: 0)
        let pipeline = try? PipelineDefinition.of(run)
        let catalog = pipeline.flatMap { try? Catalog.load(directory: $0.catalogDirectory) }
        let previous = try ledger.recentRuns(limit: 1000).filter { $0.id < runID }.first.map(\.date)
        let counts = try TaskTable(database: database).runCounts(run: runID, day: run.date, since: previous)
        var deliveries: [String: [String]] = [:]
        for delivery in try DeliveryTable(database: database).deliveries(run: runID) where [.missing, .failed].contains(delivery.status) {
            let dataset = catalog?.dataset(delivery.dataset)
            let agency = dataset?.agency ?? "?"
            deliveries[agency, default: []].append("《\(dataset?.name ?? delivery.dataset)》" + (delivery.status == .missing ? "未报送" : "无法读取"))
        }
        let codes = Set(counts.keys).union(deliveries.keys)
        let order = catalog?.agencies.map(\.code) ?? []
        let agencies = codes.sorted { (order.firstIndex(of: $0) ?? Int.max, $0) < (order.firstIndex(of: $1) ?? Int.max, $1) }.map { code in
            Agency(code: code, name: catalog?.agency(code)?.name ?? code, tasks: counts[code] ?? TaskTable.RunCounts(),
                   deliveries: deliveries[code] ?? [])
        }
        let exit: Int
        switch run.status {
        case .done: exit = 0
        case .doneWithDefects: exit = 3
        case .running, .failed, .incomplete: exit = 1
        }
        let reason = summary.exitReason.split(separator: ":", maxSplits: 1).dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? summary.exitReason
        let city = pipeline.map { ($0.reportsFolder(store: storePath) as NSString).appendingPathComponent("run-\(runID)/city.html") }
        return RunDigest(runID: runID, pipeline: run.pipeline, status: run.status.rawValue, exitCode: exit, reason: reason, agencies: agencies,
                         reports: city.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil })
    }

    /// The digest of a run refused before it started: the pipeline check found problems (exit 2).
    public static func refused(pipeline: String, problems: Int) -> RunDigest {
        RunDigest(runID: nil, pipeline: pipeline, status: "invalid_configuration", exitCode: 2,
                  reason: "\(problems) problem(s) in the pipeline, the catalog or the reference data (`onesource check`)", agencies: [], reports: nil)
    }

    static let statusNames = ["done": "正常完成", "done_with_defects": "完成，发现数据问题", "failed": "失败", "incomplete": "未完成",
                              "running": "中断", "invalid_configuration": "配置有误，未运行"]

    /// The message as text (mail, and the robots' text messages).
    public var text: String {
        var out = "OneSource " + (runID.map { "第\($0)次运行" } ?? "运行") + "（\(pipeline)）：\(RunDigest.statusNames[status] ?? status)，退出码 \(exitCode)\n"
        out += "原因：\(reason)\n"
        if !agencies.isEmpty {
            out += "各单位：\n"
            for agency in agencies {
                let t = agency.tasks
                out += "- \(agency.name)：新任务 \(t.created)，重新打开 \(t.reopened)，逾期 \(t.overdue)（新增逾期 \(t.newlyOverdue)）"
                if !agency.deliveries.isEmpty { out += "；报送问题：" + agency.deliveries.joined(separator: "，") }
                out += "\n"
            }
        }
        if let reports { out += "报告：\(reports)\n" }
        return out
    }

    /// The message as OneSource's own JSON object.
    public var json: [String: Any] {
        var object: [String: Any] = [
            "event": "onesource_run", "pipeline": pipeline, "status": status, "exitCode": exitCode, "reason": reason,
            "needsAttention": needsAttention, "text": text,
            "agencies": agencies.map { agency -> [String: Any] in
                ["code": agency.code, "name": agency.name, "newTasks": agency.tasks.created, "reopenedTasks": agency.tasks.reopened,
                 "overdueTasks": agency.tasks.overdue, "newlyOverdueTasks": agency.tasks.newlyOverdue, "deliveryProblems": agency.deliveries]
            },
        ]
        if let runID { object["run"] = runID }
        if let reports { object["reports"] = reports }
        return object
    }
}
