import Foundation

/// Imports agencies' replies to their tasks from a CSV or JSON file: task id, reply (已更正 / 有异议), reason,
/// who, when. Column names may be Chinese (任务编号, 答复, 理由, 答复人, 答复时间) or English (task_id, reply,
/// reason, who, when). Bad rows are reported with their line and do not stop the good ones.
public struct ReplyImport {
    public struct Outcome: Sendable, Equatable {
        public var applied: [Int64] = []
        public var rejected: [Rejection] = []
    }

    static let chinese = ["任务编号", "答复", "理由", "答复人", "答复时间"]
    static let english = ["task_id", "reply", "reason", "who", "when"]

    private final class Collector: RecordSink {
        var rows: [(line: Int, index: Int, values: [String?])] = []
        var rejections: [Rejection] = []
        func accept(_ record: RecordFields) throws { rows.append((record.line, record.index, record.strings)) }
        func reject(_ rejection: Rejection) throws { rejections.append(rejection) }
    }

    let database: Database

    public init(database: Database) { self.database = database }

    /// Reads and applies `path`.
    /// - Throws: `IngestError` when the file as a whole cannot be read (no recognizable header, say).
    public func run(path: String) throws -> Outcome {
        let collector = Collector()
        if path.lowercased().hasSuffix(".json") || path.lowercased().hasSuffix(".ndjson") {
            let layout: JSONReader.Layout = path.lowercased().hasSuffix(".ndjson") ? .lines : .array
            _ = try JSONReader(input: try FileInput(path: path), path: path, keys: ReplyImport.chinese + ReplyImport.english,
                               layout: layout).read(into: collector)
            collector.rows = collector.rows.map { row in
                (row.line, row.index, (0..<5).map { row.values[$0] ?? row.values[$0 + 5] })
            }
        } else {
            do {
                _ = try CSVReader(input: try FileInput(path: path), path: path, columns: ReplyImport.chinese).read(into: collector)
            } catch IngestError.missingColumns {
                _ = try CSVReader(input: try FileInput(path: path), path: path, columns: ReplyImport.english).read(into: collector)
            }
        }
        var outcome = Outcome(applied: [], rejected: collector.rejections)
        let now = Clock.now()
        try database.transaction {
            for row in collector.rows {
                func reject(_ field: String?, _ reason: String) {
                    outcome.rejected.append(Rejection(line: row.line, recordIndex: row.index, field: field, reason: reason))
                }
                let values = row.values.map { $0.map(TextNormalizer.trim) }
                guard let idText = values[0], let id = Int64(idText) else { reject("任务编号", "任务编号应为整数"); continue }
                guard let status = try database.queryScalarText("SELECT status FROM tasks WHERE task_id = ?", [.integer(id)]) else {
                    reject("任务编号", "任务\(id)不存在"); continue
                }
                let reply: String
                switch values[1] ?? "" {
                case "已更正", "corrected": reply = "corrected"
                case "有异议", "disputed": reply = "disputed"
                default: reject("答复", "答复应为“已更正”或“有异议”，实为“\(values[1] ?? "")”"); continue
                }
                if reply == "disputed" && (values[2] ?? "").isEmpty { reject("理由", "答复“有异议”须说明理由"); continue }
                guard let who = values[3], !who.isEmpty else { reject("答复人", "须填写答复人"); continue }
                guard let when = values[4].flatMap({ DateStandard.standardize($0, allowed: Set(DateStandard.Form.allCases), keepTime: true).value }) else {
                    reject("答复时间", "答复时间“\(values[4] ?? "")”不是有效的日期或时间"); continue
                }
                if status == "resolved" { reject("任务编号", "任务\(id)已核销，无需答复"); continue }
                try database.run("UPDATE tasks SET status = ?, reply = ?, reply_reason = ?, reply_by = ?, reply_at = ? WHERE task_id = ?",
                                 [.text(reply), .text(reply == "corrected" ? "已更正" : "有异议"), .optional(values[2]), .text(who),
                                  .text(when), .integer(id)])
                try database.run("INSERT INTO task_events (task_id, run_id, at, from_status, to_status, note) VALUES (?, NULL, ?, ?, ?, ?)",
                                 [.integer(id), .text(now), .text(status), .text(reply),
                                  .text("\(who)于\(when)答复：\(reply == "corrected" ? "已更正" : "有异议")\((values[2] ?? "").isEmpty ? "" : "（\(values[2] ?? "")）")")])
                outcome.applied.append(id)
            }
        }
        return outcome
    }
}
