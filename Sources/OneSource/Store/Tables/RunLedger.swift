import Foundation

/// The run ledger in the store: runs, their stages, and (written by ingest) their input files.
public struct RunLedger {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// A run as the ledger knows it.
    public struct Run: Sendable, Equatable {
        public let id: Int64
        public let pipeline: String
        public let pipelinePath: String
        public let definition: String
        public let startedAt: String
        public let finishedAt: String?
        public let status: RunStatus
        public let user: String
        public let host: String
        /// The date the run was told to judge as of (`run --as-of`), when it was.
        public let asOf: String?

        /// "Today" for every rule, deadline and report of the run, so a re-run judges alike: the `--as-of` date, or
        /// the city date the run started on.
        public var date: CivilDate {
            asOf.flatMap(CivilDate.init(iso:)) ?? CivilDate(iso: String(startedAt.prefix(10))) ?? CivilDate.of(Date())
        }
    }

    /// One stage of a run.
    public struct StageRecord: Sendable, Equatable {
        public let stage: String
        public let status: StageStatus
        public let recordsIn: Int
        public let recordsOut: Int
        public let rejected: Int
        public let message: String?
    }

    /// Opens a run of the pipeline `pipeline` (its file and text), with every stage pending; `asOf` dates it (nil: today).
    public func begin(pipeline: String, path: String, definition: String, stages: [String], asOf: CivilDate? = nil) throws -> Int64 {
        try database.transaction {
            try database.run("""
                INSERT INTO runs (pipeline, pipeline_path, definition, started_at, status, user_name, host_name, as_of)
                VALUES (?, ?, ?, ?, 'running', ?, ?, ?)
                """, [.text(pipeline), .text(path), .text(definition), .text(Clock.now()),
                      .text(Clock.userName()), .text(Clock.hostName()), .optional(asOf?.description)])
            let id = database.lastInsertRowID
            for (position, stage) in stages.enumerated() {
                try database.run("INSERT INTO run_stages (run_id, stage, position, status) VALUES (?, ?, ?, 'pending')",
                                 [.integer(id), .text(stage), .int(position)])
            }
            return id
        }
    }

    public func run(_ id: Int64) throws -> Run {
        let statement = try database.prepare("""
            SELECT run_id, pipeline, pipeline_path, definition, started_at, finished_at, status, user_name, host_name, as_of
            FROM runs WHERE run_id = ?
            """)
        try statement.bind([.integer(id)])
        guard try statement.step() else { throw StoreError.noSuchRun(id) }
        return Run(id: statement.int64(0), pipeline: statement.text(1) ?? "", pipelinePath: statement.text(2) ?? "",
                   definition: statement.text(3) ?? "", startedAt: statement.text(4) ?? "", finishedAt: statement.text(5),
                   status: RunStatus(rawValue: statement.text(6) ?? "") ?? .failed, user: statement.text(7) ?? "", host: statement.text(8) ?? "",
                   asOf: statement.text(9))
    }

    /// The store's latest run (nil when it has none).
    public func latestRun() throws -> Run? {
        guard let id = try database.queryScalarInt("SELECT max(run_id) FROM runs") else { return nil }
        return try run(id)
    }

    /// The most recent runs first.
    public func recentRuns(limit: Int = 20) throws -> [Run] {
        let ids = try database.rows("SELECT run_id FROM runs ORDER BY run_id DESC LIMIT ?", [.int(limit)])
        return try ids.compactMap { $0[0].integer }.map { try run($0) }
    }

    public func stages(of id: Int64) throws -> [StageRecord] {
        try database.rows("""
            SELECT stage, status, records_in, records_out, records_rejected, message
            FROM run_stages WHERE run_id = ? ORDER BY position
            """, [.integer(id)]).map {
            StageRecord(stage: $0[0].text ?? "", status: StageStatus(rawValue: $0[1].text ?? "") ?? .failed, recordsIn: Int($0[2].integer ?? 0),
                        recordsOut: Int($0[3].integer ?? 0), rejected: Int($0[4].integer ?? 0), message: $0[5].text)
        }
    }

    public func stageStarted(_ id: Int64, _ stage: String) throws {
        try database.run("""
            UPDATE run_stages SET status = 'running', started_at = ?, finished_at = NULL, message = NULL
            WHERE run_id = ? AND stage = ?
            """, [.text(Clock.now()), .integer(id), .text(stage)])
        try database.run("UPDATE runs SET status = 'running', finished_at = NULL WHERE run_id = ?", [.integer(id)])
    }

    public func stageFinished(_ id: Int64, _ stage: String, status: StageStatus, recordsIn: Int, recordsOut: Int, rejected: Int,
                              message: String?) throws {
        try database.run("""
            UPDATE run_stages SET status = ?, finished_at = ?, records_in = ?, records_out = ?, records_rejected = ?, message = ?
            WHERE run_id = ? AND stage = ?
            """, [.text(status.rawValue), .text(Clock.now()), .int(recordsIn), .int(recordsOut), .int(rejected), .optional(message),
                  .integer(id), .text(stage)])
    }

    /// Marks the stages after `stage` as pending again: their output was made from inputs that changed.
    public func invalidateAfter(_ id: Int64, _ stage: String) throws {
        try database.run("""
            UPDATE run_stages SET status = 'pending', message = 'inputs changed when ' || ? || ' was re-run; re-run this stage'
            WHERE run_id = ? AND position > (SELECT position FROM run_stages WHERE run_id = ? AND stage = ?) AND status != 'pending'
            """, [.text(stage), .integer(id), .integer(id), .text(stage)])
    }

    public func stageFailed(_ id: Int64, _ stage: String, _ message: String) throws {
        try database.run("UPDATE run_stages SET status = 'failed', finished_at = ?, message = ? WHERE run_id = ? AND stage = ?",
                         [.text(Clock.now()), .text(message), .integer(id), .text(stage)])
    }

    /// Closes the run with a status derived from its stages.
    @discardableResult
    public func finish(_ id: Int64) throws -> RunStatus {
        let statuses = try stages(of: id).map(\.status)
        let status: RunStatus
        if statuses.contains(.failed) { status = .failed }
        else if statuses.contains(.pending) || statuses.contains(.running) { status = .incomplete }
        else if statuses.contains(.doneWithDefects) { status = .doneWithDefects }
        else { status = .done }
        try database.run("UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?",
                         [.text(status.rawValue), .text(Clock.now()), .integer(id)])
        return status
    }

    /// The first run after `id` that has a row in `table` (a table with one row per run that did something: later
    /// runs built on it), if any.
    public func laterRun(than id: Int64, in table: LedgerTable) throws -> Int64? {
        try database.queryScalarInt("SELECT min(run_id) FROM \(table.rawValue) WHERE run_id > ?", [.integer(id)])
    }

    /// The tables that record per run that a stage's lasting work was done.
    public enum LedgerTable: String, Sendable {
        /// A row per run and base the load stage merged.
        case baseLoads = "base_loads"
        /// A row per run whose tasks the rectify stage updated.
        case rectifyRuns = "rectify_runs"
    }
}

/// Where a run stands.
public enum RunStatus: String, Sendable, CaseIterable {
    case running
    case done
    case doneWithDefects = "done_with_defects"
    case failed
    /// Some stages never ran (interrupted, or made pending by a re-run of an earlier stage).
    case incomplete
}

/// Where one stage of a run stands.
public enum StageStatus: String, Sendable, CaseIterable {
    case pending
    case running
    case done
    case doneWithDefects = "done_with_defects"
    case failed

    /// Finished, with or without defects.
    public var isDone: Bool { self == .done || self == .doneWithDefects }
}

