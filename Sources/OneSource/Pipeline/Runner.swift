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

    /// Starts a new run of `pipeline` and runs every stage; returns the run id. `asOf` dates the run: its rules,
    /// deadlines and reports judge as on that day (nil: today in Beijing).
    /// - Throws: before the run is created, when the catalog or a stage name is invalid.
    public func run(_ pipeline: PipelineDefinition, asOf: CivilDate? = nil) throws -> Int64 {
        let checkpointer = try Checkpointer(writer: database)
        defer { checkpointer.stop() }
        let stages = try pipeline.stages.map(stage)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        _ = try pipeline.selectedDatasets(in: catalog)
        let ledger = RunLedger(database: database)
        let runID = try ledger.begin(pipeline, asOf: asOf)
        try AuditTrail(database: database).record("run_started", run: runID, path: pipeline.path, outcome: "started")
        log.info("run \(runID) of pipeline \(pipeline.name) started")
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        context.verifyWhileIngesting = Runner.verifyFollowsIngest(pipeline.stages)
        for (index, stage) in stages.enumerated() {
            startAhead(before: stage.name, next: pipeline.stages.dropFirst(index + 1).first, context)
            guard try execute(stage, context) else { break }
        }
        let status = try ledger.finish(runID)
        try AuditTrail(database: database).record("run_finished", run: runID, path: pipeline.path, outcome: status)
        applyRetention(pipeline)
        return runID
    }

    /// The pipeline's retention policy, after the run: the store keeps the delivered copies of the last runs only
    /// and gives the space back. A failure here leaves the run as it finished and is logged and audited.
    private func applyRetention(_ pipeline: PipelineDefinition) {
        guard let policy = pipeline.retention else { return }
        let started = Date()
        do {
            let retention = Retention(database: database)
            let outcome = try retention.prune(policy, reason: "pipeline \(pipeline.name)")
            let space = try retention.giveBackSpace()
            log.info("retention (keep \(policy.keepRuns) runs): \(outcome.summary); \(space.pages) free pages returned, store "
                     + String(format: "%.1f -> %.1f MB in %.2f s", Double(space.before) / 1_048_576, Double(space.after) / 1_048_576,
                              Date().timeIntervalSince(started)))
        } catch {
            log.info("retention failed, nothing of the run is affected: \(error)")
            try? AuditTrail(database: database).record("store_pruned", counts: "\(error)", outcome: "failed")
        }
    }

    /// Continues an interrupted run from its first stage that did not finish, through to the end.
    /// A stage killed half-way left nothing behind (each stage writes in one transaction), so it simply runs again.
    /// - Returns: the names of the stages run.
    @discardableResult
    public func resume(run runID: Int64) throws -> [String] {
        let checkpointer = try Checkpointer(writer: database)
        defer { checkpointer.stop() }
        let ledger = RunLedger(database: database)
        let record = try ledger.run(runID)
        let pipeline = try PipelineDefinition.parse(data: Data(record.definition.utf8), path: record.pipelinePath)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        try refuseIfPruned(runID)
        let states = try ledger.stages(of: runID)
        guard let first = states.firstIndex(where: { !$0.status.hasPrefix("done") }) else {
            throw PipelineError.nothingToResume(run: runID)
        }
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        try AuditTrail(database: database).record("run_resumed", run: runID, path: pipeline.path, counts: "from stage \(states[first].stage)",
                                                  outcome: "started")
        log.info("run \(runID): resuming at stage \(states[first].stage)")
        context.verifyWhileIngesting = Runner.verifyFollowsIngest(states[first...].map(\.stage))
        var ran: [String] = []
        let remaining = states[first...].map(\.stage)
        for (index, state) in states[first...].enumerated() {
            let stage = try stage(state.stage)
            startAhead(before: stage.name, next: remaining.dropFirst(index + 1).first, context)
            ran.append(stage.name)
            guard try execute(stage, context) else { break }
        }
        let status = try ledger.finish(runID)
        try AuditTrail(database: database).record("run_finished", run: runID, path: pipeline.path, outcome: status)
        applyRetention(pipeline)
        return ran
    }

    /// Compare reads only what verify wrote, not the bases: when it comes right after load, it starts
    /// computing on its own connections while load writes, and its stage then only records the findings.
    private func startAhead(before stage: String, next: String?, _ context: StageContext) {
        if stage == "load" && next == "compare" && threads > 1 && database.path != ":memory:" {
            context.comparisonsAhead = CompareStage.ahead(context)
        }
    }

    /// Ingest verifies as it stages when verify is the very next stage of the same invocation (a full run or a
    /// resume from ingest); re-running ingest alone by hand only stages.
    static func verifyFollowsIngest(_ stages: [String]) -> Bool {
        guard let ingest = stages.firstIndex(of: "ingest") else { return false }
        return stages.index(after: ingest) < stages.endIndex && stages[stages.index(after: ingest)] == "verify"
    }

    /// User and system processor time of the whole process so far (all threads), in seconds.
    static func processorSeconds() -> Double {
        let usage = resourceUsage()
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    /// The largest resident memory of the process so far, in megabytes.
    static func peakMegabytes() -> Int { resourceUsage().ru_maxrss / 1024 }

    private static func resourceUsage() -> rusage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage
    }

    /// Other names people use for a stage: standardization and verification are one stage.
    static let aliases = ["standardize": "verify"]

    /// Re-runs one stage of an existing run, replacing that stage's output for the run.
    public func rerun(stage requested: String, run runID: Int64) throws {
        let checkpointer = try Checkpointer(writer: database)
        defer { checkpointer.stop() }
        let name = Runner.aliases[requested] ?? requested
        let ledger = RunLedger(database: database)
        let record = try ledger.run(runID)
        let pipeline = try PipelineDefinition.parse(data: Data(record.definition.utf8), path: record.pipelinePath)
        guard pipeline.stages.contains(name) else {
            throw PipelineError.stageNotInPipeline(stage: name, run: runID, stages: pipeline.stages)
        }
        let stage = try stage(name)
        try refuseIfPruned(runID)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        try stage.preflight(context)
        log.info("run \(runID): re-running stage \(name)")
        if try execute(stage, context) {
            try ledger.invalidateAfter(runID, name)
        }
        _ = try ledger.finish(runID)
    }

    /// A run whose delivered copies the retention policy removed cannot run a stage again: it would read nothing.
    private func refuseIfPruned(_ runID: Int64) throws {
        if let at = try database.queryScalarText("SELECT min(pruned_at) FROM run_files WHERE run_id = ? AND pruned_at IS NOT NULL",
                                                 [.integer(runID)]) {
            throw PipelineError.pruned(run: runID, at: at)
        }
    }

    /// Runs one stage and records the outcome; returns false when it failed.
    private func execute(_ stage: any Stage, _ context: StageContext) throws -> Bool {
        let ledger = RunLedger(database: database)
        try ledger.stageStarted(context.runID, stage.name)
        let started = Date()
        let cpuStarted = Runner.processorSeconds()
        do {
            let outcome = try stage.run(context)
            try ledger.stageFinished(context.runID, stage.name, outcome)
            let audit = AuditTrail(database: database)
            try audit.record("stage_finished", run: context.runID, dataset: nil, path: stage.name,
                             counts: "in \(outcome.recordsIn), out \(outcome.recordsOut), rejected \(outcome.rejected)",
                             outcome: outcome.hasDefects ? "done_with_defects" : "done")
            if stage.name == "ingest" {
                for file in try database.rows("""
                    SELECT dataset_id, path, size_bytes, sha256, rows_read, rows_staged, rows_rejected, status FROM run_files WHERE run_id = ?
                    ORDER BY file_id
                    """, [.integer(context.runID)]) {
                    try audit.record("file_ingested", run: context.runID, dataset: file[0].text,
                                     path: (context.pipeline.dataRoot as NSString).appendingPathComponent(file[1].text ?? ""),
                                     size: file[2].integer, sha256: file[3].text,
                                     counts: "read \(file[4].integer ?? 0), staged \(file[5].integer ?? 0), rejected \(file[6].integer ?? 0)",
                                     outcome: file[7].text ?? "")
                }
            }
            log.info("stage \(stage.name): \(outcome.message ?? "done") (\(String(format: "%.2f", Date().timeIntervalSince(started))) s, "
                     + "\(String(format: "%.2f", Runner.processorSeconds() - cpuStarted)) s of processor time, peak memory so far \(Runner.peakMegabytes()) MB)")
            return true
        } catch {
            try ledger.stageFailed(context.runID, stage.name, "\(error)")
            try AuditTrail(database: database).record("stage_failed", run: context.runID, path: stage.name, counts: "\(error)", outcome: "failed")
            log.info("stage \(stage.name) failed: \(error)")
            return false
        }
    }
}

import Foundation
