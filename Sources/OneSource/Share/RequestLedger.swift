import Foundation

/// The request ledger's rules (measures art. 11, 15, 26), on the working-day calendar:
///
/// - a data demand (art. 11): an agency asks for data not yet collected; the source agency answers within 5 working
///   days; if it agrees it delivers within 5 working days of its answer; a refusal needs a reason and a legal basis
///   (without one the answer is refused as input);
/// - a share request (art. 15) for a conditionally shared dataset: the source agency reviews within 3 working days and
///   grants some or all of the elements asked for; a refusal without a legal basis, or a review not done in time, goes
///   to the data bureau, which decides;
/// - due dates count working days on the calendar (provisional where the year's notice is not yet out); a request
///   past its due date is overdue, and an answer or delivery after it was late; both count against the source agency.
///
/// Every change is recorded in the audit trail.
public struct RequestLedger {
    public let database: Database
    public let catalog: Catalog
    public let calendar: WorkingDayCalendar

    public static let answerWorkingDays: [RequestTable.Kind: Int] = [.demand: 5, .share: 3]
    public static let deliverWorkingDays = 5

    public init(database: Database, catalog: Catalog, calendar: WorkingDayCalendar) {
        self.database = database
        self.catalog = catalog
        self.calendar = calendar
    }

    var table: RequestTable { RequestTable(database: database) }

    private func audit(_ action: String, _ request: Int64, dataset: String?, _ counts: String, outcome: String) throws {
        try AuditTrail(database: database).record(action, dataset: dataset, counts: "request \(request): \(counts)", outcome: outcome)
    }

    /// Files a demand or share request on `day`; returns it.
    public func file(_ kind: RequestTable.Kind, from requester: String, to source: String, dataset: String?, elements: [String],
                     purpose: String, on day: CivilDate) throws -> RequestTable.Request {
        for code in [requester, source] where catalog.agency(code) == nil {
            throw RequestError.invalid("unknown agency \(code)" + Similarity.hint(for: code, among: catalog.agencies.map(\.code)))
        }
        guard requester != source else { throw RequestError.invalid("an agency does not request data from itself") }
        guard !purpose.trimmingCharacters(in: .whitespaces).isEmpty else { throw RequestError.invalid("a request states its purpose (--purpose)") }
        var asked = elements
        if kind == .share {
            guard let id = dataset, let target = catalog.dataset(id) else {
                throw RequestError.invalid("a share request names a dataset of the catalog (--dataset)")
            }
            guard target.agency == source else {
                throw RequestError.invalid("\(id) is \(catalog.agency(target.agency)?.name ?? target.agency)'s, not \(source)'s")
            }
            switch target.share.type {
            case .unconditional:
                throw RequestError.invalid("\(id) is shared unconditionally: no request is needed (measures art. 14); use `onesource share export`")
            case .none:
                throw RequestError.invalid("\(id) is not shared: \(target.share.reason ?? "") (\(target.share.basis ?? ""))")
            case .conditional: break
            }
            let own = target.fields.map(\.element)
            if asked.isEmpty { asked = own }
            for element in asked where !own.contains(element) {
                throw RequestError.invalid("\(id) has no element \(element)" + Similarity.hint(for: element, among: own))
            }
        } else {
            guard !asked.isEmpty else { throw RequestError.invalid("a data demand lists the data it needs (--elements)") }
        }
        let due = calendar.deadline(workingDays: RequestLedger.answerWorkingDays[kind] ?? 5, after: day)
        let id = try table.insert(kind: kind, requester: requester, source: source, dataset: dataset, elements: asked, purpose: purpose,
                                  filedOn: day.description, answerDue: due.date.description, provisional: due.provisional)
        try audit("request_filed", id, dataset: dataset, "\(kind.rawValue) from \(requester) to \(source), answer due \(due.date)", outcome: "pending")
        return try table.request(id)!
    }

    private func pending(_ id: Int64) throws -> RequestTable.Request {
        guard let request = try table.request(id) else { throw RequestError.invalid("no request \(id)") }
        return request
    }

