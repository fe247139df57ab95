import Foundation

/// How long the store keeps the delivered copies of records: the staging and standardized rows, the quarantined
/// records' raw values and the rejected lines' text. The lasting record (runs, files with their SHA-256, bases with
/// provenance and history, findings, tasks, metrics, the audit trail) is never pruned.
///
/// The rows of a dataset in a run are kept when the run is among the last `keepRuns`, when it is the dataset's
/// latest delivery (a dataset delivered monthly keeps its month), or when a live task (open, reopened, corrected,
/// disputed) was last seen in it.
public struct RetentionPolicy: Sendable, Equatable {
    /// How many of the latest runs keep every delivered copy.
    public let keepRuns: Int

    public init(keepRuns: Int) { self.keepRuns = keepRuns }
}

/// Applies a `RetentionPolicy` to a store and gives the space back; both recorded in the audit trail.
public struct Retention {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// What one pruning removed.
    public struct Outcome: Sendable, Equatable {
        /// The runs some of whose rows were removed.
        public var runs: [Int64] = []
        public var files = 0
        public var stagedRows = 0
        public var standardizedRows = 0
        public var quarantinedRows = 0
        public var rejectedLines = 0
        /// Dataset deliveries of older runs kept as their dataset's latest or for a live task.
        public var keptLatest = 0
        public var keptForTasks = 0

        public var summary: String {
            guard !runs.isEmpty else {
                return "nothing to prune" + (keptLatest + keptForTasks > 0 ? kept : "")
            }
            return "pruned \(files) file(s) of run(s) \(Retention.ranges(runs)): \(stagedRows) staged and \(standardizedRows) standardized rows, "
                + "\(quarantinedRows) quarantined records' values, \(rejectedLines) rejected lines' text" + kept
        }

        private var kept: String {
            var parts: [String] = []
            if keptLatest > 0 { parts.append("\(keptLatest) as their dataset's latest delivery") }
            if keptForTasks > 0 { parts.append("\(keptForTasks) for live tasks") }
            return parts.isEmpty ? "" : "; older deliveries kept: " + parts.joined(separator: ", ")
        }
    }

    /// Removes the delivered copies the policy no longer keeps, one run per transaction, and records it.
    @discardableResult
    public func prune(_ policy: RetentionPolicy, reason: String) throws -> Outcome {
        let live = TaskStatus.liveSQL
        // Per older run and dataset: whether it is kept, and why.
        let candidates = try database.map("""
            WITH recent AS (SELECT run_id FROM runs ORDER BY run_id DESC LIMIT ?1),
                 latest AS (SELECT dataset_id, max(run_id) AS run_id FROM run_files WHERE status = 'ingested' GROUP BY dataset_id),
                 tasked AS (SELECT DISTINCT dataset_id, last_seen_run AS run_id FROM tasks WHERE status IN (\(live)))
            SELECT f.run_id, f.dataset_id,
                   EXISTS (SELECT 1 FROM latest l WHERE l.dataset_id = f.dataset_id AND l.run_id = f.run_id) AS is_latest,
                   EXISTS (SELECT 1 FROM tasked t WHERE t.dataset_id = f.dataset_id AND t.run_id = f.run_id) AS has_tasks
            FROM run_files f
            WHERE f.pruned_at IS NULL AND f.status <> 'missing' AND f.run_id NOT IN (SELECT run_id FROM recent)
            GROUP BY f.run_id, f.dataset_id ORDER BY f.run_id, f.dataset_id
            """, [.int(policy.keepRuns)]) { row in
            (run: row.int64("run_id"), dataset: row.text("dataset_id") ?? "", latest: row.int64("is_latest") == 1, tasks: row.int64("has_tasks") == 1)
        }
        var outcome = Outcome()
        let tables = try tableNames()
        let now = Clock.now()
        for run in Array(Set(candidates.map(\.run))).sorted() {
            try database.transaction {
                var touched = false
                for candidate in candidates where candidate.run == run {
                    if candidate.latest { outcome.keptLatest += 1; continue }
                    if candidate.tasks { outcome.keptForTasks += 1; continue }
                    try remove(run: run, dataset: candidate.dataset, tables: tables, at: now, into: &outcome)
                    touched = true
                }
                if touched { outcome.runs.append(run) }
            }
        }
        try AuditTrail(database: database).record("store_pruned", counts: "keep runs \(policy.keepRuns) (\(reason)): \(outcome.summary)",
                                                  outcome: outcome.runs.isEmpty ? "nothing" : "pruned")
        return outcome
    }

    /// Removes one dataset's delivered copies of one run, file by file, by the staging rowid range each recorded.
    private func remove(run: Int64, dataset: String, tables: (staging: [String: String], standardized: [String: String]),
                        at now: String, into outcome: inout Outcome) throws {
        let files = try database.map("""
            SELECT file_id, staging_first, staging_last FROM run_files
            WHERE run_id = ? AND dataset_id = ? AND pruned_at IS NULL AND status <> 'missing' ORDER BY file_id
            """, [.integer(run), .text(dataset)]) { ($0.int64("file_id"), $0.optionalInt64("staging_first"), $0.optionalInt64("staging_last")) }
        for (file, first, last) in files {
            if let first, let last {
                if let staging = tables.staging[dataset] {
                    try database.run("DELETE FROM \(StagingTable.quote(staging)) WHERE rowid BETWEEN ? AND ?", [.integer(first), .integer(last)])
                    outcome.stagedRows += database.changes
                }
                if let standardized = tables.standardized[dataset] {
                    try database.run("DELETE FROM \(StagingTable.quote(standardized)) WHERE staging_rowid BETWEEN ? AND ?",
                                     [.integer(first), .integer(last)])
                    outcome.standardizedRows += database.changes
                }
            }
            // The quarantined records' values go; the reasons stay in the findings, which are kept.
            try database.run("DELETE FROM quarantine WHERE run_id = ? AND dataset_id = ? AND file_id = ?",
                             [.integer(run), .text(dataset), .integer(file)])
            outcome.quarantinedRows += database.changes
            try database.run("UPDATE rejections SET raw = NULL WHERE run_id = ? AND dataset_id = ? AND file_id = ? AND raw IS NOT NULL",
                             [.integer(run), .text(dataset), .integer(file)])
            outcome.rejectedLines += database.changes
            try database.run("UPDATE run_files SET pruned_at = ? WHERE file_id = ?", [.text(now), .integer(file)])
            outcome.files += 1
        }
    }

