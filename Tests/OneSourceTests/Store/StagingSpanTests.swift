import Foundation
import Testing
@testable import OneSource

/// Where a run's rows lie in the staging and standardized tables, so stages read them without scanning the runs kept
/// before it.
@Suite struct StagingSpanTests {
    @Test func aRunsRowsLieWithinItsSpanAndNoOtherRunsDo() throws {
        let city = try SampleCity()
        let database = try Store.open(path: try Paths.temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let first = try city.run(database)
        let second = try city.run(database)
        let files = RunFileTable(database: database)
        let spans = (try files.stagingSpans(run: first), try files.stagingSpans(run: second))
        let datasets = try PipelineDefinition.load(path: city.pipeline.path).selectedDatasets(in: try Catalog.load(directory: city.catalog.path))
        #expect(datasets.count == 8)
        #expect(Set(spans.0.keys) == Set(datasets.map(\.id)) && Set(spans.1.keys) == Set(datasets.map(\.id)))
        for dataset in datasets {
            let table = StagingTable.quote(StandardizedTable(dataset: dataset).name)
            for (run, span) in [(first, spans.0[dataset.id]), (second, spans.1[dataset.id])] {
                // Exactly the run's rows: the first and last of them, and every one of them inside.
                let row = try database.rows("SELECT min(staging_rowid), max(staging_rowid), count(*) FROM \(table) WHERE run_id = ?", [.integer(run)])[0]
                #expect(span == row[0].integer.flatMap { low in row[1].integer.map { low...$0 } }, "\(dataset.id) run \(run)")
                let inside = try database.queryScalarInt("SELECT count(*) FROM \(table) WHERE run_id = ?\(StandardizedTable.within(span))",
                                                         [.integer(run)])
                #expect(inside == row[2].integer, "\(dataset.id) run \(run)")
            }
            // The second night's rows come after the first's: a read of the second never touches the first.
            if let before = spans.0[dataset.id], let after = spans.1[dataset.id] { #expect(before.upperBound < after.lowerBound, "\(dataset.id)") }
        }
        #expect(try files.stagingSpans(run: second + 1).isEmpty)
        #expect(StandardizedTable.within(7...42) == " AND staging_rowid BETWEEN 7 AND 42")
        #expect(StandardizedTable.within(7...42, alias: "s") == " AND s.staging_rowid BETWEEN 7 AND 42")
        #expect(StandardizedTable.within(nil, alias: "s") == "")
    }
}
