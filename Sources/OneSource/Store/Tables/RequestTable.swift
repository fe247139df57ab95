import Foundation

/// The request ledger (`requests`): data demands (measures art. 11) and share requests (art. 15) between agencies.
/// The rules of the ledger (deadlines, who may answer what) are `RequestLedger`'s; this owns the rows.
public struct RequestTable {
    let database: Database

    public init(database: Database) { self.database = database }

    public enum Kind: String, Sendable, CaseIterable {
        /// Data not yet collected that an agency needs (art. 11).
        case demand
        /// Data in the catalog, shared conditionally (art. 15).
        case share

        public var chineseName: String { self == .demand ? "数据需求" : "共享申请" }
    }

    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for the source agency's answer (demand) or review (share).
        case pending
        /// Demand agreed; the source agency must deliver.
        case agreed
        case delivered
        case approved
        case refused
        /// Share request refused without a legal basis: the data bureau decides.
        case escalated

        public var chineseName: String {
            switch self {
            case .pending: return "待答复"
            case .agreed: return "已同意待提供"
            case .delivered: return "已提供"
            case .approved: return "已批准"
            case .refused: return "不予提供"
            case .escalated: return "提交数据主管部门裁定"
            }
        }
    }

    public struct Request: Sendable, Equatable {
        public let id: Int64
        public let kind: Kind
        public let requester: String
        public let source: String
        public let dataset: String?
        public let elements: [String]
        public let purpose: String
        public let status: Status
        public let filedOn: String
        public let answerDue: String
        public let answerDueProvisional: Bool
        public let answeredOn: String?
        public let refusalReason: String?
        public let refusalBasis: String?
        public let granted: [String]?
        public let deliverDue: String?
        public let deliverDueProvisional: Bool
        public let deliveredOn: String?
        public let decidedOn: String?
        public let decisionReason: String?
    }

    static func list(_ text: String?) -> [String]? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String]
    }

    static func text(_ list: [String]) -> String {
        (try? JSONSerialization.data(withJSONObject: list, options: [.withoutEscapingSlashes])).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    private static let columns = """
        request_id, kind, requester, source, dataset_id, elements, purpose, status, filed_on, answer_due, answer_due_provisional,
        answered_on, refusal_reason, refusal_basis, granted, deliver_due, deliver_due_provisional, delivered_on, decided_on, decision_reason
        """

    private static func request(_ row: Statement) -> Request {
        Request(id: row.int64("request_id"), kind: Kind(rawValue: row.text("kind") ?? "") ?? .demand, requester: row.text("requester") ?? "",
                source: row.text("source") ?? "", dataset: row.text("dataset_id"), elements: list(row.text("elements")) ?? [],
                purpose: row.text("purpose") ?? "", status: Status(rawValue: row.text("status") ?? "") ?? .pending,
                filedOn: row.text("filed_on") ?? "", answerDue: row.text("answer_due") ?? "", answerDueProvisional: row.int("answer_due_provisional") != 0,
                answeredOn: row.text("answered_on"), refusalReason: row.text("refusal_reason"), refusalBasis: row.text("refusal_basis"),
                granted: list(row.text("granted")), deliverDue: row.text("deliver_due"), deliverDueProvisional: row.int("deliver_due_provisional") != 0,
                deliveredOn: row.text("delivered_on"), decidedOn: row.text("decided_on"), decisionReason: row.text("decision_reason"))
    }

    /// Per source agency: requests still open, overdue now, and done late, as on `day` (measures art. 26).
    public func countsBySource(on day: CivilDate) throws -> [String: (open: Int, overdue: Int, late: Int)] {
        var counts: [String: (open: Int, overdue: Int, late: Int)] = [:]
        for request in try all() {
            let state = request.state(on: day)
            var entry = counts[request.source] ?? (0, 0, 0)
            if [.pending, .agreed, .escalated].contains(request.status) { entry.open += 1 }
            if state.overdue { entry.overdue += 1 }
            if state.late { entry.late += 1 }
            counts[request.source] = entry
        }
        return counts
    }

    public func insert(kind: Kind, requester: String, source: String, dataset: String?, elements: [String], purpose: String,
                       filedOn: String, answerDue: String, provisional: Bool) throws -> Int64 {
        try database.run("""
            INSERT INTO requests (kind, requester, source, dataset_id, elements, purpose, status, filed_on, answer_due, answer_due_provisional)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
            """, [.text(kind.rawValue), .text(requester), .text(source), .optional(dataset), .text(RequestTable.text(elements)), .text(purpose),
                  .text(filedOn), .text(answerDue), .int(provisional ? 1 : 0)])
        return database.lastInsertRowID
    }

    public func request(_ id: Int64) throws -> Request? {
        try database.map("SELECT \(RequestTable.columns) FROM requests WHERE request_id = ?", [.integer(id)], RequestTable.request).first
    }

    /// Requests, by id; of one agency (as requester or source) when given.
    public func all(agency: String? = nil) throws -> [Request] {
        try database.map("SELECT \(RequestTable.columns) FROM requests\(agency == nil ? "" : " WHERE requester = ?1 OR source = ?1") ORDER BY request_id",
                         agency.map { [SQLValue.text($0)] } ?? [], RequestTable.request)
    }

    /// Records the source agency's answer: the new status, and what goes with it.
    public func answer(_ id: Int64, status: Status, on day: String, refusalReason: String?, refusalBasis: String?, granted: [String]?,
                       deliverDue: String?, deliverDueProvisional: Bool) throws {
        try database.run("""
            UPDATE requests SET status = ?, answered_on = ?, refusal_reason = ?, refusal_basis = ?, granted = ?, deliver_due = ?,
                                deliver_due_provisional = ? WHERE request_id = ?
            """, [.text(status.rawValue), .text(day), .optional(refusalReason), .optional(refusalBasis), .optional(granted.map(RequestTable.text)),
                  .optional(deliverDue), .int(deliverDueProvisional ? 1 : 0), .integer(id)])
    }

    public func delivered(_ id: Int64, on day: String) throws {
        try database.run("UPDATE requests SET status = 'delivered', delivered_on = ? WHERE request_id = ?", [.text(day), .integer(id)])
    }

    /// The data bureau's decision on an escalated or overdue share request.
    public func decide(_ id: Int64, status: Status, on day: String, reason: String, granted: [String]?) throws {
        try database.run("UPDATE requests SET status = ?, decided_on = ?, decision_reason = ?, granted = coalesce(?, granted) WHERE request_id = ?",
                         [.text(status.rawValue), .text(day), .text(reason), .optional(granted.map(RequestTable.text)), .integer(id)])
    }
}

extension RequestTable.Request {
    /// Where a request stands on `day`: overdue now (an answer or delivery past its due date), late (answered or
    /// delivered after it), and what is awaited of whom, in Chinese.
    public func state(on day: CivilDate) -> (overdue: Bool, late: Bool, note: String) {
        let today = day.description
        switch status {
        case .pending:
            let overdue = answerDue < today
            let note = overdue ? (kind == .share ? "审核逾期，提交数据主管部门裁定" : "答复逾期") : "待\(kind == .share ? "审核" : "答复")，截止\(answerDue)"
            return (overdue, false, note)
        case .agreed:
            let overdue = (deliverDue ?? "") < today
            return (overdue, (answeredOn ?? "") > answerDue, overdue ? "提供逾期（截止\(deliverDue ?? "")）" : "待提供，截止\(deliverDue ?? "")")
        case .escalated:
            return (false, (answeredOn ?? "") > answerDue, "不予共享未提供法律依据，待数据主管部门裁定")
        default:
            let late = (answeredOn ?? "") > answerDue || (deliveredOn.map { $0 > (deliverDue ?? $0) } ?? false)
            return (false, late, late ? "已办结（超期办理）" : "已办结")
        }
    }
}