    private func tableNames() throws -> (staging: [String: String], standardized: [String: String]) {
        func names(_ table: String) throws -> [String: String] {
            var result: [String: String] = [:]
            try database.forEach("SELECT dataset_id, table_name FROM \(table)") { row in
                if let dataset = row.text("dataset_id"), let name = row.text("table_name") { result[dataset] = name }
            }
            return result
        }
        return (try names("staging_tables"), try names("standardized_tables"))
    }

    /// The store file's pages and free pages at one moment.
    public struct PageUse: Sendable, Equatable {
        public let pages: Int
        public let free: Int
    }

    /// The store file's pages and free pages now.
    public func pageUse() throws -> PageUse {
        PageUse(pages: Int(try database.queryScalarInt("PRAGMA page_count") ?? 0),
                free: Int(try database.queryScalarInt("PRAGMA freelist_count") ?? 0))
    }

    /// The pages the store took since `before`: what the file grew by, and the free pages filled.
    public func pagesTaken(since before: PageUse) throws -> Int {
        let now = try pageUse()
        return max(0, (now.pages - before.pages) + (before.free - now.free))
    }

    /// Gives the free pages back to the file system, `step` pages per transaction, so readers and the next writer
    /// wait at most one step; `keeping` of them stay free. Only a store made with incremental auto-vacuum can (every
    /// store this build creates); an older one keeps its free pages for the next nights' rows, and `vacuum()` converts it.
    ///
    /// After a night the runner keeps as many as the night took (`pagesTaken`): the next night's rows fill them again,
    /// so giving them back only made SQLite move the pages at the end of the file into them and the next night grow
    /// the file again (1M city, a night on a store of two: 27,447 pages moved in 1.4-1.7 s). A store that needs less
    /// than it freed still gives back the rest. `prune` by hand and destruction keep none.
    /// - Returns: the pages given back, the free pages left, and the file's size before and after, in bytes.
    @discardableResult
    public func giveBackSpace(step: Int = 2048, keeping: Int = 0) throws -> (pages: Int, kept: Int, before: Int64, after: Int64) {
        let pageSize = try database.queryScalarInt("PRAGMA page_size") ?? 4096
        let before = (try database.queryScalarInt("PRAGMA page_count") ?? 0) * pageSize
        guard try database.queryScalarInt("PRAGMA auto_vacuum") == 2 else {
            return (0, Int(try database.queryScalarInt("PRAGMA freelist_count") ?? 0), before, before)
        }
        var pages = 0
        var free = 0
        while true {
            free = Int(try database.queryScalarInt("PRAGMA freelist_count") ?? 0)
            let excess = free - max(0, keeping)
            guard excess > 0 else { break }
            try database.execute("PRAGMA incremental_vacuum(\(min(step, excess)))")
            pages += min(step, excess)
        }
        // The moved pages are in the write-ahead log: copy them back and cut the log, so the file system sees the space.
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let after = (try database.queryScalarInt("PRAGMA page_count") ?? 0) * pageSize
        if pages > 0 {
            try AuditTrail(database: database).record("store_space_returned", size: before - after,
                                                      counts: "\(pages) free pages returned: \(before) -> \(after) bytes"
                                                          + (free > 0 ? "; \(free) kept free for the next night's rows" : ""),
                                                      outcome: "done")
        }
        return (pages, free, before, after)
    }

    /// Whether the store gives freed pages back to the file system (made with incremental auto-vacuum).
    public func returnsSpace() throws -> Bool {
        try database.queryScalarInt("PRAGMA auto_vacuum") == 2
    }

    /// The store's free pages.
    public func freePages() throws -> Int {
        Int(try database.queryScalarInt("PRAGMA freelist_count") ?? 0)
    }

    /// Rewrites the whole store (SQLite's VACUUM) with incremental auto-vacuum: for a store made before this build,
    /// once. It needs free disk as large as the store; readers go on reading, writers wait for it.
    public func vacuum() throws -> (before: Int64, after: Int64) {
        let pageSize = try database.queryScalarInt("PRAGMA page_size") ?? 4096
        let before = (try database.queryScalarInt("PRAGMA page_count") ?? 0) * pageSize
        try database.execute("PRAGMA auto_vacuum=INCREMENTAL")
        try database.execute("VACUUM")
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let after = (try database.queryScalarInt("PRAGMA page_count") ?? 0) * pageSize
        try AuditTrail(database: database).record("store_vacuumed", size: before - after, counts: "\(before) -> \(after) bytes", outcome: "done")
        return (before, after)
    }

    /// `1-3, 5, 7-8`.
    static func ranges(_ runs: [Int64]) -> String {
        var parts: [String] = []
        var start: Int64?, previous: Int64?
        for run in runs.sorted() + [Int64.max] {
            if let p = previous, run == p + 1 { previous = run; continue }
            if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)-\(p)") }
            start = run
            previous = run
        }
        return parts.joined(separator: ", ")
    }
}
