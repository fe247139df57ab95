import Foundation
import Testing
@testable import OneSource

/// Sharing and opening by the catalog's rules, the public catalog, and the request ledger on working days
/// (measures art. 8, 11, 14-17, 22, 26).
@Suite struct ShareTests {
    let catalogFolder = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path

    /// A store with the nightly run on SampleData.
    func sampleStore() throws -> String {
        let store = try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path
        #expect(try runBinary(["run", "Pipelines/nightly.json", "--store", store, "--as-of", "2026-12-01"]).status == 3)
        return store
    }

    func ledger(_ store: String) throws -> RequestLedger {
        RequestLedger(database: try Store.open(path: store), catalog: try Catalog.load(directory: catalogFolder),
                      calendar: try WorkingDayCalendar.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path))
    }

    func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    func csv(_ path: String) throws -> [[String]] {
        var text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        return text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test func onlyAnOpenableGradeOpensUnconditionallyAndReviewsAreWatched() throws {
        let folder = try Paths.temporaryDirectory().appendingPathComponent("catalog")
        try FileManager.default.copyItem(atPath: catalogFolder, toPath: folder.path)
        let url = folder.appendingPathComponent("datasets/gongan_household.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        object["open"] = ["type": "unconditional"]
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let check = try runBinary(["catalog", "check", "--catalog", folder.path])
        #expect(check.status == 2)
        #expect(check.stdout == "datasets/gongan_household.json: $.open.type: grade L3 (三级（较敏感，脱敏后有条件共享）) may not be opened "
                + "unconditionally (grades.json: openable false): open type must be conditional or none (measures art. 16)\n"
                + "1 problem(s) in catalog \(folder.path)\n")
        // The shipped catalog: the closed and conditionally open datasets are due for evaluation on 2027-06-30.
        let before = try runBinary(["catalog", "check", "--as-of", "2027-06-30"])
        #expect(before.status == 0 && !before.stdout.contains("warning"))
        let after = try runBinary(["catalog", "check", "--as-of", "2027-07-01"])
        #expect(after.status == 0)
        #expect(after.stdout.split(separator: "\n").filter { $0.hasPrefix("warning: ") }.map { String($0.split(separator: ":")[1]) }
                == [" datasets/gongan_household.json", " datasets/minzheng_deaths.json", " datasets/renshe_insured.json", " datasets/shichang_entities.json"])
        // A closed dataset without a review date is warned of.
        object["open"] = ["type": "none", "reason": "个人信息", "basis": "《个人信息保护法》"]
        object["reviewOn"] = nil
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let missing = try Catalog.load(directory: folder.path).reviewWarnings(today: day("2026-12-01"))
        #expect(missing.map(\.description) == ["datasets/gongan_household.json: $.reviewOn: gongan_household is closed and has no review date: "
                                               + "add the date of its next periodic evaluation (measures art. 17)"])
    }

    @Test func theCatalogExportOpensInExcelAndListsTheYearsOpenList() throws {
        let store = try sampleStore()
        let out = try Paths.temporaryDirectory()
        let csvPath = out.appendingPathComponent("catalog.csv").path
        #expect(try runBinary(["catalog", "export", "--store", store, "--out", csvPath]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: csvPath))
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let rows = try csv(csvPath)
        #expect(rows.first == CatalogExport.header)
        #expect(rows.count == 9)
        let gongan = try #require(rows.first { $0.first == "gongan_household" })
        #expect(gongan[1] == "户籍人口信息" && gongan[2] == "泰州市公安局" && gongan[5] == "有条件" && gongan[8] == "不予")
        #expect(gongan[3].hasPrefix("公民身份号码、姓名、性别"))
        #expect(gongan[11] == "每日" && gongan[12] == "2026-12-01" && gongan[13] == "2027-06-30")
        let list = out.appendingPathComponent("open-2026.csv").path
        #expect(try runBinary(["catalog", "export", "--open-list", "2026", "--out", list]).status == 0)
        #expect(try csv(list).dropFirst().map { $0[0] } == ["shenpi_licences", "xinyong_penalties"])
        let json = try runBinary(["catalog", "export", "--format", "json", "--open-list", "2025"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["title"] as? String == "泰州市公共数据开放重点清单（2025年）")
        #expect((object["datasets"] as? [Any])?.isEmpty == true)
        let html = try runBinary(["catalog", "export", "--format", "html"]).stdout
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<th>开放依据</th>") && html.contains("<td>户籍人口信息</td>"))
    }

    @Test func anApprovedConditionalRequestLetsOutExactlyTheGrantedElements() throws {
        let store = try sampleStore()
        let out = try Paths.temporaryDirectory().appendingPathComponent("out").path
        // No request: refused with the catalog's reason and basis.
        var result = try runBinary(["share", "export", "renshe_insured", "--to", "minzheng", "--out", out, "--store", store])
        #expect(result.status == 2)
        #expect(errorMessage(result.stderr)?.hasPrefix("refused: renshe_insured is shared on conditions: 含个人参保及待遇信息，按需审批共享") == true)
        // Filed, not yet approved: refused.
        let add = try runBinary(["requests", "add", "share", "--from", "minzheng", "--to", "renshe", "--dataset", "renshe_insured",
                                 "--elements", "person.id_number,person.name,insurance.status,person.phone", "--purpose", "核查死亡人员待遇停发",
                                 "--on", "2026-12-01", "--store", store])
        #expect(add.status == 0)
        #expect(add.stdout.hasPrefix("共享申请 1 · 待答复 · 待审核，截止2026-12-04\n"))
        result = try runBinary(["share", "export", "renshe_insured", "--to", "minzheng", "--request", "1", "--out", out, "--store", store])
        #expect(result.status == 2)
        #expect(errorMessage(result.stderr) == "refused: request 1 is a share that is pending (待答复): only an approved share request lets data out")
        // Approved for two of the four elements: exactly those leave, with the record key, in full.
        #expect(try runBinary(["requests", "answer", "1", "--agree", "--elements", "person.id_number,insurance.status", "--on", "2026-12-03",
                               "--store", store]).status == 0)
        result = try runBinary(["share", "export", "renshe_insured", "--to", "minzheng", "--request", "1", "--out", out, "--store", store])
        #expect(result.status == 0)
        let path = String(try #require(result.stdout.split(separator: ":").first))
        let rows = try csv(path)
        #expect(rows.first == ["公民身份号码", "参保状态"])
        #expect(rows.count - 1 == 701)
        #expect(rows.dropFirst().allSatisfy { $0[0].count == 18 && !$0[0].contains("*") })
        // Another agency cannot use it.
        result = try runBinary(["share", "export", "renshe_insured", "--to", "shenpi", "--request", "1", "--out", out, "--store", store])
        #expect(errorMessage(result.stderr) == "refused: request 1 was made by minzheng, not shenpi")
        // Files owner-only; the extract is in the audit trail with the file's hash.
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(stat(out, &info) == 0 && info.st_mode & 0o777 == 0o700)
        let database = try Store.openForReading(path: store)
        let audit = try database.rows("SELECT action, dataset_id, path, sha256, counts FROM audit WHERE action = 'share_exported'")
        #expect(audit.count == 1)
        #expect(audit.first?[3].text == SHA256.hex(of: Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
        #expect(audit.first?[4].text == "701 records for minzheng, request 1; elements: person.id_number, insurance.status")
        let actions = try database.rows("SELECT action, outcome FROM audit WHERE action LIKE 'request_%' ORDER BY audit_id").map { "\($0[0].text!) \($0[1].text!)" }
        #expect(actions == ["request_filed pending", "request_answered approved"])
    }

    @Test func unconditionalSharingMasksPersonalDataAndOpeningLeavesItOut() throws {
        let store = try sampleStore()
        let out = try Paths.temporaryDirectory().appendingPathComponent("out").path
        let shared = try runBinary(["share", "export", "shenpi_licences", "--to", "minzheng", "--out", out, "--store", store])
        #expect(shared.status == 0)
        #expect(shared.stdout.contains("377 record(s)") && shared.stdout.contains("; masked: licence.holder_legal_rep;"))
        let rows = try csv(String(try #require(shared.stdout.split(separator: ":").first)))
        let column = try #require(rows.first?.firstIndex(of: "相对人法定代表人"))
        #expect(rows.dropFirst().allSatisfy { $0[column].isEmpty || $0[column].hasSuffix("*") })
        let opened = try runBinary(["share", "export", "licences", "--open", "--out", out, "--store", store])
        #expect(opened.status == 0)
        let open = try csv(String(try #require(opened.stdout.split(separator: ":").first)))
        #expect(!(open.first ?? []).contains("相对人法定代表人"))
        #expect(open.first?.count == 12)
        // Not opened, not shared: refused with the reason and basis.
        let closed = try runBinary(["share", "export", "persons", "--open", "--out", out, "--store", store])
        #expect(closed.status == 2)
        #expect(errorMessage(closed.stderr) == "refused: persons is not opened: 个人敏感信息，不向社会开放 (legal basis: 《中华人民共和国个人信息保护法》第二十八条、"
                + "《泰州市公共数据管理办法》第十六条)")
        // Sealed data never leaves: a sealed key is left out, a sealed dataset refused.
        let key = try #require(try csv(String(shared.stdout.split(separator: ":")[0])).dropFirst().first?.first)
        #expect(try runBinary(["seal", "--key", key, "--reason", "本人申请", "--basis", "《个人信息保护法》第四十七条", "--store", store]).status == 0)
        let again = try runBinary(["share", "export", "shenpi_licences", "--to", "minzheng", "--out", out, "--store", store])
        #expect(again.stdout.contains("376 record(s)") && again.stdout.contains("; 1 sealed record(s) left out;"))
        #expect(try runBinary(["seal", "shenpi_licences", "--reason", "整改", "--basis", "第二十二条", "--store", store]).status == 0)
        let sealed = try runBinary(["share", "export", "shenpi_licences", "--to", "minzheng", "--out", out, "--store", store])
        #expect(errorMessage(sealed.stderr) == "refused: shenpi_licences is sealed: sealed data never leaves the store (measures art. 22)")
        // Unknown names are usage errors with the closest.
        let typo = try runBinary(["share", "export", "shenpi_licence", "--to", "minzheng", "--out", out, "--store", store])
        #expect(typo.status == 64)
        #expect(errorMessage(typo.stderr) == "no dataset or base shenpi_licence (did you mean shenpi_licences?)")
    }

    @Test func aDemandIsAnsweredAndDeliveredOnWorkingDaysAndRefusedOnlyWithABasis() throws {
        let store = try sampleStore()
        let ledger = try ledger(store)
        // Filed on Friday 2026-12-18: 5 working days → Friday 12-25.
        let demand = try ledger.file(.demand, from: "minzheng", to: "gongan", dataset: nil, elements: ["户籍迁出去向"], purpose: "殡葬补贴核查",
                                     on: day("2026-12-18"))
        #expect(demand.answerDue == "2026-12-25")
        #expect(demand.state(on: day("2026-12-25")).overdue == false)
        #expect(demand.state(on: day("2026-12-28")).overdue == true)
        #expect(try RequestTable(database: ledger.database).countsBySource(on: day("2026-12-28"))["gongan"].map { [$0.open, $0.overdue, $0.late] } == [1, 1, 0])
        // A refusal without a legal basis is refused as input.
        #expect(throws: RequestError.self) { try ledger.answer(demand.id, agree: false, reason: "不掌握", on: day("2026-12-29")) }
        // Agreed late (12-29): delivery due 5 working days later, over New Year's Day (a statutory holiday) → 2027-01-06.
        let agreed = try ledger.answer(demand.id, agree: true, on: day("2026-12-29"))
        #expect(agreed.status == .agreed && agreed.deliverDue == "2027-01-06")
        #expect(agreed.state(on: day("2027-01-05")).late == true)
        let delivered = try ledger.deliver(demand.id, on: day("2027-01-06"))
        #expect(delivered.status == .delivered)
        #expect(delivered.state(on: day("2027-01-07")) == (false, true, "已办结（超期办理）"))
        // Refused with a basis: it stands.
        let other = try ledger.file(.demand, from: "renshe", to: "minzheng", dataset: nil, elements: ["火化记录"], purpose: "待遇核查", on: day("2026-12-01"))
        let refused = try ledger.answer(other.id, agree: false, reason: "非本单位职责", basis: "《殡葬管理条例》第十条", on: day("2026-12-02"))
        #expect(refused.status == .refused && refused.refusalBasis == "《殡葬管理条例》第十条")
        // The accountability summary counts them per source agency.
        let summary = try runBinary(["tasks", "summary", "--store", store, "--today", "2027-01-07"])
        let gongan = try #require(summary.stdout.split(separator: "\n").first { $0.hasPrefix("泰州市公安局") })
        #expect(gongan.split(separator: " ").suffix(3) == ["0", "0", "1"])
    }

    @Test func aShareRefusalWithoutABasisOrALateReviewGoesToTheBureau() throws {
        let store = try sampleStore()
        let ledger = try ledger(store)
        let first = try ledger.file(.share, from: "minzheng", to: "gongan", dataset: "gongan_household", elements: ["person.id_number", "person.name"],
                                    purpose: "死亡登记核验", on: day("2026-12-01"))
        #expect(first.answerDue == "2026-12-04")
        let escalated = try ledger.answer(first.id, agree: false, reason: "数据敏感", on: day("2026-12-02"))
        #expect(escalated.status == .escalated)
        let decided = try ledger.decide(first.id, approve: true, granted: ["person.id_number"], reason: "法定职责所需", on: day("2026-12-07"))
        #expect(decided.status == .approved && decided.granted == ["person.id_number"])
        // Not reviewed by its due date: the bureau may decide; before it, not.
        let second = try ledger.file(.share, from: "renshe", to: "gongan", dataset: "gongan_household", elements: [], purpose: "参保核验",
                                     on: day("2026-12-01"))
        #expect(second.elements.count == 8)
        #expect(throws: RequestError.self) { try ledger.decide(second.id, approve: false, reason: "x", on: day("2026-12-04")) }
        let late = try ledger.decide(second.id, approve: false, reason: "申请用途不明确", on: day("2026-12-07"))
        #expect(late.status == .refused && late.decidedOn == "2026-12-07")
        // Unconditional and closed datasets take no share request.
        #expect(throws: RequestError.self) {
            try ledger.file(.share, from: "minzheng", to: "shenpi", dataset: "shenpi_licences", elements: [], purpose: "x", on: day("2026-12-01"))
        }
    }
}
