import Foundation

/// The request ledger as CSV (UTF-8 with BOM) for the data bureau.
public enum RequestExport {
    public static func write(_ requests: [RequestTable.Request], catalog: Catalog, today: CivilDate, to path: String) throws {
        let name = { (code: String) in catalog.agency(code)?.name ?? code }
        var rows = [["编号", "类型", "申请单位", "提供单位", "数据集", "申请数据项", "用途", "状态", "提出日期", "答复期限", "答复日期", "批准数据项",
                     "不予提供理由", "法律依据", "提供期限", "提供日期", "裁定日期", "裁定理由", "办理情况", "逾期"]]
        for request in requests {
            let state = request.state(on: today)
            rows.append([String(request.id), request.kind.chineseName, name(request.requester), name(request.source), request.dataset ?? "",
                         request.elements.joined(separator: "、"), request.purpose, request.status.chineseName, request.filedOn,
                         request.answerDue + (request.answerDueProvisional ? "（暂定）" : ""), request.answeredOn ?? "",
                         request.granted?.joined(separator: "、") ?? "", request.refusalReason ?? "", request.refusalBasis ?? "", request.deliverDue ?? "",
                         request.deliveredOn ?? "", request.decidedOn ?? "", request.decisionReason ?? "", state.note, state.overdue ? "是" : "否"])
        }
        try PrivateFile.write(CSVFile.bytes(rows), to: path)
    }
}
