/// Runs a pipeline's stages in order against the store, recording each in the run ledger.
public struct Runner {
    /// Every stage OneSource knows, by the name pipeline definitions use.
    public static let knownStages: [String: any Stage] = [
        "ingest": IngestStage(),
        "verify": VerifyStage(),
        "load": LoadStage(),
        "compare": CompareStage(),
        "associate": AssociateStage(),
        "rectify": RectifyStage(),
        "report": ReportStage(),
    ]

    public let database: Database
    public let log: RunLog
    public let threads: Int

    public init(database: Database, log: RunLog, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.database = database
        self.log = log
        self.threads = threads
    }

    private func stage(_ name: String) throws -> any Stage {
        guard let stage = Runner.knownStages[name] else {
            throw PipelineError.unknownStage(name, known: Runner.knownStages.keys.sorted())
        }
        return stage
    }

    /// Starts a new run of `pipeline` and runs every stage; returns the run id.
    /// - Throws: before the run is created, when the catalog or a stage name is invalid.
    public func run(_ pipeline: PipelineDefinition) throws -> Int64 {
        let stages = try pipeline.stages.map(stage)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        _ = try pipeline.selectedDatasets(in: catalog)
        let ledger = RunLedger(database: database)
        let runID = try ledger.begin(pipeline)
        log.info("run \(runID) of pipeline \(pipeline.name) started")
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        for stage in stages {
            guard try execute(stage, context) else { break }
        }
        _ = try ledger.finish(runID)
        return runID
    }

    /// Other names people use for a stage: standardization and verification are one stage.
    static let aliases = ["standardize": "verify"]

    /// Re-runs one stage of an existing run, replacing that stage's output for the run.
    public func rerun(stage requested: String, run runID: Int64) throws {
        let name = Runner.aliases[requested] ?? requested
        let ledger = RunLedger(database: database)
        let record = try ledger.run(runID)
        let pipeline = try PipelineDefinition.parse(data: Data(record.definition.utf8), path: record.pipelinePath)
        guard pipeline.stages.contains(name) else {
            throw PipelineError.stageNotInPipeline(stage: name, run: runID, stages: pipeline.stages)
        }
        let stage = try stage(name)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        try stage.preflight(context)
        log.info("run \(runID): re-running stage \(name)")
        if try execute(stage, context) {
            try ledger.invalidateAfter(runID, name)
        }
        _ = try ledger.finish(runID)
    }

    /// Runs one stage and records the outcome; returns false when it failed.
    private func execute(_ stage: any Stage, _ context: StageContext) throws -> Bool {
        let ledger = RunLedger(database: database)
        try ledger.stageStarted(context.runID, stage.name)
        let started = Date()
        do {
            let outcome = try stage.run(context)
            try ledger.stageFinished(context.runID, stage.name, outcome)
            log.info("stage \(stage.name): \(outcome.message ?? "done") (\(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
            return true
        } catch {
            try ledger.stageFailed(context.runID, stage.name, "\(error)")
            log.info("stage \(stage.name) failed: \(error)")
            return false
        }
    }
}

import Foundation
