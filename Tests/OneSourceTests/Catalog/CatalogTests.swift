import Foundation
import Testing
@testable import OneSource

@Suite struct CatalogTests {
    @Test func theShippedCatalogIsClean() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        #expect(catalog.agencies.count == 7)
        #expect(catalog.datasets.map(\.id) == ["gongan_household", "minzheng_deaths", "renshe_insured", "shenpi_licences",
                                               "shichang_entities", "xinyong_penalties", "ziran_addresses", "ziran_divisions"])
        #expect(catalog.element("person.id_number")?.authority == "gongan")
        #expect(catalog.codeTable("ethnicity")?.codes.count == 58)
        #expect(catalog.dataset("renshe_insured")?.encoding == "gb18030")
        #expect(catalog.dataset("gongan_household")?.share == Dataset.Disclosure(
            type: .conditional, reason: "含公民身份号码、住址等个人敏感信息，仅向经审批的部门共享",
            basis: "《中华人民共和国个人信息保护法》第二十八条、《泰州市公共数据管理办法》第十四条"))
    }

    func write(_ files: [String: String]) throws -> String {
        let dir = try Paths.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("datasets"), withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return dir.path
    }

    @Test func reportsEveryProblemWithFileAndPath() throws {
        let directory = try write([
            "agencies.json": #"{"agencies": [{"code": "a", "name": "甲局"}, {"code": "b", "name": "乙局"}, {"code": "a", "name": "重复"}]}"#,
            "grades.json": #"{"grades": [{"code": "L1", "name": "一级", "openable": true}]}"#,
            "codetables.json": #"{"codeTables": [{"id": "g", "name": "性别", "codes": [{"code": "1", "meaning": "男"}, {"code": "1", "meaning": "女"}]}]}"#,
            "elements.json": """
                {"elements": [
                  {"id": "p.id", "name": "号码", "standard": "identity_number", "authority": "a", "grade": "L1"},
                  {"id": "p.name", "name": "姓名", "standard": "person_name", "grade": "L1"},
                  {"id": "p.sex", "name": "性别", "standard": "code", "codeTable": "g", "authority": ["a", "b"], "grade": "L1"},
                  {"id": "p.id", "name": "重复", "standard": "nonsense", "authority": "zz", "grade": "L9"}
                ]}
                """,
            "datasets/d1.json": """
                {"id": "d1", "name": "一", "agency": "a", "entity": "person", "file": "x.csv", "format": "csv",
                 "fields": [{"source": "号码", "element": "p.id"}, {"source": "号码", "element": "p.name"},
                            {"source": "别", "element": "p.unknown"}],
                 "share": {"type": "conditional"}, "open": {"type": "none", "reason": "敏感"},
                 "grade": "L1", "frequency": "daily", "fileds": []}
                """,
            "datasets/d2.json": """
                {"id": "D-2", "name": "二", "agency": "q", "entity": "robot", "file": "y.xml", "format": "xml", "key": ["p.sex"],
                 "fields": [{"source": "a", "element": "p.id"}], "share": {"type": "unconditional"},
                 "open": {"type": "unconditional"}, "grade": "L1", "frequency": "daily"}
                """,
        ])
        let (_, allProblems) = CatalogLoader(directory: directory).load()
        // The rule book, bases and associations have tests of their own.
        let problems = allProblems.filter {
            !["rules.json", "bases.json", "associations.json"].contains($0.file) && !$0.message.hasPrefix("no base in bases.json")
        }
        #expect(problems.map(\.description) == [
            "agencies.json: $.agencies[2].code: duplicate agency code \"a\" (first declared at agencies.json $.agencies[0])",
            "codetables.json: $.codeTables[0].codes[1].code: duplicate code \"1\" in table g",
            "datasets/d1.json: $: dataset has no record key (\"key\")",
            "datasets/d1.json: $.fields[1].source: column \"号码\" is mapped twice (also fields[0])",
            "datasets/d1.json: $.fields[2].element: unknown element \"p.unknown\"",
            "datasets/d1.json: $.fileds: unknown property (allowed: agency, dateForms, delimiter, encoding, entity, fields, file, format, frequency, grade, id, key, missingKey, multilineFields, name, open, openList, recordCountDrop, recordPath, reviewOn, rules, share)",
            "datasets/d1.json: $.open.basis: open type none needs a legal basis (measures art. 14)",
            "datasets/d1.json: $.share.basis: share type conditional needs a legal basis (measures art. 14)",
            "datasets/d1.json: $.share.reason: share type conditional needs a reason (measures art. 14)",
            "datasets/d2.json: $: an XML dataset needs \"recordPath\", the record element",
            "datasets/d2.json: $.agency: unknown agency \"q\"",
            "datasets/d2.json: $.entity: unknown value \"robot\" (allowed: person, legal_entity, licence, credit, geography)",
            "datasets/d2.json: $.id: dataset id must be lower-case letters, digits and _ (it names a table)",
            "datasets/d2.json: $.key[0]: record key \"p.sex\": element not mapped by this dataset's fields",
            "elements.json: $.elements[1]: element has no authoritative agency (\"authority\"): one number, one source",
            "elements.json: $.elements[2].authority: element names 2 authoritative agencies; exactly one may be the source",
            "elements.json: $.elements[3].authority: unknown agency \"zz\"",
            "elements.json: $.elements[3].grade: unknown grade \"L9\" (did you mean \"L1\"?)",
            "elements.json: $.elements[3].id: duplicate element id \"p.id\" (first declared at elements.json $.elements[0])",
            "elements.json: $.elements[3].standard: unknown standard \"nonsense\" (known: address, code, credit_code, date, datetime, division_code, document_number, identity_number, integer, licence_id, money, person_name, phone, text)",
        ])
        #expect(throws: CatalogError.self) { try Catalog.load(directory: directory) }
    }

    @Test func reportsInvalidJSONAndMissingFiles() throws {
        let directory = try write(["agencies.json": "{\"agencies\": [", "grades.json": "[]"])
        let (_, problems) = CatalogLoader(directory: directory).load()
        #expect(problems.map { "\($0.file) \($0.path)" } == [
            "agencies.json $", "associations.json $", "bases.json $", "codetables.json $", "elements.json $", "grades.json $",
            "rules.json $",
        ])
        #expect(problems[3].message.hasPrefix("file not found"))
        #expect(problems[5].message == "must be a JSON object")
    }

    @Test func checksTheRuleBook() throws {
        let shipped = Paths.packageRoot.appendingPathComponent("Pipelines/catalog")
        let directory = try Paths.temporaryDirectory()
        for name in ["agencies.json", "grades.json", "codetables.json", "elements.json"] {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("datasets"), withIntermediateDirectories: true)
        var rules = try String(contentsOf: shipped.appendingPathComponent("rules.json"), encoding: .utf8)
        rules = rules.replacingOccurrences(of: #""id": "unique_key""#, with: #""id": "unique_keys""#)
            .replacingOccurrences(of: #""gender": "person.gender""#, with: #""gender": "person.sex""#)
            .replacingOccurrences(of: #""severity": "notice""#, with: #""severity": "minor""#)
            .replacingOccurrences(of: "\"licence\": [\n      \"expiry_not_before_issue\"", with: "\"licence\": [\n      \"required\"")
        try rules.write(to: directory.appendingPathComponent("rules.json"), atomically: true, encoding: .utf8)
        let (_, problems) = CatalogLoader(directory: directory.path).load()
        #expect(problems.filter { $0.file == "rules.json" }.map(\.description) == [
            "rules.json: $.entityRules.licence[0]: \"required\" is not a cross-field rule",
            "rules.json: $.rules: rule \"key_missing_in_authority\" is not declared",
            "rules.json: $.rules: rule \"multiline_record\" is not declared",
            "rules.json: $.rules: rule \"nonstandard_form\" is not declared",
            "rules.json: $.rules: rule \"region_matches_identity\" is not declared",
            "rules.json: $.rules: rule \"unique_key\" is not declared",
            "rules.json: $.rules[10].params.gender: unknown element \"person.sex\"",
            "rules.json: $.rules[11].severity: unknown value \"minor\" (allowed: notice, warning, error)",
            "rules.json: $.rules[14].severity: unknown value \"minor\" (allowed: notice, warning, error)",
            "rules.json: $.rules[21].severity: unknown value \"minor\" (allowed: notice, warning, error)",
            "rules.json: $.rules[3].severity: unknown value \"minor\" (allowed: notice, warning, error)",
            "rules.json: $.rules[7].id: unknown rule \"unique_keys\" (rules: required, conforms, in_code_table, nonstandard_form, legacy_identity_number, identity_address_unknown, retired_division_code, unique_key, not_in_future, birth_date_matches_identity, gender_matches_identity, region_matches_identity, expiry_not_before_issue, matches_authority, authority_outvoted, key_missing_in_authority, row_rejected, multiline_record, delivery_unreadable, delivery_overdue, record_count_drop, quality_slip)",
        ])
    }

    @Test func aCatalogMadeBeforeTheEarlyWarningRuleLoadsWithItsShippedDeclaration() throws {
        let shipped = Paths.packageRoot.appendingPathComponent("Pipelines/catalog")
        let directory = try Paths.temporaryDirectory().appendingPathComponent("catalog")
        try FileManager.default.copyItem(at: shipped, to: directory)
        let url = directory.appendingPathComponent("rules.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let rules = try #require(object["rules"] as? [[String: Any]])
        object["rules"] = rules.filter { $0["id"] as? String != "quality_slip" }
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        let catalog = try Catalog.load(directory: directory.path)
        #expect(catalog.ruleBook["quality_slip"] == RuleBook.defaultDefinitions["quality_slip"])
        #expect(catalog.ruleBook["quality_slip"]?.severity == .warning)
    }

    @Test func refusesUnsafeIdentifiersAndPatternsThatLeaveTheDataRoot() throws {
        let shipped = Paths.packageRoot.appendingPathComponent("Pipelines/catalog")
        let directory = try Paths.temporaryDirectory()
        try FileManager.default.removeItem(at: directory)
        try FileManager.default.copyItem(at: shipped, to: directory)
        func edit(_ name: String, _ change: (String) -> String) throws {
            let url = directory.appendingPathComponent(name)
            try change(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
        }
        try edit("agencies.json") { $0.replacingOccurrences(of: #""code": "ziran""#, with: #""code": "../../x""#) }
        try edit("datasets/gongan_household.json") { $0.replacingOccurrences(of: #""file": "公安局/户籍人口*.csv""#, with: #""file": "../../../etc/pass*""#) }
        try edit("datasets/minzheng_deaths.json") { $0.replacingOccurrences(of: #""file": "民政局/死亡登记*.json""#, with: #""file": "/dev/zero""#) }
        let (_, problems) = CatalogLoader(directory: directory.path).load()
        let relevant = problems.map(\.description).filter { $0.contains("safe identifier") || $0.contains("file pattern") }
        #expect(relevant == [
            "agencies.json: $.agencies[6].code: agency code \"../../x\" is not a safe identifier (allowed: lower-case letters, digits and _, starting with a letter, at most 63): it names folders, files, tables or columns",
            "datasets/gongan_household.json: $.file: file pattern \"../../../etc/pass*\" uses \"..\": it must stay inside the pipeline's data root",
            "datasets/minzheng_deaths.json: $.file: file pattern \"/dev/zero\" is absolute: it must be relative to the pipeline's data root",
        ])
    }

    @Test func anEncodingTypoIsCaughtBeforeTheRunWithASuggestion() throws {
        let directory = try Paths.temporaryDirectory()
        try FileManager.default.removeItem(at: directory)
        try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/catalog"), to: directory)
        let file = directory.appendingPathComponent("datasets/renshe_insured.json")
        try (try String(contentsOf: file, encoding: .utf8)).replacingOccurrences(of: #""encoding": "gb18030""#, with: #""encoding": "gbk18030""#)
            .replacingOccurrences(of: #""frequency": "monthly""#, with: #""frequency": "montly""#)
            .write(to: file, atomically: true, encoding: .utf8)
        let (_, problems) = CatalogLoader(directory: directory.path).load()
        #expect(problems.map(\.description) == [
            "datasets/renshe_insured.json: $.encoding: unknown encoding \"gbk18030\" (did you mean \"gb18030\"?) (usual: utf-8, gb18030, gbk, gb2312, big5, utf-16le, utf-16be; any name iconv knows)",
            "datasets/renshe_insured.json: $.frequency: unknown value \"montly\" (did you mean \"monthly\"?) (allowed: daily, weekly, monthly, quarterly, yearly)",
        ])
        #expect(Similarity.distance("kitten", "sitting") == 3)
        #expect(Similarity.suggestion(for: "rnu", among: ["run", "runs", "report"]) == "run")
        #expect(Similarity.suggestion(for: "q", among: ["a", "b"]) == nil)
    }
}
