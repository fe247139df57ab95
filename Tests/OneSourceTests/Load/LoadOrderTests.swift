import Foundation
import Testing
@testable import OneSource

@Suite struct KeyOrderTests {
    @Test func countsTheAscendingStreamsKeysArriveIn() {
        #expect(KeyOrder.streams([String](), limit: 4) == 0)
        #expect(KeyOrder.streams(["a", "b", "c"], limit: 4) == 1)
        #expect(KeyOrder.streams(["a", "a", "b", "b"], limit: 4) == 1)           // equal keys extend a stream
        // Three districts registered in date order, interleaved.
        let interleaved = (0..<30).map { i in "32120\(i % 3)1990\(String(format: "%04d", i / 3))" }
        #expect(KeyOrder.streams(interleaved, limit: 4) == 3)
        #expect(KeyOrder.streams(["c", "b", "a"], limit: 4) == 3)
        #expect(KeyOrder.streams(["e", "d", "c", "b", "a"], limit: 4) == nil)    // gives up past the limit
        #expect(KeyOrder.streams(["b", "a"], limit: 0) == nil)
        // The fewest, not the first greedy guess: 3 1 2 4 5 needs two streams (3 4 5 and 1 2).
        #expect(KeyOrder.streams(["3", "1", "2", "4", "5"], limit: 4) == 2)
        // Byte order as SQLite compares: "X" (0x58) sorts after digits, "泰" after every ASCII byte.
        #expect(KeyOrder.streams(["32120219900101001", "3212021990010100X", "泰州"], limit: 4) == 1)
        #expect(KeyOrder.streams(["泰州", "Z"], limit: 4) == 2)
    }

    @Test func byteOrderMatchesSQLite() throws {
        let database = try Database(path: ":memory:")
        let keys = ["b", "B", "ab", "a", "", "泰州", "Z9", "z", "3212", "32120", "é", "e\u{301}"]
        let sorted = try database.rows("SELECT column1 FROM (VALUES " + keys.map { "('\($0)')" }.joined(separator: ", ")
                                       + ") ORDER BY column1").compactMap { $0[0].text }
        #expect(keys.sorted(by: TextBytes.less) == sorted)
    }

    /// Keys whose lengths change from one to the next of a stream. Within each stream the keys ascend, so a descending
    /// run takes at most one key per stream: the count is the number of streams.
    @Test func countsStreamsOfKeysThatGrowAndShrink() {
        // Growing: "s0", "s1" … "s4", then "s0z", "s1z" …: every key is longer than its stream's last, so it is stored
        // anew each time, and the room left behind (over 4 KiB by round 200) is compacted away on the way.
        // Descending run: "s4" > "s3z" > "s2zz" > "s1zzz" > "s0zzzz".
        var growing = KeyOrder.Tally(limit: 256)
        for round in 0..<200 {
            for stream in 0..<5 { growing.add("s\(stream)" + String(repeating: "z", count: round)) }
        }
        #expect(growing.streams == 5)
        // Shrinking: "0" + 40 × "a" + "b" < "0" + 39 × "a" + "b" …: each key fits where its stream's last one was.
        var shrinking = KeyOrder.Tally(limit: 256)
        for round in 0..<40 {
            for stream in 0..<3 { shrinking.add("\(stream)" + String(repeating: "a", count: 40 - round) + "b") }
        }
        #expect(shrinking.streams == 3)
        // Past the limit the count gives up, whatever the lengths.
        var limited = KeyOrder.Tally(limit: 4)
        for round in 0..<200 {
            for stream in 0..<5 { limited.add("s\(stream)" + String(repeating: "z", count: round)) }
        }
        #expect(limited.streams == nil)
    }

    @Test func countsKeyByKeyAsRecordsGoBy() {
        var counter = KeyOrder.Tally(limit: 2)
        #expect(counter.streams == 0)
        for key in ["b", "c", "a", "d"] { counter.add(key) }
        #expect(counter.streams == 2)                // b c d and a
        counter.add("0")
        #expect(counter.streams == nil)              // a third stream is past the limit
        counter.add("z")
        #expect(counter.streams == nil)              // and stays so
    }

