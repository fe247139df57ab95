import Foundation
import Testing
@testable import OneSource

/// A copy of SampleData and the catalog in a temporary folder, to change and run again.
struct SampleCity {
    let root: URL
    var data: URL { root.appendingPathComponent("data") }
    var catalog: URL { root.appendingPathComponent("catalog") }
    var pipeline: URL { root.appendingPathComponent("nightly.json") }

    /// A copy of SampleData and the catalog; `ownCalendar` gives the city a copy of the calendar folder too
    /// (`calendar`), for tests that add a year's notice.
    init(ownCalendar: Bool = false) throws {
        root = try Paths.temporaryDirectory()
        try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("SampleData"), to: data)
        try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/catalog"), to: catalog)
        let divisions = Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path
        var calendar = Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path
        if ownCalendar {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/calendar"),
                                             to: root.appendingPathComponent("calendar"))
            calendar = root.appendingPathComponent("calendar").path
        }
        try """
            {"name": "nightly", "catalog": "catalog", "dataRoot": "data", "divisions": "\(divisions)", "calendar": "\(calendar)",
             "stages": ["ingest", "verify", "load", "compare", "associate", "rectify", "report"], "reports": "reports",
             "tasks": {"minimumSeverity": "error", "dueWorkingDays": 7, "ruleDueWorkingDays": {"benefit_after_death": 3}}}
            """.write(to: pipeline, atomically: true, encoding: .utf8)
    }

    /// Replaces text in one of the copied files (data or catalog).
    func edit(_ relative: String, _ change: (String) -> String) throws {
        let url = root.appendingPathComponent(relative)
        try change(try String(contentsOf: url, encoding: .utf8)).write(to: url, atomically: true, encoding: .utf8)
    }

    func run(_ database: Database, threads: Int = 2, asOf: CivilDate? = nil) throws -> Int64 {
        try Runner(database: database, log: SilentLog(), threads: threads).run(try PipelineDefinition.load(path: pipeline.path), asOf: asOf)
    }
}

@Suite struct CompareStageTests {
    func store() throws -> Database {
        try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
    }

    static let sampleFindings = [
        "人社局/社保参保.csv:2 associate benefit_after_death renshe",
        "人社局/社保参保.csv:14 compare matches_authority renshe",
        "人社局/社保参保.csv:23 associate benefit_after_death renshe",
        "人社局/社保参保.csv:51 associate benefit_after_death renshe",
        "人社局/社保参保.csv:342 compare matches_authority renshe",
        "人社局/社保参保.csv:557 compare matches_authority renshe",
        "信用办/行政处罚.ndjson:21 associate penalty_subject_unregistered xinyong",
        "信用办/行政处罚.ndjson:41 associate penalty_subject_unregistered xinyong",
        "信用办/行政处罚.ndjson:60 associate penalty_subject_unregistered xinyong",
        "市场监管局/市场主体.xml:1263 associate legal_rep_invalid_or_dead shichang",
        "市场监管局/市场主体.xml:1353 associate legal_rep_invalid_or_dead shichang",
        "行政审批局/行政许可.csv:7 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:19 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:31 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:68 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:92 associate licence_holder_unregistered shenpi",
        "行政审批局/行政许可.csv:122 associate licence_holder_unregistered shenpi",
        "行政审批局/行政许可.csv:212 associate licence_before_establishment shenpi",
        "行政审批局/行政许可.csv:232 associate licence_before_establishment shenpi",
        "行政审批局/行政许可.csv:252 associate licence_holder_unregistered shenpi",
        "行政审批局/行政许可.csv:262 associate licence_holder_unregistered shenpi",
        "行政审批局/行政许可.csv:308 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:320 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:332 associate licence_holder_inactive shenpi",
        "行政审批局/行政许可.csv:369 associate licence_holder_inactive shenpi",
    ]

