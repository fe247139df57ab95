import Foundation
import OneSource

enum RequestsCommand: Command {
    static let name = "requests"
    static let summary = "The request ledger: data demands (art. 11) and share requests (art. 15), on working days."
    static let overview = """
        The request ledger. A data demand (art. 11): the source agency answers within 5 working days and, if it
        agrees, delivers within 5 working days of its answer; a refusal needs a reason and a legal basis. A share
        request (art. 15) for a conditionally shared dataset: the source agency reviews within 3 working days and
        grants some or all elements; a refusal without a legal basis, or a review not done in time, goes to the
        data bureau (requests decide). Due dates are on the working-day calendar; every change is audited.
        """
    static let usage = [
        "requests add demand|share --from <agency> --to <agency> [--dataset <id>] --elements <a,b> --purpose <text> [--on <date>]",
        "requests answer <id> --agree [--elements <a,b>] | --refuse --reason <text> [--basis <text>] [--on <date>]",
        "requests deliver <id> [--on <date>]",
        "requests decide <id> --approve [--elements <a,b>] | --refuse --reason <text> [--on <date>]",
        "requests list [--agency <code>] [--overdue] [--today <date>]",
        "requests show <id>",
        "requests export --out <file.csv>",
    ]
    static let subcommands = [
        (name: "add", help: "File a data demand (data not yet collected; elements are what is needed, in words) or a share\nrequest (a conditionally shared dataset; elements are its element ids, default all)."),
        (name: "answer", help: "The source agency's answer: --agree (a share request may grant part: --elements) or --refuse."),
        (name: "deliver", help: "The source agency delivered an agreed demand."),
        (name: "decide", help: "The data bureau decides a share request refused without a legal basis or not reviewed in time."),
        (name: "list", help: "Requests with their status and what is due by when; --overdue: only those past due."),
        (name: "show", help: "One request in full."),
        (name: "export", help: "The ledger as CSV (UTF-8 with BOM) for the bureau."),
    ]
    static let options: [Option] = [
        .value("--from", "<agency>", "add: the requesting agency."),
        .value("--to", "<agency>", "add: the source agency."),
        .value("--dataset", "<id>", "add: the dataset (required for a share request)."),
        .value("--elements", "<a,b>", "add, answer, decide: elements, comma-separated."),
        .value("--purpose", "<text>", "add: what the data is for."),
        .flag("--agree", "answer: agree (a demand) or approve (a share request)."),
        .flag("--approve", "decide: approve."),
        .flag("--refuse", "answer, decide: refuse."),
        .value("--reason", "<text>", "answer, decide: why."),
        .value("--basis", "<text>", "answer: the legal basis of a refusal."),
        .value("--on", "<date>", "add, answer, deliver, decide: the day it happened (default today in Beijing)."),
        .value("--agency", "<code>", "list: only requests to or from this agency."),
        .flag("--overdue", "list: only requests past their due date."),
        .value("--today", "<date>", "list, show: judge overdue as on this day (default today in Beijing)."),
        .value("--out", "<file>", "export: the CSV file."),
        .store, .catalog, .calendar,
    ]
    static let discussion = "Changes take the store's writer lock (refused with exit 75 while a run writes). An invalid request or answer exits 64."

