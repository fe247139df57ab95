import Foundation

/// What a stage is given: the store, the catalog, the pipeline and the run it works for, and how the runner runs it.
/// Immutable: what one stage learns for a later one is recorded in the store.
public final class StageContext {
    public let database: Database
    public let catalog: Catalog
    public let pipeline: PipelineDefinition
    public let runID: Int64
    public let log: RunLog
    /// Threads for parallel work; results are the same for any number.
    public let threads: Int
    /// How the stage was started: in a run or resume, or alone by hand (`onesource stage`).
    public let invocation: Invocation
    /// Set when the stage also does the next stage's work as it goes (see `DoesNextStagesWork`).
    public let alsoDoing: String?
    /// The stage's own work started while an earlier stage ran (see `StartsEarly`).
    public let early: EarlyWork?
    /// Where a stage that commits in parts says which part it committed, and where work started early beside it waits
    /// for the parts it reads (see `CommitsInParts`); nil when nothing waits.
    public let parts: CommittedParts?

    public enum Invocation: Sendable {
        /// A new run, or a resumed one, running stages in order.
        case pipeline
        /// One stage re-run by hand: it redoes its whole work, whatever earlier invocations recorded.
        case byHand
    }

    public init(database: Database, catalog: Catalog, pipeline: PipelineDefinition, runID: Int64, log: RunLog,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, invocation: Invocation = .pipeline,
                alsoDoing: String? = nil, early: EarlyWork? = nil, parts: CommittedParts? = nil) {
        self.database = database
        self.catalog = catalog
        self.pipeline = pipeline
        self.runID = runID
        self.log = log
        self.threads = max(1, threads)
        self.invocation = invocation
        self.alsoDoing = alsoDoing
        self.early = early
        self.parts = parts
    }

    /// The same context for another stage of the invocation.
    func with(alsoDoing: String?, early: EarlyWork?, parts: CommittedParts? = nil) -> StageContext {
        StageContext(database: database, catalog: catalog, pipeline: pipeline, runID: runID, log: log, threads: threads,
                     invocation: invocation, alsoDoing: alsoDoing, early: early, parts: parts)
    }
}

@available(*, unavailable)
extension StageContext: Sendable {}

/// Work a `StartsEarly` stage began before its turn; it alone knows what is inside.
public final class EarlyWork: @unchecked Sendable {   // `value` is set once, before the work is handed over
    let value: Any
    init(_ value: Any) { self.value = value }
}

/// What a stage reads and writes in the store. The runner starts a stage early only when it reads nothing the stage
/// before it writes.
public enum StoreArea: Sendable, Hashable {
    case files, runFiles, staging, rejections, standardized, findings, bases, quarantine, history, seals, tasks, metrics, reports
}

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
/// output for the run in one transaction (or in parts, each whole: `CommitsInParts`), so re-running it by hand is safe.
public protocol Stage: Sendable {
    var name: String { get }
    /// What it reads and writes in the store.
    var reads: Set<StoreArea> { get }
    var writes: Set<StoreArea> { get }
    /// Refuses a re-run that would do harm, before anything is recorded (default: none).
    func preflight(_ context: StageContext) throws
    /// What this stage needs before a night, checked without writing anything (`onesource check`; default: nothing).
    func check(_ context: CheckContext) -> [CheckFinding]
    func run(_ context: StageContext) throws -> StageOutcome
}

/// A stage that can do the next stage's work as it goes (ingest verifies each batch as it stages it, in its own
/// transaction). When that stage follows in the same invocation, the runner says so (`StageContext.alsoDoing`); the
/// next stage then finds its work recorded in the store.
public protocol DoesNextStagesWork: Stage {
    /// Whether it can do the work of the stage named `next`.
    func canDo(_ next: String) -> Bool
}

/// A stage that can compute before its turn, on connections of its own, while an earlier stage writes: the runner
/// starts it beside the first stage from which on no stage before it writes what it reads, or writes it only in
/// parts it commits one by one (`CommitsInParts`; the early work then waits in `StageContext.parts` for the parts it
/// reads), and hands the work over in `StageContext.early`.
public protocol StartsEarly: Stage {
    func startEarly(_ context: StageContext) -> EarlyWork
}

/// A stage that commits its output in parts, each in a transaction of its own (load: a base after the other), and says
/// in `StageContext.parts` which part it committed. A reader of `writesInParts` sees each part whole, or not yet.
public protocol CommitsInParts: Stage {
    /// The areas it writes part by part; a later stage reading only these of its writes may start beside it.
    var writesInParts: Set<StoreArea> { get }
}

/// The parts a `CommitsInParts` stage has committed, for work started early beside it to wait on.
public final class CommittedParts: @unchecked Sendable {   // every field is read and written under `condition`
    private let condition = NSCondition()
    private var committed: Set<String> = []
    private var ended = false
    private var waitedFor: Set<String> = []

    public init() {}

    /// Work started early says which parts it will wait for, before the stage starts (which may then commit those first).
    public func willWait(for parts: Set<String>) {
        condition.lock()
        waitedFor.formUnion(parts)
        condition.unlock()
    }

    /// The parts work started early waits for.
    public var awaited: Set<String> {
        condition.lock()
        defer { condition.unlock() }
        return waitedFor
    }

    /// The stage committed `part` (a name it and its readers agree on: load's are base ids).
    public func commit(_ part: String) {
        condition.lock()
        committed.insert(part)
        condition.broadcast()
        condition.unlock()
    }

    /// The stage ended, done or failed: no more parts come.
    public func end() {
        condition.lock()
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    /// The parts committed so far and whether the stage ended; waits first while the stage runs and `ready` says
    /// nothing committed yet is of use.
    public func wait(until ready: (Set<String>) -> Bool) -> (parts: Set<String>, ended: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while !ended && !ready(committed) { condition.wait() }
        return (committed, ended)
    }
}

/// A stage whose transaction writes mostly pages the store does not have yet (ingest's staging and standardized rows):
/// the runner runs it with a rollback journal instead of the write-ahead log when nothing else has the store open, so
/// those pages are written once (`Database.withRollbackJournal`), and starts no early work beside it.
public protocol AppendsInBulk: Stage {}

extension Stage {
    public func preflight(_ context: StageContext) throws {}
    public func check(_ context: CheckContext) -> [CheckFinding] { [] }

    /// Refuses to redo this run's stage when a later run has already built on its output, as recorded in `table`.
    /// `what` says what the later run did.
    func refuseIfLaterRun(in table: RunLedger.LedgerTable, _ context: StageContext, did what: String) throws {
        if let later = try RunLedger(database: context.database).laterRun(than: context.runID, in: table) {
            throw PipelineError.stageFailed(stage: name, reason:
                "run \(later) \(what) after run \(context.runID); re-running run \(context.runID)'s \(name) would undo its work", cause: nil)
        }
    }
}

/// Where stages say what they are doing; the CLI prints it, tests collect it. Called from the run's thread.
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
