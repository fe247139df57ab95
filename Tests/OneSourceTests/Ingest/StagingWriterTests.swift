import Foundation
import Testing
@testable import OneSource

/// The staging writer counts the rowids SQLite gives its rows; the standardized rows and each file's range are keyed by them.
@Suite struct StagingWriterTests {
    /// A batch of `count` records of `dataset`, every field set to "r<record>f<field>".
    func batch(_ dataset: Dataset, records: Range<Int>) throws -> RecordBatch {
        let fields = RecordFields(fieldNames: dataset.fields.map(\.element))
        var batch = RecordBatch(fieldCount: fields.count)
        for record in records {
            fields.reset()
            for slot in 0..<fields.count { fields.setString(slot, "r\(record)f\(slot)") }
            #expect(fields.seal(transcoded: false) == nil)
            fields.line = record + 2
            fields.index = record
            batch.append(fields)
        }
        return batch
    }

    func setUp() throws -> (Database, StagingTable, Dataset) {
        let catalog = try Catalog.load(directory: Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path)
        let dataset = try #require(catalog.dataset("gongan_household"))
        let database = try Database(path: ":memory:")
        try Schema.migrate(database)
        let table = StagingTable(dataset: dataset)
        try table.ensure(in: database)
        return (database, table, dataset)
    }

    /// 70 records (two statements of 32, then six one by one), then a second file of 5: the first rowid each statement
    /// reports is where its rows are, and the second file goes on from the first's last row.
    @Test func rowsTakeTheRowidsTheWriterCounts() throws {
        let (database, table, dataset) = try setUp()
        var reported: [(records: Range<Int>, first: Int64)] = []
        let writer = try StagingWriter(database: database, table: table, runID: 1, fileID: 1, datasetID: dataset.id)
        try writer.write(try batch(dataset, records: 0..<70)) { records, first, _ in reported.append((records, first)) }
        #expect(reported.map(\.records) == [0..<32, 32..<64, 64..<65, 65..<66, 66..<67, 67..<68, 68..<69, 69..<70])
        #expect(reported.map(\.first) == [1, 33, 65, 66, 67, 68, 69, 70])
        let second = try StagingWriter(database: database, table: table, runID: 1, fileID: 2, datasetID: dataset.id)
        reported = []
        try second.write(try batch(dataset, records: 100..<105)) { records, first, _ in reported.append((records, first)) }
        #expect(reported.map(\.first) == [71, 72, 73, 74, 75])
        let rows = try database.rows("SELECT rowid, file_id, line, record_index FROM \(StagingTable.quote(table.name)) ORDER BY rowid")
        #expect(rows.count == 75)
        #expect(rows.map { $0[0].integer } == (1...75).map { Int64?(Int64($0)) })
        #expect(rows[69].map(\.integer) == [70, 1, 71, 69])
        #expect(rows[70].map(\.integer) == [71, 2, 102, 100])
        let column = StagingTable.quote(dataset.fields[0].element)
        #expect(try database.queryScalarText("SELECT \(column) FROM \(StagingTable.quote(table.name)) WHERE rowid = 33") == "r32f0")
    }

    /// A row written to the table behind the writer's back moves SQLite's next rowid: the writer stops with the table
    /// and both rowids named instead of linking standardized rows to the wrong records.
    @Test func anotherWriterStopsIt() throws {
        let (database, table, dataset) = try setUp()
        let writer = try StagingWriter(database: database, table: table, runID: 1, fileID: 1, datasetID: dataset.id)
        try database.run("INSERT INTO \(StagingTable.quote(table.name)) (rowid, run_id, file_id, record_index) VALUES (500, 1, 9, 0)")
        var staged = 0
        let error = #expect(throws: StagingRowIDError.self) {
            try writer.write(try batch(dataset, records: 0..<3)) { records, _, _ in staged += records.count }
        }
        #expect(staged == 0)
        #expect(error?.description == "staging table stg_gongan_household: the last row written got rowid 501, not 1 as counted; stopped so that no standardized row is linked to the wrong record")
    }

    /// Staging rows take SQLite's next rowid, standardized rows the staging rowid they are given: a run that only
    /// ingested leaves staging ahead of the standardized table, and the later runs' standardized rows must still land
    /// on their own staging rows.
    @Test func standardizedRowsMeetTheirStagingRowsWhateverCameBefore() throws {
        let root = try Paths.temporaryDirectory()
        try writeEntitiesXML(100, under: root)
        let catalog = Paths.packageRoot.appendingPathComponent("Pipelines/catalog").path
        func pipeline(_ stages: String) throws -> PipelineDefinition {
            let file = root.appendingPathComponent("p.json")
            let divisions = Paths.packageRoot.appendingPathComponent("Pipelines/divisions/gbt2260.tsv").path
            try #"{"name": "t", "catalog": "\#(catalog)", "dataRoot": "data", "divisions": "\#(divisions)", "stages": \#(stages), "datasets": ["shichang_entities"]}"#
                .write(to: file, atomically: true, encoding: .utf8)
            return try PipelineDefinition.load(path: file.path)
        }
        let database = try Store.open(path: root.appendingPathComponent("store.sqlite").path)
        let runner = Runner(database: database, log: SilentLog())
        for stages in [#"["ingest"]"#, #"["ingest", "verify"]"#, #"["ingest", "verify"]"#] {
            let run = try runner.run(try pipeline(stages))
            // Done, with defects once verified: "C1" is no credit code.
            #expect(try RunSummary.load(database, run: run).run.status == (stages.contains("verify") ? .doneWithDefects : .done), "\(stages)")
        }
        #expect(try database.queryScalarInt("SELECT count(*) FROM stg_shichang_entities") == 300)
        let rowids = try database.rows("SELECT staging_rowid FROM std_shichang_entities ORDER BY staging_rowid").map { $0[0].integer }
        #expect(rowids == (101...300).map { Int64?(Int64($0)) })
        #expect(try database.queryScalarInt("""
            SELECT count(*) FROM std_shichang_entities s JOIN stg_shichang_entities g ON g.rowid = s.staging_rowid
            WHERE g.run_id = s.run_id AND g.file_id = s.file_id AND g.line = s.line AND g.record_index = s.record_index
            """) == 200)
    }
}
