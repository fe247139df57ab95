import Foundation

/// Runs a pipeline's stages in order against the store, recording each in the run ledger. It knows stages only
/// through the `Stage` protocols: which may do the next one's work as it goes, which may start early.
public struct Runner {
    public let database: Database
    public let log: RunLog
    public let threads: Int

    public init(database: Database, log: RunLog, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.database = database
        self.log = log
        self.threads = threads
    }

    private func stage(_ name: String) throws -> any Stage {
        guard let stage = Stages.byName[Stages.aliases[name] ?? name] else {
            throw PipelineError.unknownStage(name, known: Stages.all.map(\.name))
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
        let pagesBefore = try Retention(database: database).pageUse()
        let runID = try ledger.begin(pipeline: pipeline.name, path: pipeline.path, definition: pipeline.text, stages: pipeline.stages, asOf: asOf)
        try AuditTrail(database: database).record("run_started", run: runID, path: pipeline.path, outcome: "started")
        log.info("run \(runID) of pipeline \(pipeline.name) started")
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        try runInOrder(stages, context, checkpointer: checkpointer)
        let status = try ledger.finish(runID)
        try AuditTrail(database: database).record("run_finished", run: runID, path: pipeline.path, outcome: status.rawValue)
        applyRetention(pipeline, pagesBefore: pagesBefore)
        return runID
    }

    /// Continues an interrupted run from its first stage that did not finish, through to the end.
    /// A stage killed half-way left nothing behind (each stage writes in one transaction), so it simply runs again.
    /// - Returns: the names of the stages run.
    @discardableResult
    public func resume(run runID: Int64) throws -> [String] {
        let checkpointer = try Checkpointer(writer: database)
        defer { checkpointer.stop() }
        let ledger = RunLedger(database: database)
        let pipeline = try PipelineDefinition.of(try ledger.run(runID))
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        try refuseIfPruned(runID)
        let pagesBefore = try Retention(database: database).pageUse()
        let states = try ledger.stages(of: runID)
        guard let first = states.firstIndex(where: { !$0.status.isDone }) else {
            throw PipelineError.nothingToResume(run: runID)
        }
        try AuditTrail(database: database).record("run_resumed", run: runID, path: pipeline.path, counts: "from stage \(states[first].stage)",
                                                  outcome: "started")
        log.info("run \(runID): resuming at stage \(states[first].stage)")
        let stages = try states[first...].map { try stage($0.stage) }
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads)
        let ran = try runInOrder(stages, context, checkpointer: checkpointer)
        let status = try ledger.finish(runID)
        try AuditTrail(database: database).record("run_finished", run: runID, path: pipeline.path, outcome: status.rawValue)
        applyRetention(pipeline, pagesBefore: pagesBefore)
        return ran
    }