    func crossFindings(_ database: Database, _ run: Int64) throws -> [String] {
        try database.rows("""
            SELECT coalesce(f.path, g.dataset_id) || ':' || coalesce(g.line, 0) || ' ' || g.stage || ' ' || g.rule_id || ' ' || g.agency
            FROM findings g LEFT JOIN run_files f USING (file_id)
            WHERE g.run_id = ? AND g.stage IN ('compare', 'associate')
            ORDER BY f.dataset_id IS NULL, CASE WHEN f.path IS NULL THEN g.dataset_id ELSE f.path END, g.line
            """, [.integer(run)]).compactMap { $0[0].text }
    }

    @Test func findsExactlyTheSampleDataCrossSourceDefects() throws {
        let database = try store()
        let runID = try Runner(database: database, log: SilentLog())
            .run(try PipelineDefinition.load(path: Paths.packageRoot.appendingPathComponent("Pipelines/nightly.json").path))
        let found = try crossFindings(database, runID)
        #expect(found.sorted() == CompareStageTests.sampleFindings.sorted())
        // Reconciliation: read = loaded + quarantined + rejected.
        let summary = try RunSummary.load(database, run: runID)
        #expect(summary.quarantined == 24)
        #expect(summary.totalRead == 3238)
        #expect(summary.totalRead == (summary.totalStaged - 24) + 24 + summary.totalRejected)
        #expect(summary.render().contains("Records: read 3238 = loaded 3211 + quarantined 24 + rejected 3\n"))
        // Messages name both sides.
        let message = try database.queryScalarText("SELECT message FROM findings WHERE rule_id = 'licence_holder_inactive' AND line = 68")
        #expect(message == "许可当前状态为“有效”，但持证主体在法人基础库中的登记状态为“吊销”")
    }

