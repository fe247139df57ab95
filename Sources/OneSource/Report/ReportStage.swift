import Foundation

/// The report stage: measures the run's quality (stored per run for trends) and writes the reports: one
/// HTML and JSON for the city, one per agency, and the metrics as CSV, into `<reports>/run-<id>/`.
public struct ReportStage: Stage {
    public let name = "report"
    public let reads: Set<StoreArea> = [.runFiles, .findings, .tasks, .quarantine]
    public let writes: Set<StoreArea> = [.metrics, .findings, .reports]

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
        let warnings = try context.database.transaction {
            try QualityMetrics.compute(context.database, catalog: context.catalog, datasets: datasets, run: context.runID)
            return try EarlyWarning.record(try EarlyWarning.slips(context.database, datasets: datasets, run: context.runID), context.database,
                                           catalog: context.catalog, run: context.runID)
        }
        let files = try ReportStage.write(context.database, catalog: context.catalog, run: context.runID, agency: nil, to: folder)
        return StageOutcome(recordsIn: 0, recordsOut: files.count, rejected: 0, hasDefects: false,
                            message: (warnings > 0 ? "\(warnings) early warning(s) (quality_slip: `onesource findings --run \(context.runID) "
                                      + "--rule quality_slip`); " : "") + "\(files.count) files in \(folder) (open \(folder)/index.html)")
    }

    /// Measures a run again and writes its reports to `folder` (by hand, `onesource report`), recorded in the audit trail;
    /// returns the paths.
    public static func writeReports(_ database: Database, catalog: Catalog, pipeline: PipelineDefinition, run runID: Int64, agency: String?,
                                    to folder: String) throws -> [String] {
        try database.transaction {
            let datasets = try pipeline.selectedDatasets(in: catalog)
            try QualityMetrics.compute(database, catalog: catalog, datasets: datasets, run: runID)
            try EarlyWarning.record(try EarlyWarning.slips(database, datasets: datasets, run: runID), database, catalog: catalog, run: runID)
        }
        let paths = try write(database, catalog: catalog, run: runID, agency: agency, to: folder)
        try AuditTrail(database: database).record("reports_written", run: runID, path: folder, counts: "\(paths.count) files", outcome: "written")
        return paths
    }

    /// Writes the index, the city's report and each agency's (or only `agency`'s), and metrics.csv; returns the paths.
    /// The folder is 0750 and the files 0640: reports hold masked data only, and are for the bureau's group.
    public static func write(_ database: Database, catalog: Catalog, run runID: Int64, agency: String?, to folder: String) throws -> [String] {
        try PrivateFile.makeFolder(folder, mode: 0o750)
        var written: [String] = []
        func save(_ bytes: [UInt8], _ name: String) throws {
            let path = try PathComponent.child(folder, name)
            try PrivateFile.write(bytes, to: path, mode: 0o640)
            written.append(path)
        }
        let listings = QualityReport.Listings()
        let city = try QualityReport.build(database, catalog: catalog, run: runID, agency: nil, listings: listings)
        let agencies = try catalog.agencies.map { try QualityReport.build(database, catalog: catalog, run: runID, agency: $0.code, listings: listings) }
        let ranking = HTMLReport.Ranking(city: city, agencies: agencies)
        if agency == nil {
            try save(Array(HTMLReport.renderIndex(ranking, catalog: catalog).utf8), "index.html")
            try save(Array(HTMLReport.render(city, catalog: catalog, ranking: ranking).utf8), "city.html")
            try save(Array(try city.json()), "city.json")
        }
        for report in agencies where agency == nil || agency == report.agency?.code {
            let stem = "agency-\(report.agency?.code ?? "")"
            try save(Array(HTMLReport.render(report, catalog: catalog, ranking: ranking).utf8), stem + ".html")
            try save(Array(try report.json()), stem + ".json")
        }
        var rows: [[String]] = [["run", "agency", "dataset", "dimension", "numerator", "denominator", "ratio"]]
        for metric in try MetricTable(database: database).metrics(run: runID, agency: agency, byDimension: true) {
            rows.append([String(metric.run), metric.agency, metric.dataset, metric.dimension, String(metric.numerator), String(metric.denominator),
                         String(format: "%.4f", metric.denominator == 0 ? 1 : Double(metric.numerator) / Double(metric.denominator))])
        }
        try save(CSVFile.bytes(rows), "metrics.csv")
        return written
    }
}
