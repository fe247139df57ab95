import Foundation
import Testing
@testable import OneSource

@Suite struct GeneratedCityTests {
    @Test func thePipelineFindsEveryInjectedDefectAndNothingElse() throws {
        let root = try Paths.temporaryDirectory()
        let city = root.appendingPathComponent("city").path
        let defects = try CityGenerator(persons: 4000, seed: 11, defectRate: 0.02, output: city,
                                        pipelines: Paths.packageRoot.appendingPathComponent("Pipelines").path).write()
        #expect(defects.count > 100)
        #expect(Set(defects.map(\.stage)) == ["ingest", "verify", "compare", "associate"])
        // Among them the kinds found only on data nobody made for us: codes typed with spaces, companies quarantined
        // for a missing name (their licences then neither "unregistered" nor unchecked for status), and insured
        // persons 正常参保 after a registered death with no payment month (the catalog's SQL rule).
        #expect(Set(defects.map { "\($0.rule) \($0.element)" }).isSuperset(of: [
            "nonstandard_form person.id_number", "nonstandard_form entity.credit_code", "required entity.name",
            "insured_after_death insurance.status", "licence_holder_inactive licence.status"]))
        let database = try Store.open(path: root.appendingPathComponent("s.sqlite").path)
        let run = try Runner(database: database, log: SilentLog()).run(try PipelineDefinition.load(path: city + "/nightly.json"))
        #expect(try RunLedger(database: database).run(run).status == .doneWithDefects)
        let found = try database.rows("""
            SELECT f.path || ',' || g.line || ',' || g.stage || ',' || g.rule_id FROM findings g JOIN run_files f USING (file_id)
            WHERE g.run_id = ? AND g.stage != 'ingest'
            UNION ALL
            SELECT f.path || ',' || r.line || ',ingest,rejected' FROM rejections r JOIN run_files f USING (file_id) WHERE r.run_id = ?
            """, [.integer(run), .integer(run)]).compactMap { $0[0].text }
        let truth = defects.map { "\($0.path),\($0.line),\($0.stage),\($0.rule)" }
        #expect(found.sorted() == truth.sorted())
        #expect(try RunSummary.load(database, run: run).reconciles)
        // Every rejected row is also a finding against its agency, and ingest finds nothing else on a first night.
        #expect(try database.rows("SELECT count(*) FROM findings WHERE run_id = ? AND stage = 'ingest' AND rule_id != 'row_rejected'", [.integer(run)])
                == [[.integer(0)]])
        #expect(try database.rows("SELECT file_id, line FROM findings WHERE run_id = ? AND rule_id = 'row_rejected' ORDER BY file_id, line", [.integer(run)])
                == database.rows("SELECT file_id, line FROM rejections WHERE run_id = ? ORDER BY file_id, line", [.integer(run)]))
        // The ground truth file says the same.
        let file = try String(contentsOfFile: city + "/ground-truth.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(file.map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }.sorted() == truth.sorted())
    }

    @Test func theSameSeedWritesTheSameCity() throws {
        let root = try Paths.temporaryDirectory()
        let pipelines = Paths.packageRoot.appendingPathComponent("Pipelines").path
        _ = try CityGenerator(persons: 500, seed: 5, output: root.appendingPathComponent("a").path, pipelines: pipelines).write()
        _ = try CityGenerator(persons: 500, seed: 5, output: root.appendingPathComponent("b").path, pipelines: pipelines).write()
        _ = try CityGenerator(persons: 500, seed: 6, output: root.appendingPathComponent("c").path, pipelines: pipelines).write()
        for file in ["data/公安局/户籍人口.csv", "data/人社局/社保参保.csv", "data/市场监管局/市场主体.xml", "ground-truth.csv"] {
            let a = try Data(contentsOf: root.appendingPathComponent("a/" + file))
            #expect(a == (try Data(contentsOf: root.appendingPathComponent("b/" + file))), "\(file)")
        }
        #expect(try Data(contentsOf: root.appendingPathComponent("a/data/公安局/户籍人口.csv"))
                != (try Data(contentsOf: root.appendingPathComponent("c/data/公安局/户籍人口.csv"))))
    }
}
