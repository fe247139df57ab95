import Foundation

/// Imports agencies' replies to their tasks: the task export sent back (CSV as any spreadsheet saves it, or
/// JSON) with 答复 (已更正 / 有异议), 理由, 答复人, 答复时间 filled in. Column names may be Chinese (任务编号, 答复,
/// 理由, 答复人, 答复时间) or English (task_id, reply, reason, who, when); other columns are ignored.
///
/// The encoding is detected (a byte-order mark, valid UTF-8, else GB18030 as Chinese Excel saves "CSV (逗号分隔)"),
/// and so is the delimiter (comma, or tab as "Unicode text" saves). A row with no reply is a task not yet
/// answered, not an error; a reply already recorded is left as it is, so importing the same file twice changes
/// nothing. Bad rows are reported with their line and do not stop the good ones. Every import is audited.
public struct ReplyImport {
    public struct Outcome: Sendable, Equatable {
        /// Tasks whose reply was recorded now.
        public var applied: [Int64] = []
        /// Tasks whose reply in the file was already recorded.
        public var unchanged: [Int64] = []
        /// Rows with no reply yet.
        public var blank = 0
        public var rejected: [Rejection] = []
        /// The encoding the file was read in.
        public var encoding = "UTF-8"
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

    /// Reads `path` and applies its replies in one transaction, then records the import in the audit trail.
    /// - Throws: `IngestError` when the file as a whole cannot be read (no recognizable header, say).
    public func run(path: String) throws -> Outcome {
        let guess = try EncodingSniffer.detect(path: path)
        func input() throws -> ByteSource {
            let file = try FileInput(path: path)
            return try guess.iconvName.map { try TranscodingInput(file, from: $0) } ?? file
        }
        var collector = Collector()
        let lower = path.lowercased()
        if lower.hasSuffix(".json") || lower.hasSuffix(".ndjson") {
            _ = try JSONReader(input: try input(), path: path, keys: ReplyImport.chinese + ReplyImport.english,
                               layout: lower.hasSuffix(".ndjson") ? .lines : .array, transcoded: guess != .utf8).read(into: collector)
            collector.rows = collector.rows.map { row in (row.line, row.index, (0..<5).map { row.values[$0] ?? row.values[$0 + 5] }) }
        } else {
            var lastError: Error?
            attempts: for delimiter in [UInt8(ascii: ","), UInt8(ascii: "\t")] {
                for columns in [ReplyImport.chinese, ReplyImport.english] {
                    let attempt = Collector()
                    do {
                        _ = try CSVReader(input: try input(), path: path, columns: columns, delimiter: delimiter,
                                          transcoded: guess != .utf8).read(into: attempt)
                        collector = attempt
                        lastError = nil
                        break attempts
                    } catch let error as IngestError {
                        guard case .missingColumns = error else { throw error }
                        if lastError == nil { lastError = error }
                    }
                }
            }
            if let lastError { throw lastError }
        }
        var outcome = Outcome(rejected: collector.rejections)
        outcome.encoding = guess.iconvName ?? "UTF-8"
        let now = Clock.now()
        try database.transaction {
            let events = try TaskTable.EventWriter(database: database)
            for row in collector.rows {
                func reject(_ field: String?, _ reason: String) {
                    outcome.rejected.append(Rejection(line: row.line, recordIndex: row.index, field: field, reason: reason))
                }
                let values = row.values.map { $0.map(ReplyImport.cell) }
                guard let idText = values[0], let id = Int64(idText) else { reject("任务编号", "任务编号应为整数，实为“\(values[0] ?? "")”"); continue }
                let replyText = values[1] ?? ""
                if replyText.isEmpty { outcome.blank += 1; continue }
                guard let task = try TaskTable(database: database).task(id) else { reject("任务编号", "任务\(id)不存在"); continue }
                let reply: TaskStatus
                switch replyText {
                case "已更正", "corrected": reply = .corrected
                case "有异议", "disputed": reply = .disputed
                default: reject("答复", "答复应为“已更正”或“有异议”，实为“\(replyText)”"); continue
                }
                let reason = values[2] ?? ""
                if reply == .disputed && reason.isEmpty { reject("理由", "答复“有异议”须说明理由"); continue }
                guard let who = values[3], !who.isEmpty else { reject("答复人", "须填写答复人"); continue }
                guard let when = values[4].flatMap(ReplyImport.time) else {
                    reject("答复时间", "答复时间“\(values[4] ?? "")”不是有效的日期或时间"); continue
                }
                let chineseReply = reply == .corrected ? "已更正" : "有异议"
                if task.reply == chineseReply && (task.replyReason ?? "") == reason && task.replyBy == who && task.replyAt == when {
                    outcome.unchanged.append(id)
                    continue
                }
                switch task.status {
                case .resolved: reject("任务编号", "任务\(id)已核销，无需答复"); continue
                case .accepted: reject("任务编号", "任务\(id)的异议已裁定成立，无需答复"); continue
                case .open, .reopened, .corrected, .disputed: break
                }
                try TaskTable(database: database).recordReply(id, status: reply, reply: chineseReply, reason: reason.isEmpty ? nil : reason,
                                                              by: who, at: when)
                try events.write(task: id, run: nil, at: now, from: task.status, to: reply,
                                 note: "\(who)于\(when)答复：\(chineseReply)\(reason.isEmpty ? "" : "（\(reason)）")")
                outcome.applied.append(id)
            }
        }
        let file = try? FileInput(path: path)
        try AuditTrail(database: database).record(
            "replies_imported", path: path, size: file?.size, sha256: try file?.sha256(),
            counts: "applied \(outcome.applied.count), unchanged \(outcome.unchanged.count), no reply \(outcome.blank), rejected \(outcome.rejected.count)",
            outcome: outcome.rejected.isEmpty ? "done" : "done_with_rejections")
        return outcome
    }

    /// A cell as typed: trimmed, and without the apostrophe the export puts before a value a spreadsheet would
    /// otherwise take for a formula.
    static func cell(_ raw: String) -> String {
        let value = TextNormalizer.trim(raw)
        if value.hasPrefix("'"), let next = value.dropFirst().first, "=+-@\t\r".contains(next) { return String(value.dropFirst()) }
        return value
    }

    /// A reply time as the city's local time `yyyy-MM-dd HH:mm:ss`: any date or date-time form, or ISO 8601 with
    /// an offset (`2026-11-30T15:00:00+08:00`, `…Z`), which is converted to Beijing time.
    static func time(_ text: String) -> String? {
        if text.count > 19, text.contains("T") {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            var instant = formatter.date(from: text)
            if instant == nil {
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                instant = formatter.date(from: text)
            }
            if let instant {
                let local = DateFormatter()
                local.locale = Locale(identifier: "en_US_POSIX")
                local.timeZone = CivilDate.cityTimeZone
                local.dateFormat = "yyyy-MM-dd HH:mm:ss"
                return local.string(from: instant)
            }
        }
        return DateStandard.standardize(text, allowed: Set(DateStandard.Form.allCases), keepTime: true).value
    }
}