    static func elements(_ arguments: Arguments) -> [String]? {
        arguments.value("--elements").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    static func run(_ arguments: Arguments) throws -> ExitCode {
        guard let sub = arguments.positionals.first else { throw UsageError("requests needs a subcommand: add, answer, deliver, decide, list, show, export") }
        let known = ["add", "answer", "deliver", "decide", "list", "show", "export"]
        guard known.contains(sub) else {
            throw UsageError("unknown requests subcommand \(sub)" + Similarity.hint(for: sub, among: known))
        }
        let writes = ["add", "answer", "deliver", "decide"].contains(sub)
        let lock = writes ? try writerLock(arguments, "onesource requests \(arguments.positionals.joined(separator: " "))") : nil
        defer { withExtendedLifetime(lock) {} }
        let database = writes ? try openStore(arguments) : try openStoreForReading(arguments)
        let defaults = try StoreDefaults(arguments, database: database)
        let catalog = try Catalog.load(directory: defaults.catalog)
        let ledger = RequestLedger(database: database, catalog: catalog, calendar: try WorkingDayCalendar.load(directory: defaults.calendar))
        let day = try arguments.date("--on") ?? CivilDate.of(Date())
        let today = try arguments.date("--today") ?? CivilDate.of(Date())
        func id() throws -> Int64 {
            guard arguments.positionals.count == 2, let id = Int64(arguments.positionals[1]) else { throw UsageError("requests \(sub) takes a request id") }
            return id
        }
        do {
            switch sub {
            case "add":
                guard arguments.positionals.count == 2, let kind = RequestTable.Kind(rawValue: arguments.positionals[1]) else {
                    throw UsageError("requests add takes demand or share")
                }
                guard let from = arguments.value("--from"), let to = arguments.value("--to"), let purpose = arguments.value("--purpose") else {
                    throw UsageError("requests add needs --from, --to and --purpose")
                }
                let request = try ledger.file(kind, from: from, to: to, dataset: arguments.value("--dataset"), elements: elements(arguments) ?? [],
                                              purpose: purpose, on: day)
                print(describe(request, catalog: catalog, today: day))
            case "answer":
                guard arguments.has("--agree") != arguments.has("--refuse") else { throw UsageError("requests answer needs --agree or --refuse") }
                let request = try ledger.answer(try id(), agree: arguments.has("--agree"), granted: elements(arguments), reason: arguments.value("--reason"),
                                                basis: arguments.value("--basis"), on: day)
                print(describe(request, catalog: catalog, today: day))
            case "deliver":
                print(describe(try ledger.deliver(try id(), on: day), catalog: catalog, today: day))
            case "decide":
                guard arguments.has("--approve") != arguments.has("--refuse") else { throw UsageError("requests decide needs --approve or --refuse") }
                guard let reason = arguments.value("--reason") else { throw UsageError("requests decide needs --reason") }
                let request = try ledger.decide(try id(), approve: arguments.has("--approve"), granted: elements(arguments), reason: reason, on: day)
                print(describe(request, catalog: catalog, today: day))
            case "list":
                try requireKnown(arguments.value("--agency"), "agency", among: catalog.agencies.map(\.code))
                var rows: [[String]] = []
                for request in try RequestTable(database: database).all(agency: arguments.value("--agency")) {
                    let state = request.state(on: today)
                    if arguments.has("--overdue") && !state.overdue { continue }
                    rows.append([String(request.id), request.kind.chineseName, request.requester, request.source, request.dataset ?? "—",
                                 request.status.chineseName, state.note + (state.overdue ? "（逾期）" : "")])
                }
                print(TextTable.render(header: ["编号", "类型", "申请单位", "提供单位", "数据集", "状态", "办理情况"], rows: rows, rightAligned: [0]),
                      terminator: "")
                print("\(rows.count) request(s)")
            case "show":
                guard let request = try RequestTable(database: database).request(try id()) else { printError("no request \(try id())"); return .failure }
                print(describe(request, catalog: catalog, today: today, full: true))
            default:
                guard let out = arguments.value("--out") else { throw UsageError("requests export needs --out FILE") }
                try RequestExport.write(try RequestTable(database: database).all(), catalog: catalog, today: today, to: out)
                print(out)
            }
        } catch let error as RequestError {
            throw UsageError(error.description)
        }
        return .success
    }

    static func describe(_ request: RequestTable.Request, catalog: Catalog, today: CivilDate, full: Bool = false) -> String {
        let name = { (code: String) in catalog.agency(code)?.name ?? code }
        let element = { (id: String) in catalog.element(id)?.name ?? id }
        let state = request.state(on: today)
        var out = "\(request.kind.chineseName) \(request.id) · \(request.status.chineseName) · \(state.note)"
        out += "\n  \(name(request.requester)) → \(name(request.source))" + (request.dataset.map { "《\(catalog.dataset($0)?.name ?? $0)》" } ?? "")
        out += "\n  申请：\(request.elements.map(element).joined(separator: "、"))；用途：\(request.purpose)；提出 \(request.filedOn)，答复期限 \(request.answerDue)"
            + (request.answerDueProvisional ? "（暂定）" : "")
        if let answered = request.answeredOn { out += "\n  答复 \(answered)" + (answered > request.answerDue ? "（超期）" : "") }
        if let granted = request.granted { out += "；批准数据项：\(granted.map(element).joined(separator: "、"))" }
        if let reason = request.refusalReason { out += "；理由：\(reason)；依据：\(request.refusalBasis ?? "未提供法律依据，提交数据主管部门裁定")" }
        if let due = request.deliverDue { out += "\n  提供期限 \(due)" + (request.deliverDueProvisional ? "（暂定）" : "") }
        if let delivered = request.deliveredOn { out += "，已于 \(delivered) 提供" + (delivered > (request.deliverDue ?? delivered) ? "（超期）" : "") }
        if let decided = request.decidedOn { out += "\n  数据主管部门 \(decided) 裁定：\(request.decisionReason ?? "")" }
        return out
    }
}