    /// The source agency's answer on `day`: agree (a share request may grant part of the elements) or refuse with a
    /// reason and, for a demand, a legal basis.
    @discardableResult
    public func answer(_ id: Int64, agree: Bool, granted: [String]? = nil, reason: String? = nil, basis: String? = nil,
                       on day: CivilDate) throws -> RequestTable.Request {
        let request = try pending(id)
        guard request.status == .pending else {
            throw RequestError.invalid("request \(id) is \(request.status.rawValue) (\(request.status.chineseName)): only a pending request is answered")
        }
        guard day.description >= request.filedOn else { throw RequestError.invalid("request \(id) was filed on \(request.filedOn), after \(day)") }
        let reason = reason?.trimmingCharacters(in: .whitespaces).nilIfEmpty, basis = basis?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if agree {
            switch request.kind {
            case .demand:
                let due = calendar.deadline(workingDays: RequestLedger.deliverWorkingDays, after: day)
                try table.answer(id, status: .agreed, on: day.description, refusalReason: nil, refusalBasis: nil, granted: nil,
                                 deliverDue: due.date.description, deliverDueProvisional: due.provisional)
                try audit("request_answered", id, dataset: request.dataset, "agreed, delivery due \(due.date)", outcome: "agreed")
            case .share:
                let grant = granted ?? request.elements
                for element in grant where !request.elements.contains(element) {
                    throw RequestError.invalid("request \(id) did not ask for \(element) (asked: \(request.elements.joined(separator: ", ")))")
                }
                guard !grant.isEmpty else { throw RequestError.invalid("an approval grants at least one element") }
                try table.answer(id, status: .approved, on: day.description, refusalReason: nil, refusalBasis: nil, granted: grant,
                                 deliverDue: nil, deliverDueProvisional: false)
                try audit("request_answered", id, dataset: request.dataset, "approved: \(grant.joined(separator: ", "))", outcome: "approved")
            }
        } else {
            guard let reason else { throw RequestError.invalid("a refusal states its reason (--reason)") }
            switch request.kind {
            case .demand:
                guard let basis else {
                    throw RequestError.invalid("a data demand is refused only with a legal basis (--basis; measures art. 11)")
                }
                try table.answer(id, status: .refused, on: day.description, refusalReason: reason, refusalBasis: basis, granted: nil,
                                 deliverDue: nil, deliverDueProvisional: false)
                try audit("request_answered", id, dataset: request.dataset, "refused", outcome: "refused")
            case .share:
                // Without a legal basis the refusal does not stand on its own: the data bureau decides (art. 15).
                let status: RequestTable.Status = basis == nil ? .escalated : .refused
                try table.answer(id, status: status, on: day.description, refusalReason: reason, refusalBasis: basis, granted: nil,
                                 deliverDue: nil, deliverDueProvisional: false)
                try audit("request_answered", id, dataset: request.dataset, basis == nil ? "refused without a legal basis: to the data bureau" : "refused",
                          outcome: status.rawValue)
            }
        }
        return try table.request(id)!
    }

    /// The source agency delivered an agreed demand on `day`.
    @discardableResult
    public func deliver(_ id: Int64, on day: CivilDate) throws -> RequestTable.Request {
        let request = try pending(id)
        guard request.kind == .demand, request.status == .agreed else {
            throw RequestError.invalid("request \(id) is a \(request.kind.rawValue) that is \(request.status.rawValue): only an agreed demand is delivered")
        }
        try table.delivered(id, on: day.description)
        try audit("request_delivered", id, dataset: request.dataset, "delivered on \(day)" + ((request.deliverDue ?? "") < day.description ? " (late)" : ""),
                  outcome: "delivered")
        return try table.request(id)!
    }

    /// The data bureau's decision on a share request refused without a legal basis, or not reviewed in time.
    @discardableResult
    public func decide(_ id: Int64, approve: Bool, granted: [String]? = nil, reason: String, on day: CivilDate) throws -> RequestTable.Request {
        let request = try pending(id)
        guard request.kind == .share else { throw RequestError.invalid("request \(id) is a data demand: the bureau decides share requests") }
        let overdue = request.status == .pending && request.answerDue < day.description
        guard request.status == .escalated || overdue else {
            throw RequestError.invalid("request \(id) is \(request.status.rawValue) (\(request.status.chineseName)): the bureau decides a request "
                                       + "refused without a legal basis or not reviewed by \(request.answerDue)")
        }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw RequestError.invalid("a decision states its reason (--reason)") }
        let grant = approve ? (granted ?? request.elements) : nil
        for element in grant ?? [] where !request.elements.contains(element) {
            throw RequestError.invalid("request \(id) did not ask for \(element)")
        }
        try table.decide(id, status: approve ? .approved : .refused, on: day.description, reason: reason, granted: grant)
        try audit("request_decided", id, dataset: request.dataset, approve ? "approved by the data bureau" : "refused by the data bureau",
                  outcome: approve ? "approved" : "refused")
        return try table.request(id)!
    }
}

/// A request the ledger does not take, and why.
public enum RequestError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String { if case .invalid(let message) = self { return message }; return "" }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
