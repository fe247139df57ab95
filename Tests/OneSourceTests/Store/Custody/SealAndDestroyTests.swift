import Foundation
import Testing
@testable import OneSource

@Suite struct SealAndDestroyTests {
    /// A generated city's first night, in a fresh store.
    func city(_ root: URL, persons: Int = 1500) throws -> (pipeline: String, store: String) {
        let city = root.appendingPathComponent("city").path
        _ = try CityGenerator(persons: persons, seed: 9, defectRate: 0.02, output: city,
                              pipelines: Paths.packageRoot.appendingPathComponent("Pipelines").path).write()
        let store = root.appendingPathComponent("s.sqlite").path
        #expect(try runBinary(["run", city + "/nightly.json", "--store", store, "--as-of", "2026-12-01"]).status == 3)
        return (city + "/nightly.json", store)
    }

    /// A sealed key takes no part in comparisons, is not shown by lookup nor exported, and comes back when unsealed.
    @Test func aSealedKeyIsKeptButNotUsed() throws {
        let root = try Paths.temporaryDirectory()
        let (pipeline, store) = try city(root)
        var database = try Store.openForReading(path: store)
        // A person whose name 人社局 delivered differently from 公安局 (a comparison finding and a task).
        let key = try #require(try database.queryScalarText("""
            SELECT record_key FROM findings WHERE run_id = 1 AND rule_id = 'matches_authority' AND dataset_id = 'renshe_insured' ORDER BY record_key LIMIT 1
            """))
        let compareFindings = try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 1 AND stage = 'compare'") ?? 0
        #expect(try runBinary(["seal", "--key", key, "--reason", "本人申请", "--store", store]).status == 64)   // no basis
        let sealed = try runBinary(["seal", "--key", key, "--reason", "本人申请", "--basis", "《个人信息保护法》第四十七条", "--store", store])
        #expect(sealed.status == 0)
        #expect(sealed.stdout.hasPrefix("seal 1: key \(Masking.mask(key, kind: "id_number")) in every dataset sealed at "))
        let twice = try runBinary(["seal", "--key", key, "--reason", "r", "--basis", "b", "--store", store])
        #expect(twice.status == 1)
        #expect(errorMessage(twice.stderr)?.hasPrefix("key \(Masking.mask(key, kind: "id_number")) in every dataset is already sealed (seal 1, ") == true)

        #expect(try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-02"]).status == 3)
        database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 2 AND stage IN ('compare', 'associate') AND record_key = ?",
                                            [.text(key)]) == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 2 AND stage = 'compare'") == compareFindings - 1)
        // Kept: its delivered rows are in the store.
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_renshe_insured WHERE run_id = 2 AND record_key = ?", [.text(key)]) == 1)
        let lookup = try runBinary(["lookup", key, "--store", store])
        #expect(lookup.status == 0)
        #expect(lookup.stdout.hasPrefix("\(Masking.mask(key, kind: "id_number")): 已封存，不予显示（seal 1，"))
        #expect(lookup.stdout.contains("原因：本人申请；依据：《个人信息保护法》第四十七条）"))
        #expect(!lookup.stdout.contains("基础库") && !lookup.stdout.contains("base record"))
        let out = root.appendingPathComponent("exports").path
        #expect(try runBinary(["tasks", "export", "--agency", "renshe", "--out", out, "--store", store]).status == 0)
        let exported = try String(contentsOfFile: out + "/renshe/tasks.csv", encoding: .utf8)
        #expect(!exported.contains(key))
        #expect(exported.contains("matches_authority") || exported.contains("与权威来源"))

        let unsealed = try runBinary(["unseal", "--key", key, "--reason", "申请撤回", "--store", store])
        #expect(unsealed.status == 0)
        #expect(try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-03"]).status == 3)
        database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 3 AND stage = 'compare'") == compareFindings)
        let list = try runBinary(["seal", "--list", "--store", store])
        #expect(list.stdout.contains("lifted "))
        #expect(list.stdout.hasSuffix("0 seal(s) in force\n"))
        #expect(try database.rows("SELECT action FROM audit WHERE action IN ('data_sealed', 'data_unsealed') ORDER BY audit_id")
                == [[.text("data_sealed")], [.text("data_unsealed")]])
    }

    /// A key sealed in one dataset leaves the association rules: as the record judged (a licence) and as the record
    /// looked up (the legal entity holding another licence). The passes test keys against the seals only while a key
    /// seal is in force, so the first night (none) and the second (two) take both paths; the rest of the findings stay.
    @Test func aSealedKeyLeavesTheAssociationRules() throws {
        let root = try Paths.temporaryDirectory()
        let (pipeline, store) = try city(root)
        var database = try Store.openForReading(path: store)
        func findings(_ run: Int64) throws -> [[SQLValue]] {
            try database.rows("""
                SELECT rule_id, dataset_id, record_key, observed FROM findings WHERE run_id = ? AND stage = 'associate' ORDER BY 1, 2, 3, 4
                """, [.integer(run)])
        }
        let first = try findings(1)
        let inactive = first.filter { $0[0] == .text("licence_holder_inactive") }
        #expect(inactive.count >= 2)
        let licence = try #require(inactive[0][2].text)
        let other = try #require(inactive[1][2].text)
        let holder = try #require(try database.queryScalarText("""
            SELECT "licence.holder_credit_code" FROM std_shenpi_licences WHERE run_id = 1 AND record_key = ?
            """, [.text(other)]))
        // Every licence of that holder loses its findings of the rules that look the holder up.
        let holderLicences = Set(try database.rows("SELECT record_key FROM std_shenpi_licences WHERE run_id = 1 AND \"licence.holder_credit_code\" = ?",
                                                   [.text(holder)]).compactMap { $0[0].text })
        #expect(holderLicences.contains(other) && !holderLicences.contains(licence))
        for (dataset, key) in [("shenpi_licences", licence), ("shichang_entities", holder)] {
            #expect(try runBinary(["seal", dataset, "--key", key, "--reason", "核查中", "--basis", "《泰州市公共数据管理办法》第二十二条",
                                   "--store", store]).status == 0)
        }
        #expect(try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-02"]).status == 3)
        database = try Store.openForReading(path: store)
        let lookingUpHolder: Set<String> = ["licence_holder_inactive", "licence_holder_unregistered", "licence_before_establishment",
                                            "licence_holder_name_mismatch"]
        let expected = first.filter { row in
            guard row[1] == .text("shenpi_licences"), let key = row[2].text, let rule = row[0].text else { return true }
            return key != licence && !(holderLicences.contains(key) && lookingUpHolder.contains(rule))
        }
        #expect(expected.count < first.count - 1)
        #expect(try findings(2) == expected)
    }

    /// A sealed dataset is left out of comparisons and association rules; its own delivery is still checked.
    @Test func aSealedDatasetIsNotComparedOrAssociated() throws {
        let root = try Paths.temporaryDirectory()
        let (pipeline, store) = try city(root)
        #expect(try runBinary(["seal", "renshe_insured", "--reason", "停止共享", "--basis", "市政府批复", "--store", store]).status == 0)
        let run = try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-02"])
        #expect(run.stderr.contains("benefit_after_death: not run, dataset renshe_insured is sealed"))
        let database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 2 AND dataset_id = 'renshe_insured' AND stage IN ('compare', 'associate')") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 1 AND dataset_id = 'renshe_insured' AND stage IN ('compare', 'associate')") ?? 0 > 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 2 AND dataset_id = 'renshe_insured' AND stage = 'verify'")
                == database.queryScalarInt("SELECT count(*) FROM findings WHERE run_id = 1 AND dataset_id = 'renshe_insured' AND stage = 'verify'"))
    }

    /// Destroying a key: afterwards the key and the person's phone are nowhere in the store file, not in free pages, not
    /// in the log; the audit keeps who, when, why and a salted hash that matches the key.
    @Test func aDestroyedKeyIsNowhereInTheStoreFile() throws {
        let root = try Paths.temporaryDirectory()
        let (pipeline, store) = try city(root)
        #expect(try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-02"]).status == 3)
        var database = try Store.openForReading(path: store)
        // An insured person who is also a company's legal representative: the key is another record's value too.
        let row = try #require(try database.rows("""
            SELECT i.record_key, i."person.phone", i."person.name" FROM std_renshe_insured i
            WHERE i.run_id = 2 AND i.has_error = 0 AND i.record_key IN (SELECT "entity.legal_rep_id" FROM std_shichang_entities)
            ORDER BY i.record_key LIMIT 1
            """).first)
        let key = try #require(row[0].text), phone = try #require(row[1].text)
        #expect(try runBinary(["lookup", key, "--reveal", "--store", store]).status == 0)
        #expect(try runBinary(["backup", root.appendingPathComponent("before.sqlite").path, "--store", store]).status == 0)
        func bytes(_ path: String) -> [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? [] }
        func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
            let n = Array(needle.utf8)
            guard haystack.count >= n.count else { return false }
            return (0...(haystack.count - n.count)).contains { i in haystack[i] == n[0] && Array(haystack[i..<(i + n.count)]) == n }
        }
        database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT count(*) FROM reveals WHERE lookup_key = ?", [.text(key)]) == 1)
        let before = bytes(store) + bytes(store + "-wal")
        #expect(contains(before, key) && contains(before, phone))

        let refused = try runBinary(["destroy", "--key", key, "--reason", "r", "--basis", "b", "--store", store])
        #expect(refused.status == 64)
        #expect(errorMessage(refused.stderr)?.hasPrefix("destruction cannot be undone: add --yes to confirm") == true)
        let destroyed = try runBinary(["destroy", "--key", key, "--reason", "法定保存期限届满", "--basis", "《泰州市公共数据管理办法》第二十二条",
                                       "--yes", "--store", store])
        #expect(destroyed.status == 0)
        #expect(destroyed.stdout.hasPrefix("destruction 1: key \(Masking.mask(key, kind: "id_number")) ("))
        #expect(destroyed.stdout.contains("  staged rows: 4\n"))          // 公安局 and 人社局, two nights each
        #expect(destroyed.stdout.contains("  standardized rows: 4\n"))
        #expect(destroyed.stdout.contains("  base records: 1\n"))
        #expect(destroyed.stdout.contains("written before, outside the store, and still holding the values"))
        #expect(destroyed.stdout.contains("  backup \(root.appendingPathComponent("before.sqlite").path)\n"))

        database = try Store.openForReading(path: store)
        #expect(try database.queryScalarText("PRAGMA integrity_check") == "ok")
        // The whole file, free pages included, and whatever log is left.
        let file = bytes(store) + bytes(store + "-wal")
        #expect(file.count > 100_000)
        #expect(!contains(file, key))
        #expect(!contains(file, phone))
        // Still there: the other values of the companies it represented, with the key replaced.
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_shichang_entities WHERE \"entity.legal_rep_id\" = '〔已销毁#1〕'") ?? 0 >= 2)
        // The record of the destruction.
        let record = try #require(try database.rows("SELECT key_sha256, reason, basis, destroyed_by FROM destructions").first)
        let parts = try #require(record[0].text).split(separator: "$").map(String.init)
        #expect(parts.count == 3 && parts[0] == "sha256-20000")
        #expect(Destruction.iteratedHash(key, salt: parts[1], rounds: 20_000) == parts[2])
        #expect(record[1] == .text("法定保存期限届满"))
        let audit = try #require(try database.queryScalarText("SELECT counts FROM audit WHERE action = 'data_destroyed'"))
        #expect(audit.hasPrefix("destruction 1: key \(Masking.mask(key, kind: "id_number")); reason: 法定保存期限届满; basis: 《泰州市公共数据管理办法》第二十二条; removed: "))
        // The audit trail is append-only again.
        #expect(throws: SQLiteError.self) { try Database(path: store).execute("DELETE FROM audit") }
        // The next night brings the agencies' records of the key back: destruction is of what the store held.
        #expect(try runBinary(["run", pipeline, "--store", store, "--as-of", "2026-12-03"]).status == 3)
    }

    /// Destroying a dataset: its rows, the base values it supplied and the phones only it delivered are gone.
    @Test func aDestroyedDatasetLeavesNoValueInTheStore() throws {
        let root = try Paths.temporaryDirectory()
        let (_, store) = try city(root, persons: 800)
        var database = try Store.openForReading(path: store)
        let phones = try database.rows("SELECT DISTINCT \"person.phone\" FROM std_renshe_insured WHERE \"person.phone\" NOT LIKE '1390000000%' LIMIT 50")
            .compactMap { $0[0].text }
        #expect(phones.count == 50)
        let result = try runBinary(["destroy", "renshe_insured", "--reason", "数据集停止使用", "--basis", "批复", "--yes", "--store", store])
        #expect(result.status == 0)
        database = try Store.openForReading(path: store)
        #expect(try database.queryScalarInt("SELECT count(*) FROM std_renshe_insured") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM stg_renshe_insured") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_persons WHERE \"person.phone\" IS NOT NULL") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_persons") ?? 0 > 0)   // 公安局's persons stay
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: store)))
        let text = String(decoding: file, as: UTF8.self)
        for phone in phones { #expect(!text.contains(phone), "\(phone)") }
    }
}