    final class Lines: RunLog {
        private let lock = NSLock()
        private var lines: [String] = []
        func info(_ message: String) { lock.lock(); lines.append(message); lock.unlock() }
        func matching(_ prefix: String) -> [String] { lock.lock(); defer { lock.unlock() }; return lines.filter { $0.hasPrefix(prefix) } }
    }

    /// In a full run ingest counts the streams as it verifies, and load follows that count.
    @Test func aFullRunLoadsByIngestsCount() throws {
        let city = try SampleCity()
        for (limit, expected) in [(0, "keys arrived out of order, each source sorted first: gongan_household "),
                                  (1_000_000, "written as delivered: gongan_household ")] {
            let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
            let log = Lines()
            _ = try KeyOrder.$streamLimit.withValue(limit) {
                try Runner(database: database, log: log, threads: 2).run(try PipelineDefinition.load(path: city.pipeline.path))
            }
            let persons = log.matching("persons: ").filter { $0.contains("merged and written") }
            #expect(persons.count == 1)
            #expect(persons.allSatisfy { $0.contains(expected) }, "\(persons)")
            // Counted during ingest: load did not read the keys again.
            #expect(persons.allSatisfy { $0.contains("order checked in 0.00 s") }, "\(persons)")
            // As delivered or sorted, each feeding dataset's time is given, in the order its rows went in.
            let timed = persons.first.map { line in
                ["gongan_household", "minzheng_deaths", "renshe_insured"].compactMap { line.range(of: "\($0) ")?.lowerBound }
            } ?? []
            #expect(timed.count == 3 && timed == timed.sorted(), "\(persons)")
        }
    }

    /// Rows inserted as delivered and rows sorted first give the same bases, history and counts, on a first
    /// load and on a second night's merge into a base that already has rows.
    @Test func loadingAsDeliveredEqualsLoadingSorted() throws {
        let city = try SampleCity()
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let runner = Runner(database: database, log: SilentLog())
        func snapshot() throws -> [[SQLValue]] {
            var rows: [[SQLValue]] = []
            for table in ["base_persons", "base_legal_entities", "base_licences", "base_credit_records", "base_addresses", "base_divisions"] {
                rows += try database.rows("SELECT * FROM \(table) ORDER BY record_key")
            }
            return rows + (try database.rows("""
                SELECT base, record_key, element, old_value, old_file_id, old_line, new_value, new_file_id, new_line, replaced_by_run
                FROM base_history ORDER BY base, record_key, element
                """)) + (try database.rows("SELECT run_id, base, records, inserted, changed, values_changed FROM base_loads ORDER BY run_id, base"))
        }
        let first = try city.run(database)
        try KeyOrder.$streamLimit.withValue(0) { try runner.rerun(stage: "load", run: first) }
        let sorted = try snapshot()
        try KeyOrder.$streamLimit.withValue(1_000_000) { try runner.rerun(stage: "load", run: first) }
        #expect(try snapshot() == sorted)
        #expect(sorted.count == 2487)   // every base row, history row and load count of the sample city
        // A second night that changes a name: merged into the loaded base either way.
        try city.edit("data/公安局/户籍人口.csv") { $0.replacingOccurrences(of: ",余勇,", with: ",余永,") }
        let second = try city.run(database)
        try KeyOrder.$streamLimit.withValue(0) { try runner.rerun(stage: "load", run: second) }
        let sortedAgain = try snapshot()
        try KeyOrder.$streamLimit.withValue(1_000_000) { try runner.rerun(stage: "load", run: second) }
        #expect(try snapshot() == sortedAgain)
        #expect(try database.queryScalarInt("SELECT count(*) FROM base_history WHERE replaced_by_run = ?", [.integer(second)]) ?? 0 > 0)
        // The merged tables of a loaded base lived in the load's scratch database, which is gone with them.
        #expect(try database.queryScalarInt("SELECT count(*) FROM pragma_database_list WHERE name = 'scratch'") == 0)
        #expect(try database.queryScalarInt("SELECT count(*) FROM temp.sqlite_master") == 0)
    }

