import Foundation
import Testing
@testable import OneSource

@Suite struct VerifyStageTests {
    let pipelinePath = Paths.packageRoot.appendingPathComponent("Pipelines/nightly.json").path

    func runNightly(threads: Int = 2) throws -> (Database, Int64) {
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("store.sqlite").path)
        let runID = try Runner(database: database, log: SilentLog(), threads: threads).run(try PipelineDefinition.load(path: pipelinePath))
        return (database, runID)
    }

    func findings(_ database: Database, _ runID: Int64) throws -> [String] {
        try database.rows("""
            SELECT f.path || ':' || g.line || ' ' || g.rule_id || ' ' || g.severity || ' ' || coalesce(g.element, '')
            FROM findings g JOIN run_files f USING (file_id) WHERE g.run_id = ? AND g.stage = 'verify' ORDER BY g.finding_id
            """, [.integer(runID)]).compactMap { $0[0].text }
    }

    /// Every per-record defect listed in SampleData/README.md as found by verify, and nothing else.
    /// (The legal representative's invalid identity number is reported by the associate stage: the catalog
    /// turns `conforms` off for that field so the company itself is not quarantined for it.)
    static let sampleFindings = [
        "公安局/户籍人口.csv:23 nonstandard_form notice person.name",
        "公安局/户籍人口.csv:33 conforms error person.id_number",
        "公安局/户籍人口.csv:47 legacy_identity_number warning person.id_number",
        "公安局/户籍人口.csv:60 nonstandard_form notice person.id_number",
        "公安局/户籍人口.csv:79 conforms error person.id_number",
        "公安局/户籍人口.csv:90 birth_date_matches_identity error person.birth_date",
        "公安局/户籍人口.csv:101 gender_matches_identity error person.gender",
        "公安局/户籍人口.csv:134 legacy_identity_number warning person.id_number",
        "公安局/户籍人口.csv:142 required error person.name",
        "公安局/户籍人口.csv:162 conforms error person.birth_date",
        "公安局/户籍人口.csv:177 nonstandard_form notice person.name",
        "公安局/户籍人口.csv:182 in_code_table error person.ethnicity",
        "公安局/户籍人口.csv:192 conforms error person.division",
        "公安局/户籍人口.csv:197 region_matches_identity notice person.division",
        "公安局/户籍人口.csv:205 nonstandard_form notice person.id_number",
        "公安局/户籍人口.csv:252 birth_date_matches_identity error person.birth_date",
        "公安局/户籍人口.csv:303 gender_matches_identity error person.gender",
        "公安局/户籍人口.csv:331 nonstandard_form notice person.id_number",
        "公安局/户籍人口.csv:412 required error person.name",
        "公安局/户籍人口.csv:1202 unique_key error person.id_number",
        "民政局/死亡登记.json:7 conforms error death.date",
        "民政局/死亡登记.json:8 required error person.id_number",
        "人社局/社保参保.csv:62 conforms error person.phone",
        "人社局/社保参保.csv:63 nonstandard_form notice person.phone",
        "人社局/社保参保.csv:64 nonstandard_form notice person.phone",
        "人社局/社保参保.csv:72 conforms error person.birth_date",
        "行政审批局/行政许可.csv:202 expiry_not_before_issue error licence.valid_to",
        "行政审批局/行政许可.csv:272 conforms error licence.electronic_id",
        "行政审批局/行政许可.csv:282 conforms error licence.decision_date",
        "行政审批局/行政许可.csv:383 unique_key error licence.number",
        "市场监管局/市场主体.xml:813 conforms error entity.credit_code",
        "市场监管局/市场主体.xml:1083 conforms error entity.credit_code",
        "信用办/行政处罚.ndjson:61 conforms error penalty.decision_date",
        "自然资源和规划局/标准地址.csv:35 retired_division_code warning geo.address_division",
        "自然资源和规划局/标准地址.csv:46 required error geo.longitude",
    ]

    @Test func findsExactlyTheSampleDataDefects() throws {
        let (database, runID) = try runNightly()
        #expect(try findings(database, runID) == VerifyStageTests.sampleFindings)
        let messages = try database.rows("""
            SELECT line, message, observed, expected, record_key FROM findings
            WHERE run_id = ? AND stage = 'verify' AND dataset_id = 'gongan_household' AND line IN (33, 47, 90, 1202) ORDER BY line
            """, [.integer(runID)])
        #expect(messages.map { $0[1].text ?? "" } == [
            "公民身份号码“\(messages[0][2].text ?? "")”不符合GB 11643公民身份号码标准：校验码错误：应为\(messages[0][2].text.map { String(IdentityNumber.checkCharacter(for: Array($0.utf8.prefix(17)))) } ?? "")，实为\(messages[0][2].text?.last.map(String.init) ?? "")",
            "公民身份号码“\(messages[1][2].text ?? "")”为15位旧号码，应报送18位号码“\(messages[1][3].text ?? "")”",
            "出生日期“\(messages[2][2].text ?? "")”与公民身份号码中的出生日期“\(messages[2][3].text ?? "")”不一致",
            "记录键“\(messages[3][4].text ?? "")”与第502行重复",
        ])
        #expect(messages[1][2].text?.count == 15)
        #expect(messages[1][3].text?.count == 18)
        // Canonical values are in the standardized table; delivered values stay in staging.
        let canonical = try database.queryScalarText("SELECT \"person.id_number\" FROM std_gongan_household WHERE line = 60")
        let delivered = try deliveredValue(database, "gongan_household", "person.id_number", where: "line = 60")
        #expect(canonical?.count == 18 && canonical?.allSatisfy(\.isASCII) == true)
        #expect(delivered?.unicodeScalars.first?.value ?? 0 >= 0xFF10)
        #expect(try database.queryScalarText("SELECT \"person.gender\" FROM std_gongan_household WHERE line = 2") == "1")
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household WHERE run_id = ? AND has_error = 1", [.integer(runID)]) == 12)
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household WHERE run_id = ?", [.integer(runID)]) == 1202)
    }

    @Test func givesTheSameFindingsInTheSameOrderForAnyThreadCount() throws {
        let (one, runOne) = try runNightly(threads: 1)
        let (four, runFour) = try runNightly(threads: 4)
        let query = """
            SELECT rule_id, severity, dataset_id, record_key, element, observed, expected, line, record_index, message
            FROM findings WHERE run_id = ? AND stage = 'verify' ORDER BY finding_id
            """
        let a = try one.rows(query, [.integer(runOne)])
        let b = try four.rows(query, [.integer(runFour)])
        #expect(a.count == 35)
        #expect(a == b)
        let standardized = "SELECT * FROM std_renshe_insured ORDER BY staging_rowid"
        #expect(try one.rows(standardized) == (try four.rows(standardized)))
        // A thread count far past the cores: ingest starts at most `BatchProducer.maxWorkers` verifying workers, and its
        // reader and key check before them (asked for 300 workers, Dispatch never started the key check and the run hung).
        let (many, runMany) = try runNightly(threads: 300)
        #expect(try many.rows(query, [.integer(runMany)]) == a)
        #expect(try many.rows(standardized) == (try one.rows(standardized)))
    }

    @Test func givesTheSameFindingsOnLargeChunksForAnyThreadCount() throws {
        // Many records per chunk, so the parallel path really splits work.
        let records = (0..<5000).map { i -> RecordVerifier.Input in
            let body = "3212021990" + String(format: "%02d%02d", 1 + i % 12, 1 + i % 28) + String(format: "%03d", i % 1000)
            let check = i % 7 == 0 ? "0" : String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            return RecordVerifier.Input(fileID: 1, line: i + 2, recordIndex: i + 1,
                                        values: [body + check, "张三", i % 2 == 0 ? "男" : "女", "01", "1990-01-01", "泰州", "321202", nil])
        }
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let verifier = try RecordVerifier(dataset: try #require(catalog.dataset("gongan_household")), catalog: catalog,
                                          context: StandardFixtures.context)
        let serial = VerifyStage.verifyInParallel(records, with: verifier, threads: 1)
        for threads in [2, 3, 8] {
            let parallel = VerifyStage.verifyInParallel(records, with: verifier, threads: threads)
            #expect(parallel.map(\.findings) == serial.map(\.findings))
            #expect(parallel.map(\.values) == serial.map(\.values))
        }
        #expect(serial.flatMap(\.findings).count > 5000)
    }

    /// A reused input keeps the results of its repeatable columns (codes, dates, divisions) from one record to the next:
    /// what comes out must be what a fresh verification gives, record by record, for valid, changed, failing and empty
    /// values alike.
    @Test func aRepeatedValueTakesThePreviousResultAndChangesNothing() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let verifier = try RecordVerifier(dataset: try #require(catalog.dataset("gongan_household")), catalog: catalog,
                                          context: StandardFixtures.context)
        // gender, ethnicity, birth date, division and registration date; not the number, the name or the address.
        #expect(verifier.repeatableColumns == 0b1101_1100)
        let genders = ["男", "男", "1", "男性", "X", "", "男", "男"]
        let births = ["1990-01-01", "1990年1月1日", "1990年1月1日", "1990-13-01", "1990-13-01", "1990-01-01", "1990-01-01", "2090-01-01"]
        let divisions = ["321202", "321202", "321284", "321284", "999999", "999999", " 321202", "321202"]
        var records: [[String?]] = []
        for i in 0..<64 {
            let body = "32120219900101" + String(format: "%03d", i)
            let id = body + String(IdentityNumber.checkCharacter(for: Array(body.utf8)))
            records.append([id, "张三\(i)", genders[i % 8], i % 5 == 0 ? nil : "01", births[(i / 2) % 8], "泰州", divisions[(i / 3) % 8],
                            i % 9 == 0 ? "" : "2001-05-0\(1 + i % 3)"])
        }
        var reused = RecordVerifier.Input(fileID: 1, line: 0, recordIndex: 0, values: Array(repeating: nil, count: 8))
        reused.prepareMemo(columns: 8)
        var hits = 0
        for (index, values) in records.enumerated() {
            // As ingest fills an input: a repeatable value equal to the one before is marked, not replaced.
            var repeats: UInt64 = 0
            for slot in 0..<8 {
                if verifier.repeatableColumns & (1 << UInt64(slot)) != 0, let value = values[slot], reused.values[slot] == value {
                    repeats |= 1 << UInt64(slot)
                } else {
                    reused.values[slot] = values[slot]
                }
            }
            hits += repeats.nonzeroBitCount
            reused.repeats = repeats
            reused.line = index + 2
            reused.recordIndex = index + 1
            let memoized = verifier.verify(&reused)
            let fresh = verifier.verify(RecordVerifier.Input(fileID: 1, line: index + 2, recordIndex: index + 1, values: values))
            #expect(memoized.values == fresh.values, "record \(index)")
            #expect(memoized.findings == fresh.findings, "record \(index)")
            #expect(memoized.hasError == fresh.hasError && memoized.asDelivered == fresh.asDelivered && memoized.recordKey == fresh.recordKey)
        }
        #expect(hits == 158)
        // The results kept are those of the five repeatable columns only.
        #expect(reused.memo.map { $0 != nil } == [false, false, true, true, true, false, true, true])
    }

    /// For ingest's writer, which binds the delivered bytes where the canonical value equals them: those values become
    /// "" (still present), every other stays as verified, and nothing else of the output changes.
    @Test func anOutputLeavesItsValuesAsDeliveredToTheBytes() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let verifier = try RecordVerifier(dataset: try #require(catalog.dataset("gongan_household")), catalog: catalog,
                                          context: StandardFixtures.context)
        // The number and name as delivered; gender and birth date changed; ethnicity missing; an untidy address
        // (trimmed); a retired division code (kept, with its finding) and the registration date as delivered.
        let values: [String?] = ["321202199001010017", "张三", "男", nil, "1990年1月1日", " 泰州 ", "321284", "2001-05-01"]
        let verified = verifier.verify(RecordVerifier.Input(fileID: 1, line: 2, recordIndex: 1, values: values))
        #expect(verified.values == ["321202199001010017", "张三", "1", nil, "1990-01-01", "泰州", "321284", "2001-05-01"])
        #expect(verified.asDelivered == 0b1100_0011)
        var input = RecordVerifier.Input(fileID: 1, line: 2, recordIndex: 1, values: values)
        let left = verifier.verify(&input, leavingDeliveredToBytes: true)
        #expect(left.values == ["", "", "1", nil, "1990-01-01", "泰州", "", ""])
        #expect(left.asDelivered == verified.asDelivered && left.recordKey == "321202199001010017" && left.hasError == verified.hasError)
        #expect(left.findings == verified.findings)
        // The cross-field rules and the key read the delivered value where the output holds "": a birth date and gender
        // delivered in canonical form that contradict the identity number are still found, with the delivered values.
        let contradicting: [String?] = ["321202199001010017", "张三", "2", "01", "1991-02-03", "泰州", "321202", "2001-05-01"]
        var second = RecordVerifier.Input(fileID: 1, line: 3, recordIndex: 2, values: contradicting)
        let kept = verifier.verify(&second, leavingDeliveredToBytes: true)
        let plain = verifier.verify(RecordVerifier.Input(fileID: 1, line: 3, recordIndex: 2, values: contradicting))
        #expect(kept.values == ["", "", "", "", "", "", "", ""])
        #expect(kept.recordKey == "321202199001010017")
        #expect(kept.findings == plain.findings)
        #expect(kept.findings.map(\.ruleID).sorted() == ["birth_date_matches_identity", "gender_matches_identity"])
        #expect(kept.findings.first { $0.ruleID == "birth_date_matches_identity" }?.observed == "1991-02-03")
        #expect(kept.findings.first { $0.ruleID == "birth_date_matches_identity" }?.expected == "1990-01-01")
    }

    @Test func reRunningVerifyReplacesItsOutputAndReIngestInvalidatesIt() throws {
        let (database, runID) = try runNightly()
        let runner = Runner(database: database, log: SilentLog())
        try runner.rerun(stage: "verify", run: runID)
        #expect(try findings(database, runID) == VerifyStageTests.sampleFindings)
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household") == 1202)
        try runner.rerun(stage: "ingest", run: runID)
        // What ingest found about the delivery stays (three rejected rows, one licence spanning two lines); everything
        // later is gone.
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = ? AND stage != 'ingest'", [.integer(runID)]) == 0)
        #expect(try database.rows("SELECT rule_id, count(*) FROM findings WHERE run_id = ? AND stage = 'ingest' GROUP BY rule_id", [.integer(runID)])
                == [[.text("multiline_record"), .integer(1)], [.text("row_rejected"), .integer(3)]])
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_gongan_household") == 0)
        #expect(try RunLedger(database: database).stages(of: runID).map(\.status)
                == [.doneWithDefects, .pending, .pending, .pending, .pending, .pending, .pending])
        #expect(try RunLedger(database: database).run(runID).status == .incomplete)
        try runner.rerun(stage: "verify", run: runID)
        #expect(try findings(database, runID) == VerifyStageTests.sampleFindings)
    }

    /// Everything verification leaves for a run: standardized rows of every dataset and the findings.
    func verifiedOutput(_ database: Database, _ runID: Int64) throws -> [[SQLValue]] {
        var rows: [[SQLValue]] = []
        for table in try database.rows("SELECT table_name FROM standardized_tables ORDER BY table_name").compactMap({ $0[0].text }) {
            rows += try database.rows("SELECT * FROM \(StagingTable.quote(table)) WHERE run_id = ? ORDER BY staging_rowid", [.integer(runID)])
        }
        rows += try database.rows("""
            SELECT rule_id, dimension, severity, agency, dataset_id, record_key, element, observed, expected, file_id, line,
                   record_index, message, reason FROM findings WHERE run_id = ? AND stage = 'verify' ORDER BY finding_id
            """, [.integer(runID)])
        return rows
    }

    @Test func verifyingWhileIngestingGivesExactlyWhatTheVerifyStageGives() throws {
        let (database, runID) = try runNightly()
        let ledger = RunLedger(database: database)
        let inline = try verifiedOutput(database, runID)
        let inlineOutcome = try ledger.stages(of: runID).first { $0.stage == "verify" }
        #expect(try ledger.stages(of: runID).first { $0.stage == "ingest" }?.message?.hasSuffix("; verified as staged; 3 delivery findings") == true)
        let staged = try #require(try database.queryScalarInt("SELECT sum(rows_staged) FROM run_files WHERE run_id = ?", [.integer(runID)]))
        #expect(inline.count == Int(staged) + VerifyStageTests.sampleFindings.count)
        // By hand, verify reads staging back: the same rows and findings, in the same order, and the same outcome.
        try Runner(database: database, log: SilentLog()).rerun(stage: "verify", run: runID)
        #expect(try verifiedOutput(database, runID) == inline)
        let byHand = try ledger.stages(of: runID).first { $0.stage == "verify" }
        #expect(byHand?.message == inlineOutcome?.message)
        #expect(byHand?.recordsIn == inlineOutcome?.recordsIn && byHand?.rejected == inlineOutcome?.rejected)
    }

    @Test func datasetRuleSwitchesTurnRulesOffOrChangeTheirSeverity() throws {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let base = try #require(catalog.dataset("gongan_household"))
        func dataset(rules: [String: String]) -> Dataset { base.replacing(rules: rules) }
        // Gender 女 against an odd (male) sequence; birth date differing from the number.
        let input = RecordVerifier.Input(fileID: 1, line: 2, recordIndex: 1,
                                         values: ["321202199803150011", "张三", "女", "01", "1998-03-16", "泰州", "321202", nil])
        func rules(_ switches: [String: String]) throws -> [String] {
            let verifier = try RecordVerifier(dataset: dataset(rules: switches), catalog: catalog, context: StandardFixtures.context)
            return verifier.verify(input).findings.map { "\($0.ruleID) \($0.severity.rawValue)" }
        }
        #expect(try rules([:]) == ["birth_date_matches_identity error", "gender_matches_identity error"])
        #expect(try rules(["gender_matches_identity": "off"]) == ["birth_date_matches_identity error"])
        #expect(try rules(["birth_date_matches_identity": "warning"]) == ["birth_date_matches_identity warning", "gender_matches_identity error"])
        let verifier = try RecordVerifier(dataset: dataset(rules: ["birth_date_matches_identity": "warning", "gender_matches_identity": "off"]),
                                          catalog: catalog, context: StandardFixtures.context)
        #expect(verifier.verify(input).hasError == false)
    }
}