    /// Re-runs one stage of an existing run, replacing that stage's output for the run.
    public func rerun(stage requested: String, run runID: Int64) throws {
        let checkpointer = try Checkpointer(writer: database)
        defer { checkpointer.stop() }
        let stage = try stage(requested)
        let ledger = RunLedger(database: database)
        let pipeline = try PipelineDefinition.of(try ledger.run(runID))
        guard pipeline.stages.contains(stage.name) else {
            throw PipelineError.stageNotInPipeline(stage: stage.name, run: runID, stages: pipeline.stages)
        }
        try refuseIfPruned(runID)
        let catalog = try Catalog.load(directory: pipeline.catalogDirectory)
        let context = StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads,
                                   invocation: .byHand)
        try stage.preflight(context)
        // The stages after it will have to run again: refused now if any of them could not (a later run built on its
        // output), rather than after this one has set them pending for good.
        for later in pipeline.stages.drop(while: { $0 != stage.name }).dropFirst() {
            guard let next = Stages.byName[later] else { continue }
            do {
                try next.preflight(context)
            } catch {
                throw PipelineError.stageFailed(stage: stage.name, reason: "re-running it sets \(later) pending, and \(later) could not run again",
                                                cause: error)
            }
        }
        log.info("run \(runID): re-running stage \(stage.name)")
        if try execute(stage, context, checkpointer: checkpointer) {
            try ledger.invalidateAfter(runID, stage.name)
        }
        try ledger.finish(runID)
    }

    /// Runs `stages` in order until one fails. Before each, a later stage may start early (see `startsEarly`), and this
    /// one may be told to do the next one's work as it goes.
    /// - Returns: the names of the stages run.
    @discardableResult
    private func runInOrder(_ stages: [any Stage], _ context: StageContext, checkpointer: Checkpointer) throws -> [String] {
        var ran: [String] = []
        var early: [Int: EarlyWork] = [:]
        for (index, stage) in stages.enumerated() {
            let next = index + 1 < stages.count ? stages[index + 1] : nil
            let absorbs = next.flatMap { next in (stage as? any DoesNextStagesWork).map { $0.canDo(next.name) } } == true
            var parts: CommittedParts?
            if threads > 1, database.path != ":memory:", !(stage is any AppendsInBulk) {
                for later in stages.indices.dropFirst(index + 1) where early[later] == nil {
                    guard let starting = stages[later] as? any StartsEarly,
                          let waits = Runner.startsEarly(starting, beside: stage, after: stages[(index + 1)..<later]) else { continue }
                    if waits, parts == nil { parts = CommittedParts() }
                    early[later] = starting.startEarly(context.with(alsoDoing: nil, early: nil, parts: waits ? parts : nil))
                }
            }
            let own = context.with(alsoDoing: absorbs ? next?.name : nil, early: early.removeValue(forKey: index), parts: parts)
            ran.append(stage.name)
            // Whatever happens, no more parts come: work waiting for them stops waiting.
            let done = try { defer { parts?.end() }; return try execute(stage, own, checkpointer: checkpointer) }()
            guard done else { break }
        }
        return ran
    }

    /// Whether `later` may start while `stage` runs, the stages `between` them to follow: when none of them writes what
    /// it reads (false: nothing to wait for), or only `stage` does and only in the parts it commits one by one (true:
    /// its early work waits for the parts it reads). Nil when it may not.
    static func startsEarly(_ later: any StartsEarly, beside stage: any Stage, after between: ArraySlice<any Stage>) -> Bool? {
        guard between.allSatisfy({ $0.writes.isDisjoint(with: later.reads) && !($0 is any AppendsInBulk) }) else { return nil }
        let overlap = stage.writes.intersection(later.reads)
        if overlap.isEmpty { return false }
        guard let parted = stage as? any CommitsInParts, overlap.isSubset(of: parted.writesInParts) else { return nil }
        return true
    }

    /// The pipeline's retention policy, after the run: the store keeps the delivered copies of the last runs only
    /// and gives back the space the next night will not need: it keeps as many free pages as this night took since
    /// `pagesBefore` (see `Retention.giveBackSpace`). A failure here leaves the run as it finished and is logged and audited.
    private func applyRetention(_ pipeline: PipelineDefinition, pagesBefore: Retention.PageUse) {
        guard let policy = pipeline.retention else { return }
        let started = Date()
        do {
            let retention = Retention(database: database)
            let taken = try retention.pagesTaken(since: pagesBefore)
            let outcome = try retention.prune(policy, reason: "pipeline \(pipeline.name)")
            let space = try retention.giveBackSpace(keeping: taken)
            log.info("retention (keep \(policy.keepRuns) runs): \(outcome.summary); \(space.pages) free pages returned, \(space.kept) kept free "
                     + "for the next night (this one took \(taken)), store "
                     + String(format: "%.1f -> %.1f MB in %.2f s", Double(space.before) / 1_048_576, Double(space.after) / 1_048_576,
                              Date().timeIntervalSince(started)))
        } catch {
            log.info("retention failed, nothing of the run is affected: \(error)")
            try? AuditTrail(database: database).record("store_pruned", counts: "\(error)", outcome: "failed")
        }
    }

    /// A run whose delivered copies the retention policy removed cannot run a stage again: it would read nothing.
    private func refuseIfPruned(_ runID: Int64) throws {
        if let at = try RunFileTable(database: database).prunedAt(run: runID) {
            throw PipelineError.pruned(run: runID, at: at)
        }
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

    /// Runs one stage and records the outcome; returns false when it failed.
    private func execute(_ stage: any Stage, _ context: StageContext, checkpointer: Checkpointer) throws -> Bool {
        let ledger = RunLedger(database: database)
        try ledger.stageStarted(context.runID, stage.name)
        let started = Date()
        let cpuStarted = Runner.processorSeconds()
        // What the stage freed goes back to the system before the next one starts: the run's connection drops its page
        // cache (the next stage reads other tables, and the pages stay in the system's file cache), then the process
        // returns the freed memory (see `FreedMemory`).
        defer {
            try? database.execute("PRAGMA shrink_memory")
            FreedMemory.giveBack()
        }
        do {
            let outcome: StageOutcome
            if stage is any AppendsInBulk {
                let journal: Database.JournalUsed
                (outcome, journal) = try checkpointer.paused { try database.withRollbackJournal { try stage.run(context) } }
                if case .writeAheadLog(let reason) = journal {
                    log.info("\(stage.name) wrote through the write-ahead log, its pages twice: another connection had the store open (\(reason))")
                }
            } else {
                outcome = try stage.run(context)
            }
            try ledger.stageFinished(context.runID, stage.name, status: outcome.hasDefects ? .doneWithDefects : .done,
                                     recordsIn: outcome.recordsIn, recordsOut: outcome.recordsOut, rejected: outcome.rejected,
                                     message: outcome.message)
            try AuditTrail(database: database).record("stage_finished", run: context.runID, dataset: nil, path: stage.name,
                                                      counts: "in \(outcome.recordsIn), out \(outcome.recordsOut), rejected \(outcome.rejected)",
                                                      outcome: outcome.hasDefects ? "done_with_defects" : "done")
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

extension PipelineDefinition {
    /// The definition a run recorded (what it ran with, wherever the file is now).
    public static func of(_ run: RunLedger.Run) throws -> PipelineDefinition {
        try parse(data: Data(run.definition.utf8), path: run.pipelinePath)
    }
}
