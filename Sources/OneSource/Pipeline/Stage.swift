import Foundation

/// What a stage is given: the store, the catalog, the pipeline and the run it works for.
public final class StageContext {
    public let database: Database
    public let catalog: Catalog
    public let pipeline: PipelineDefinition
    public let runID: Int64
    public let log: RunLog
    /// Threads for parallel work; results are the same for any number.
    public let threads: Int
    /// Set by the runner when verify follows ingest in the same invocation: ingest then standardizes and
    /// verifies each batch as it stages it, instead of verify reading all of staging back afterwards.
    public var verifyWhileIngesting = false
    /// The verify stage's outcome when ingest already did its work (handed to the verify stage).
    public var verifiedDuringIngest: StageOutcome?
    /// How each dataset's keys arrived (ascending streams, nil: too many), counted by ingest as it verified:
    /// load then need not read the keys again to choose how to write.
    var keyStreamsDuringIngest: [String: Int?] = [:]
    /// The comparison computed while load ran, when compare follows load (it reads only the standardized tables).
    var comparisonsAhead: Pending<[CompareStage.Comparison]>?

    public init(database: Database, catalog: Catalog, pipeline: PipelineDefinition, runID: Int64, log: RunLog,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.database = database
        self.catalog = catalog
        self.pipeline = pipeline
        self.runID = runID
        self.log = log
        self.threads = max(1, threads)
    }
}

@available(*, unavailable)
extension StageContext: Sendable {}

/// What a stage reports when it finishes.
public struct StageOutcome: Sendable, Equatable {
    public var recordsIn: Int
    public var recordsOut: Int
    public var rejected: Int
    /// True when the stage ran to the end but found data defects (rejected rows, missing files).
    public var hasDefects: Bool
    public var message: String?

    public init(recordsIn: Int, recordsOut: Int, rejected: Int, hasDefects: Bool, message: String? = nil) {
        self.recordsIn = recordsIn
        self.recordsOut = recordsOut
        self.rejected = rejected
        self.hasDefects = hasDefects
        self.message = message
    }
}

/// One step of a pipeline. A stage reads what earlier stages stored for the run and replaces its own
/// output for the run in one transaction, so re-running it by hand is safe.
public protocol Stage: Sendable {
    var name: String { get }
    /// Refuses a re-run that would do harm, before anything is recorded (default: none).
    func preflight(_ context: StageContext) throws
    func run(_ context: StageContext) throws -> StageOutcome
}

extension Stage {
    public func preflight(_ context: StageContext) throws {}

    /// Refuses to redo this run's stage when a later run has already built on its output, as recorded in
    /// `ledger` (a table with one row per run that did the stage). `what` says what the later run did.
    func refuseIfLaterRun(in ledger: String, _ context: StageContext, did what: String) throws {
        if let later = try context.database.queryScalarInt("SELECT min(run_id) FROM \(ledger) WHERE run_id > ?", [.integer(context.runID)]) {
            throw PipelineError.stageFailed(stage: name, underlying:
                "run \(later) \(what) after run \(context.runID); re-running run \(context.runID)'s \(name) would undo its work")
        }
    }
}

/// Where stages say what they are doing; the CLI prints it, tests collect it.
public protocol RunLog: AnyObject {
    func info(_ message: String)
    /// How far a stage has got: records so far, and bytes read of the total when the stage reads files.
    func progress(stage: String, item: String, records: Int, bytes: Int64?, totalBytes: Int64?, elapsed: Double)
}

extension RunLog {
    public func progress(stage: String, item: String, records: Int, bytes: Int64?, totalBytes: Int64?, elapsed: Double) {}
}

/// A log that drops everything.
public final class SilentLog: RunLog {
    public init() {}
    public func info(_ message: String) {}
}
