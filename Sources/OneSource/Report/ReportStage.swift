import Foundation

/// The report stage: measures the run's quality (stored per run for trends) and writes the reports: one
/// HTML and JSON for the city, one per agency, and the metrics as CSV, into `<reports>/run-<id>/`.
public struct ReportStage: Stage {
    public let name = "report"
    public let reads: Set<StoreArea> = [.runFiles, .findings, .tasks, .quarantine]
    public let writes: Set<StoreArea> = [.metrics, .reports]

    public init() {}

    /// Before a night: the reports folder can be written (or created).
    public func check(_ context: CheckContext) -> [CheckFinding] {
        let folder = context.pipeline.reportsFolder(store: context.storePath)
        // Beside a store whose folder cannot be written, the store refuses first, with its own message (exit 1).
        let storeFolder = URL(fileURLWithPath: context.storePath).deletingLastPathComponent().path
        if context.pipeline.reportsDirectory == nil && !PipelineCheck.canWrite(into: storeFolder) { return [] }
        guard PipelineCheck.canWrite(into: folder) else {
            return [CheckFinding(.problem, file: context.pipeline.path, path: "$.reports", "reports folder \(folder) cannot be written by this user")]
        }
        return []
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let datasets = try context.pipeline.selectedDatasets(in: context.catalog)
        let folder = (context.pipeline.reportsFolder(store: context.database.path) as NSString).appendingPathComponent("run-\(context.runID)")
        try context.database.transaction {
            try QualityMetrics.compute(context.database, catalog: context.catalog, datasets: datasets, run: context.runID)
        }
        let files = try ReportStage.write(context.database, catalog: context.catalog, run: context.runID, agency: nil, to: folder)
        return StageOutcome(recordsIn: 0, recordsOut: files.count, rejected: 0, hasDefects: false,
                            message: "\(files.count) files in \(folder) (open \(folder)/city.html)")
    }

    /// Measures a run again and writes its reports to `folder` (by hand, `onesource report`), recorded in the audit trail;
    /// returns the paths.
    public static func writeReports(_ database: Database, catalog: Catalog, pipeline: PipelineDefinition, run runID: Int64, agency: String?,
                                    to folder: String) throws -> [String] {
        try database.transaction {
            try QualityMetrics.compute(database, catalog: catalog, datasets: try pipeline.selectedDatasets(in: catalog), run: runID)
        }
        let paths = try write(database, catalog: catalog, run: runID, agency: agency, to: folder)
        try AuditTrail(database: database).record("reports_written", run: runID, path: folder, counts: "\(paths.count) files", outcome: "written")
        return paths
    }

    /// Writes the city's report and each agency's (or only `agency`'s), and metrics.csv; returns the paths.
    public static func write(_ database: Database, catalog: Catalog, run runID: Int64, agency: String?, to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        func save(_ report: QualityReport, _ stem: String) throws {
            let html = try PathComponent.child(folder, stem + ".html")
            let json = try PathComponent.child(folder, stem + ".json")
            try Data(HTMLReport.render(report, catalog: catalog).utf8).write(to: URL(fileURLWithPath: html))
            try report.json().write(to: URL(fileURLWithPath: json))
            written += [html, json]
        }
        if agency == nil { try save(try QualityReport.build(database, catalog: catalog, run: runID, agency: nil), "city") }
        for code in catalog.agencies.map(\.code) where agency == nil || agency == code {
            try save(try QualityReport.build(database, catalog: catalog, run: runID, agency: code), "agency-\(code)")
        }
        var rows: [[String]] = [["run", "agency", "dataset", "dimension", "numerator", "denominator", "ratio"]]
        for metric in try MetricTable(database: database).metrics(run: runID, agency: agency, byDimension: true) {
            rows.append([String(metric.run), metric.agency, metric.dataset, metric.dimension, String(metric.numerator), String(metric.denominator),
                         String(format: "%.4f", metric.denominator == 0 ? 1 : Double(metric.numerator) / Double(metric.denominator))])
        }
        let csv = (folder as NSString).appendingPathComponent("metrics.csv")
        try Data(CSVFile.bytes(rows)).write(to: URL(fileURLWithPath: csv))
        written.append(csv)
        return written
    }
}