    /// When the authority of an element feeds the base after another source (人社局 made the authority of names, which
    /// 公安局 delivers first), its values replace the other's wherever it delivered one, and only there; as delivered and
    /// sorted agree.
    @Test func aLaterAuthorityReplacesAnEarlierSourcesValues() throws {
        let city = try SampleCity()
        let entry = "\"id\": \"person.name\",\n      \"name\": \"姓名\",\n      \"standard\": \"person_name\",\n      \"authority\": "
        try city.edit("catalog/elements.json") { $0.replacingOccurrences(of: entry + "\"gongan\"", with: entry + "\"renshe\"") }
        let catalog = try Catalog.load(directory: city.catalog.path)
        #expect(catalog.element("person.name")?.authority == "renshe")
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let runner = Runner(database: database, log: SilentLog())
        let run = try city.run(database)
        func names() throws -> [[SQLValue]] {
            try database.rows("SELECT record_key, \"person.name\", \"person.name:file\", \"person.name:line\" FROM base_persons ORDER BY record_key")
        }
        try KeyOrder.$streamLimit.withValue(1_000_000) { try runner.rerun(stage: "load", run: run) }
        let delivered = try names()
        try KeyOrder.$streamLimit.withValue(0) { try runner.rerun(stage: "load", run: run) }
        #expect(try names() == delivered)
        // Every key 人社局 delivered a name for has 人社局's name, from its file and line; every other key keeps 公安局's.
        let renshe = try #require(try database.queryScalarInt("SELECT file_id FROM run_files WHERE run_id = ? AND dataset_id = 'renshe_insured'", [.integer(run)]))
        let gongan = try #require(try database.queryScalarInt("SELECT file_id FROM run_files WHERE run_id = ? AND dataset_id = 'gongan_household'", [.integer(run)]))
        let fromRenshe = try database.queryScalarInt("""
            SELECT count(*) FROM base_persons b WHERE "person.name:file" = ? AND EXISTS (SELECT 1 FROM std_renshe_insured r
              WHERE r.record_key = b.record_key AND r.has_error = 0 AND r."person.name" = b."person.name" AND r.line = b."person.name:line")
            """, [.integer(renshe)])
        let rensheKeys = try database.queryScalarInt("""
            SELECT count(DISTINCT record_key) FROM std_renshe_insured WHERE run_id = ? AND has_error = 0 AND record_key <> '' AND "person.name" IS NOT NULL
            """, [.integer(run)])
        #expect(fromRenshe == rensheKeys)
        #expect(fromRenshe == 701)
        let fromGongan = try database.queryScalarInt("SELECT count(*) FROM base_persons WHERE \"person.name:file\" = ?", [.integer(gongan)])
        let withName = try database.queryScalarInt("SELECT count(*) FROM base_persons WHERE \"person.name\" IS NOT NULL")
        #expect(fromGongan.map { $0 + (fromRenshe ?? 0) } == withName)
    }
}

@Suite struct MultiRowInsertTests {
    /// Rows share the run and file parameters; each row has its own numbered parameters, in order.
    @Test func numbersEachRowsParametersAfterTheSharedOnes() {
        #expect(StagingTable.multiRowInsert(into: "stg_x", rowColumns: ["rowid"], sharedColumns: ["run_id", "file_id"],
                                            rowOnlyColumns: ["line", "person.name"], rows: 2)
                == #"INSERT OR FAIL INTO "stg_x" ("rowid", "run_id", "file_id", "line", "person.name") VALUES (?3, ?1, ?2, ?4, ?5), (?6, ?1, ?2, ?7, ?8)"#)
        #expect(StagingTable.multiRowInsert(into: "t", rowColumns: ["a"], sharedColumns: [], rowOnlyColumns: [], rows: 1)
                == #"INSERT OR FAIL INTO "t" ("a") VALUES (?1)"#)
    }
}
