import Foundation
import Testing
@testable import OneSource

/// Association rules on data nobody planned for: quarantined records are not absent ones, the run's date is a
/// parameter, and a data engineer writes a rule as SQL.
@Suite struct AssociationRulesTests {
    func store() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
    }

    func findings(_ database: Database, _ run: Int64, rules: [String]) throws -> [String] {
        try database.rows("""
            SELECT f.path || ':' || g.line || ' ' || g.rule_id FROM findings g JOIN run_files f USING (file_id)
            WHERE g.run_id = ? AND g.rule_id IN (\(rules.map { "'\($0)'" }.joined(separator: ", "))) ORDER BY f.path, g.line, g.rule_id
            """, [.integer(run)]).compactMap { $0[0].text }
    }

    static let licenceRules = ["licence_holder_inactive", "licence_holder_unregistered", "licence_holder_name_mismatch",
                               "licence_before_establishment", "penalty_subject_unregistered", "penalty_subject_name_mismatch"]

    @Test func aQuarantinedCompanyIsNotAnAbsentOne() throws {
        let city = try SampleCity()
        let database = try store()
        let clean = try city.run(database)
        let before = try findings(database, clean, rules: AssociationRulesTests.licenceRules)
        // 市场监管局 delivers two companies without a name: 华丰 (注销, licences on lines 7 and 308) and a company in
        // business with two licences. Both are quarantined (a required name is missing): they still exist.
        let city2 = try SampleCity()
        try city2.edit("data/市场监管局/市场主体.xml") {
            $0.replacingOccurrences(of: "<名称>泰州市姜堰区华丰商贸有限公司</名称>", with: "<名称></名称>")
        }
        let inBusiness = "91321202MA1Q20JR5R"
        let name = try #require(try database.queryScalarText("SELECT \"entity.name\" FROM base_legal_entities WHERE record_key = ?", [.text(inBusiness)]))
        try city2.edit("data/市场监管局/市场主体.xml") { $0.replacingOccurrences(of: "<名称>\(name)</名称>", with: "<名称></名称>") }
        let database2 = try store()
        let run = try city2.run(database2)
        #expect(try database2.rows("SELECT record_key FROM quarantine WHERE run_id = ? AND dataset_id = 'shichang_entities' ORDER BY record_key",
                                   [.integer(run)]).compactMap { $0[0].text }.filter { $0 == inBusiness || $0 == "91321204MAT0E8HG7H" }
                == [inBusiness, "91321204MAT0E8HG7H"])
        // Every association finding is as on the clean night: no licence "of a holder not in the base", and the
        // licences of the deregistered company still flagged, its status read from its quarantined record.
        #expect(try findings(database2, run, rules: AssociationRulesTests.licenceRules) == before)
        #expect(try findings(database2, run, rules: ["licence_holder_inactive"]).contains("行政审批局/行政许可.csv:7 licence_holder_inactive"))
        // The names could not be compared (the company came without one): said, not guessed.
        let associate = try #require(try RunLedger(database: database2).stages(of: run).first { $0.stage == "associate" }?.message)
        // (their four licences and one penalty)
        #expect(associate.hasSuffix("; 5 records not checked (what they refer to was quarantined without the value a rule needs)"))
    }

    @Test func aDeathBeforeTheRunsDateCountsWithoutAPaymentMonth() throws {
        // The shipped catalog's SQL rule insured_after_death: anyone 正常参保 whose death was registered before the
        // run's date, with or without a payment month.
        let city = try SampleCity()
        let database = try store()
        // Someone whose death is registered and who is not insured yet is added to 人社局's export as 正常参保,
        // without a month.
        let clean = try city.run(database)
        let person = try #require(try database.rows("""
            SELECT d.record_key, d."person.name", d."death.date" FROM std_minzheng_deaths d WHERE d.run_id = ? AND d.has_error = 0
              AND d.record_key NOT IN (SELECT record_key FROM std_renshe_insured WHERE run_id = ?) ORDER BY d.line LIMIT 1
            """, [.integer(clean), .integer(clean)]).first)
        let id = try #require(person[0].text), name = try #require(person[1].text)
        let died = try #require(person[2].text.flatMap(CivilDate.init(iso:)))
        let digits = Array(id)
        let birth = "\(String(digits[6..<10]))年\(Int(String(digits[10..<12]))!)月\(Int(String(digits[12..<14]))!)日"
        let gender = Int(String(digits[16]))! % 2 == 1 ? "男" : "女"
        let insured = city.data.appendingPathComponent("人社局/社保参保.csv")
        var bytes = try Data(contentsOf: insured)
        bytes += try Data(TranscodingInput.encode(to: "GB18030", "\(id),\(name),\(gender),\(birth),正常参保,城镇职工基本养老保险,,13912345678\r\n"))
        try bytes.write(to: insured)
        let before = try city.run(database, asOf: died.adding(days: -1))
        #expect(try findings(database, before, rules: ["insured_after_death"]).isEmpty)   // not yet dead on that day
        let after = try city.run(database, asOf: died.adding(days: 1))
        #expect(try findings(database, after, rules: ["insured_after_death"]) == ["人社局/社保参保.csv:705 insured_after_death"])
        #expect(try database.rows("SELECT observed, expected, element, message FROM findings WHERE run_id = ? AND rule_id = 'insured_after_death'",
                                  [.integer(after)])
                == [[.text("正常参保"), .text(died.description), .text("insurance.status"), .text("参保状态为“正常参保”，但民政局已登记死亡（死亡日期\(died)，早于本次运行日期）")]])
    }
}

/// Rules a data engineer writes as SQL: checked before a run, run on a connection that can only read.
@Suite struct SQLRuleTests {
    func catalog(withRule sql: String, element: String = "") throws -> (Catalog, URL) {
        let directory = try Paths.temporaryDirectory()
        try FileManager.default.removeItem(at: directory)
        try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/catalog"), to: directory)
        let rule = """
            {"id": "my_rule", "name": "测试规则", "dimension": "accuracy", "severity": "warning", "kind": "sql", "message": "{observed}",
             "params": {"dataset": "gongan_household"\(element)}, "sql": \(String(decoding: try JSONSerialization.data(withJSONObject: sql, options: .fragmentsAllowed), as: UTF8.self))},
            """
        let file = directory.appendingPathComponent("associations.json")
        try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(of: "\"rules\": [\n", with: "\"rules\": [\n" + rule + "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        return (try Catalog.load(directory: directory.path), directory)
    }

    func problem(_ sql: String) throws -> String? {
        SQLRule.problems(in: try catalog(withRule: sql).0).first.map(\.description)
    }

    @Test func catalogCheckRefusesARuleThatDoesNotCompileWritesOrLacksAColumn() throws {
        let good = #"SELECT staging_rowid AS source_row, record_key, "person.name" AS observed FROM std_gongan_household WHERE run_id = :run"#
        #expect(try problem(good) == nil)
        #expect(try problem("SELECT nonsense FROM nowhere")
                == "associations.json: $.rules[0].sql: rule my_rule: the rule's SQL does not compile: no such table: nowhere")
        #expect(try problem(#"SELECT record_key, "person.name" AS observed FROM std_gongan_household"#)
                == "associations.json: $.rules[0].sql: rule my_rule: the rule's SELECT lacks the column(s) source_row (required: record_key, observed, source_row; optional: expected, reason, element)")
        #expect(try problem("DELETE FROM audit")
                == "associations.json: $.rules[0].sql: rule my_rule: the rule's SQL must be one SELECT (or WITH … SELECT), not DELETE")
        #expect(try problem("WITH x AS (SELECT 1) DELETE FROM audit")?.contains("may only read") == true)
        #expect(try problem("SELECT * FROM pragma_table_info('audit')")?.contains("may only read") == true)
        #expect(try problem(good + " AND line > :limit")
                == "associations.json: $.rules[0].sql: rule my_rule: the rule's SQL uses the parameter :limit: only :run and :as_of are bound")
    }

    @Test func aSQLRuleFindsItsRowsWithFileAndLineAndCannotWrite() throws {
        let city = try SampleCity()
        let sql = #"""
            SELECT s.staging_rowid AS source_row, s.record_key, s."person.name" AS observed, :as_of AS expected
            FROM std_gongan_household s WHERE s.run_id = :run AND s.has_error = 0 AND s."person.name" LIKE '余%' AND s."person.birth_date" < '1960-01-01'
            """#
        let (_, directory) = try catalog(withRule: sql, element: #", "element": "person.name""#)
        try FileManager.default.removeItem(at: city.catalog)
        try FileManager.default.copyItem(at: directory, to: city.catalog)
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let run = try city.run(database, asOf: CivilDate(iso: "2026-12-01")!)
        let rows = try database.rows("""
            SELECT f.path, g.line, g.element, g.expected FROM findings g JOIN run_files f USING (file_id) WHERE g.run_id = ? AND g.rule_id = 'my_rule'
            ORDER BY g.line
            """, [.integer(run)])
        let expected = try database.rows("""
            SELECT line FROM std_gongan_household WHERE run_id = ? AND has_error = 0 AND "person.name" LIKE '余%' AND "person.birth_date" < '1960-01-01'
            ORDER BY line
            """, [.integer(run)])
        #expect(!rows.isEmpty)
        #expect(rows.map { $0[1] } == expected.map { $0[0] })
        #expect(rows.allSatisfy { $0[0] == .text("公安局/户籍人口.csv") && $0[2] == .text("person.name") && $0[3] == .text("2026-12-01") })
        // A connection that may only read refuses to write even what the authorizer would let through.
        let reader = try Database(path: database.path, mode: .readOnly)
        reader.allowOnlyReading()
        #expect(throws: SQLiteError.self) { try reader.execute("DELETE FROM audit") }
        #expect(throws: SQLiteError.self) { try reader.execute("ATTACH DATABASE ':memory:' AS other") }
        #expect(throws: SQLiteError.self) { try reader.execute("PRAGMA journal_mode=DELETE") }
        #expect(try reader.queryScalarInt("SELECT count(*) FROM findings WHERE rule_id = 'my_rule'") == Int64(rows.count))
    }

    @Test func theREADMEsWorkedExamplesPassTheCheck() throws {
        let readme = try String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```json\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(blocks.count == 2)
        for block in blocks {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(block.utf8)) as? [String: Any])
            let sql = try #require(object["sql"] as? String)
            let params = try #require(object["params"] as? [String: String])
            let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
            let rule = AssociationRule(id: "example", name: "例", dimension: .accuracy, severity: .warning, kind: "sql", message: "{observed}",
                                       params: params, sql: sql)
            let database = try Database(path: ":memory:")
            try Schema.migrate(database)
            for dataset in catalog.datasets { try StandardizedTable(dataset: dataset).ensure(in: database) }
            for base in catalog.bases { try BaseTable(base: base, catalog: catalog).ensure(in: database) }
            database.allowOnlyReading()
            _ = try SQLRule.query(for: rule, dataset: try #require(catalog.dataset(params["dataset"] ?? "")), on: database)
        }
    }
}