    @Test func theAuthorityWinsAndEveryValueKeepsItsSource() throws {
        let database = try store()
        let runID = try Runner(database: database, log: SilentLog())
            .run(try PipelineDefinition.load(path: Paths.packageRoot.appendingPathComponent("Pipelines/nightly.json").path))
        let row = try #require(try database.rows("""
            SELECT g.record_key, g.observed, g.expected FROM findings g WHERE g.run_id = ? AND g.rule_id = 'matches_authority' AND g.line = 14
            """, [.integer(runID)]).first)
        let key = try #require(row[0].text)
        let base = try #require(try database.rows("""
            SELECT "person.name", "person.name:file", "person.name:line", "person.phone:file", "person.phone:line" FROM base_persons WHERE record_key = ?
            """, [.text(key)]).first)
        #expect(base[0] == row[2])                 // the authority's (公安局) name, not 人社局's
        #expect(base[0] != row[1])
        let gongan = try database.queryScalarInt("SELECT file_id FROM run_files WHERE run_id = ? AND dataset_id = 'gongan_household'", [.integer(runID)])
        let renshe = try database.queryScalarInt("SELECT file_id FROM run_files WHERE run_id = ? AND dataset_id = 'renshe_insured'", [.integer(runID)])
        #expect(base[1].integer == gongan)
        #expect(base[3].integer == renshe)         // the phone's authority is 人社局
        #expect(base[4].integer == 14)
        // Quarantined records keep their delivered values and reasons.
        let quarantined = try database.rows("SELECT raw, reasons FROM quarantine WHERE run_id = ? AND dataset_id = 'gongan_household' AND line = 162",
                                            [.integer(runID)])
        #expect(quarantined.count == 1)
        #expect(quarantined[0][0].text?.contains("\"person.birth_date\":\"2023-02-30\"") == true)
        #expect(quarantined[0][1].text == "出生日期“2023-02-30”不符合日期格式：“2023-02-30”不是真实日期")
    }

    @Test func anAuthorityOutvotedByTwoAgenciesIsAskedToReview() throws {
        let city = try SampleCity()
        let database = try store()
        let first = try city.run(database)
        // A person known to 公安局, 人社局 and 民政局: change the name at 公安局 only.
        let row = try #require(try database.rows("""
            SELECT d.record_key, d."person.name" FROM std_minzheng_deaths d
            JOIN std_renshe_insured r ON r.record_key = d.record_key AND r.run_id = d.run_id AND r.has_error = 0
            JOIN std_gongan_household g ON g.record_key = d.record_key AND g.run_id = d.run_id AND g.has_error = 0
            WHERE d.run_id = ? AND d.has_error = 0 AND d."person.name" = r."person.name" ORDER BY d.line LIMIT 1
            """, [.integer(first)]).first)
        let key = try #require(row[0].text), name = try #require(row[1].text)
        try city.edit("data/公安局/户籍人口.csv") { $0.replacingOccurrences(of: "\(key),\(name),", with: "\(key),\(name)错,") }
        let second = try city.run(database)
        let review = try database.rows("""
            SELECT agency, dataset_id, observed, expected, reason FROM findings WHERE run_id = ? AND rule_id = 'authority_outvoted'
            """, [.integer(second)])
        #expect(review.count == 1)
        #expect(review.first?.map(\.text) == ["gongan", "gongan_household", name + "错", name,
                                              "泰州市民政局、泰州市人力资源和社会保障局"])
        // Both other agencies also get their consistency finding (the authority is still the authority).
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = ? AND rule_id = 'matches_authority' AND record_key = ?",
                                            [.integer(second), .text(key)]) == 2)
        // The base changed: the old name is kept in history with the run that replaced it.
        let history = try database.rows("SELECT element, old_value, new_value, replaced_by_run FROM base_history WHERE record_key = ?", [.text(key)])
        #expect(history == [[.text("person.name"), .text(name), .text(name + "错"), .integer(second)]])
    }

    @Test func theMissingKeyPolicyDecidesSeverityAndAddressee() throws {
        let city = try SampleCity()
        let database = try store()
        _ = try city.run(database)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE rule_id = 'key_missing_in_authority'") == 0)
        try city.edit("catalog/datasets/renshe_insured.json") {
            $0.replacingOccurrences(of: "\"severity\": \"off\"", with: "\"severity\": \"warning\"")
                .replacingOccurrences(of: "\"addressee\": \"self\"", with: "\"addressee\": \"authority\"")
        }
        let second = try city.run(database)
        let rows = try database.rows("""
            SELECT severity, agency, dataset_id, line FROM findings WHERE run_id = ? AND rule_id = 'key_missing_in_authority' ORDER BY line
            """, [.integer(second)])
        // The three people registered outside Taizhou, and the insured whose 公安局 record is absent from this run.
        #expect(rows.count >= 3)
        #expect(rows.allSatisfy { $0[0] == .text("warning") && $0[1] == .text("gongan") && $0[2] == .text("renshe_insured") })
        #expect(Array(rows.suffix(3).map { $0[3] }) == [.integer(702), .integer(703), .integer(704)])
    }

    @Test func loadingIsIdempotentAndARunCannotUndoALaterOne() throws {
        let city = try SampleCity()
        let database = try store()
        let runner = Runner(database: database, log: SilentLog())
        let first = try city.run(database)
        func snapshot() throws -> [[SQLValue]] {
            try database.rows("SELECT * FROM base_persons ORDER BY record_key") + database.rows("SELECT * FROM base_licences ORDER BY record_key")
        }
        let before = try snapshot()
        try runner.rerun(stage: "load", run: first)
        #expect(try snapshot() == before)
        let second = try city.run(database)          // the same inputs again
        #expect(try snapshot() == before)            // no duplicates, provenance unchanged
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_history") == 0)
        #expect(try database.rows("SELECT inserted, changed FROM base_loads WHERE run_id = ? AND base = 'persons'", [.integer(second)])
                == [[.integer(0), .integer(0)]])
        #expect(throws: Error.self) { try runner.rerun(stage: "load", run: first) }
        // Refused before anything was recorded: run 1's load still stands as it was.
        #expect(try RunLedger(database: database).stages(of: first).first { $0.stage == "load" }?.status == .doneWithDefects)
    }

    @Test func comparisonGivesTheSameFindingsForAnyThreadCount() throws {
        let city = try SampleCity()
        let one = try store(), four = try store()
        let a = try city.run(one, threads: 1), b = try city.run(four, threads: 4)
        let query = "SELECT stage, rule_id, agency, record_key, element, observed, expected, line FROM findings WHERE run_id = ? ORDER BY finding_id"
        #expect(try one.rows(query, [.integer(a)]) == (try four.rows(query, [.integer(b)])))
    }

    /// A pass gets a page cache that holds the bases it looks up, only where the default cannot, a larger one can, and
    /// the look-ups come back to each page often enough to repay filling it.
    @Test func associationPassesGetACacheThatHoldsTheirBases() {
        #expect(AssociateStage.cacheKiB(forKeys: 0, probes: 0) == 16_384)
        #expect(AssociateStage.cacheKiB(forKeys: 65_536, probes: 65_536) == 16_384)        // fits the default
        #expect(AssociateStage.cacheKiB(forKeys: 65_540, probes: 65_536) == 16_385)
        #expect(AssociateStage.cacheKiB(forKeys: 198_042, probes: 297_080) == 49_510)     // 1M city's licences among its legal entities
        #expect(AssociateStage.cacheKiB(forKeys: 262_148, probes: 131_074) == 65_537)
        #expect(AssociateStage.cacheKiB(forKeys: 262_148, probes: 131_073) == 16_384)     // fewer look-ups than half the keys
        #expect(AssociateStage.cacheKiB(forKeys: 791_901, probes: 1_188_320) == 197_975)  // 4M city's licences among its legal entities
        #expect(AssociateStage.cacheKiB(forKeys: 992_800, probes: 196_729) == 16_384)     // 1M city's legal representatives among its persons
        #expect(AssociateStage.cacheKiB(forKeys: 1_048_576, probes: 1_048_576) == 262_144)
        #expect(AssociateStage.cacheKiB(forKeys: 1_048_580, probes: 4_000_000) == 16_384) // too large to hold: no use trying
        #expect(AssociateStage.cacheKiB(forKeys: 3_966_564, probes: 4_000_000) == 16_384) // 4M city's persons
    }

    /// Look-ups by the scanned dataset's own key follow the base's order when its keys arrived in order; others do not.
    @Test func lookUpsByTheDatasetsOwnOrderedKeyNeedNoLargerCache() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let insured = try #require(catalog.dataset("renshe_insured"))
        let byOwnKey = AssociateStage.Lookup(table: "\"base_persons\"", on: "{}.record_key = s.\"person.id_number\"", base: "persons",
                                             probe: "\"person.id_number\"")
        let byOther = AssociateStage.Lookup(table: "\"base_legal_entities\"", on: "{}.record_key = s.\"x\"", base: "legal_entities",
                                            probe: "\"x\"")
        let ownRow = AssociateStage.Lookup(table: "\"stg_renshe_insured\"", on: "{}.rowid = s.staging_rowid")
        #expect(insured.key == ["person.id_number"])
        #expect(AssociateStage.basesProbedAtRandom([byOwnKey, byOther, ownRow], dataset: insured, keysInOrder: true) == ["legal_entities"])
        #expect(AssociateStage.basesProbedAtRandom([byOwnKey, byOther, ownRow], dataset: insured, keysInOrder: false)
                == ["persons", "legal_entities"])
    }

    @Test func associationRulesFireOnTheirCasesAndOnlyThere() throws {
        let city = try SampleCity()
        let database = try store()
        let first = try city.run(database)
        let before = try crossFindings(database, first)
        // A death registered before the birth 公安局 recorded (丁娟, born 2006-04-02), and a licence holder named
        // differently from the legal-entity base.
        try city.edit("data/民政局/死亡登记.json") {
            $0.replacingOccurrences(of: "\"姓名\": \"丁娟\", \"死亡日期\": \"2025-08-01\"", with: "\"姓名\": \"丁娟\", \"死亡日期\": \"2005-08-01\"")
        }
        try city.edit("data/行政审批局/行政许可.csv") {
            $0.replacingOccurrences(of: "JY3321282000099,泰州市靖江市润通机械有限公司,", with: "JY3321282000099,泰州市靖江市润通机械公司,")
        }
        let second = try city.run(database)
        let after = try crossFindings(database, second)
        #expect(Set(after).subtracting(before) == [
            "民政局/死亡登记.json:3 associate death_before_birth minzheng",
            "行政审批局/行政许可.csv:100 associate licence_holder_name_mismatch shenpi",
        ])
        #expect(Set(before).subtracting(after).isEmpty)
        let messages = try database.rows("""
            SELECT severity, message FROM findings WHERE run_id = ? AND rule_id IN ('death_before_birth', 'licence_holder_name_mismatch') ORDER BY rule_id
            """, [.integer(second)])
        #expect(messages == [
            [.text("error"), .text("死亡日期2005-08-01早于公安局登记的出生日期2006-04-02")],
            [.text("warning"), .text("相对人名称“泰州市靖江市润通机械公司”与法人基础库中的名称“泰州市靖江市润通机械有限公司”不一致")],
        ])
        // Rules that share a dataset and its look-ups run as one query; each rule's rows are exactly those of
        // its query alone, in the same order.
        let catalog = try Catalog.load(directory: city.catalog.path)
        let selected = Set(catalog.datasets.map(\.id))
        let plans = try catalog.associations.compactMap { rule -> AssociateStage.Plan? in
            guard let dataset = rule.params["dataset"].flatMap(catalog.dataset) else { return nil }
            return try AssociateStage().plan(rule, dataset: dataset, catalog: catalog, selected: selected, database: database)
        }
        let groups = AssociateStage.group(plans)
        #expect(plans.count == 9)   // the tenth rule is SQL, its own pass
        #expect(groups.map(\.plans) == [[0], [1, 2, 5, 6], [3, 7], [4], [8]])
        var rowsFound = 0
        for group in groups {
            let date = SQLValue.text(try RunLedger(database: database).run(second).date.description)
            let together = try database.rows(group.sql, group.sql.contains("?2") ? [.integer(second), date] : [.integer(second)])
            for (slot, index) in group.plans.enumerated() {
                let alone = AssociateStage.group([plans[index]])[0]
                let expected = try alone.rows(of: 0, in: database.rows(alone.sql, alone.sql.contains("?2") ? [.integer(second), date] : [.integer(second)]))
                #expect(group.rows(of: slot, in: together) == expected, "\(plans[index].rule.id)")
                rowsFound += expected.count
            }
        }
        #expect(rowsFound == after.count(where: { $0.contains(" associate ") }))
        // With a key seal in force a pass tests the keys it reads against the seals, and only where one can cover them.
        let licences = AssociateStage.group(plans, keysSealedIn: [])[1]
        #expect(licences.plans == [1, 2, 5, 6])
        #expect(!licences.sql.contains("seals"))
        #expect(groups[1].sql.contains("seals"))   // by default every key may be sealed
        let sealedIn = { (datasets: Set<String?>) in AssociateStage.group(plans, keysSealedIn: datasets)[1].sql }
        #expect(sealedIn(["renshe_insured"]) == licences.sql)
        #expect(sealedIn(["shenpi_licences"]).contains("AND NOT s.record_key IN (SELECT record_key FROM seals "))
        #expect(!sealedIn(["shenpi_licences"]).contains("j0.record_key IN (SELECT record_key FROM seals"))
        #expect(sealedIn(["shichang_entities"]).contains("AND NOT coalesce(j0.record_key IN (SELECT record_key FROM seals "))
        #expect(!sealedIn(["shichang_entities"]).contains("s.record_key IN (SELECT"))
        #expect(sealedIn([nil]).contains("AND NOT s.record_key IN (SELECT record_key FROM seals ")
                && sealedIn([nil]).contains("AND NOT coalesce(j0.record_key IN (SELECT record_key FROM seals "))
    }
}
