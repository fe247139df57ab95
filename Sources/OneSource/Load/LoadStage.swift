import Foundation

/// The load stage: merges the run's verified records into the base databases, the authoritative source
/// winning per element, keeping provenance and the history of changed values; records that failed an
/// error-level rule go to quarantine with their delivered values and reasons instead.
///
/// Each base is committed on its own (`CommitsInParts`: work waiting for a base starts as soon as it is in), with its
/// history and load count; the quarantine goes in with the last one. The bases work started early awaits go first,
/// then the others, the smallest first in each.
///
/// Re-running the stage for a run first undoes that run's earlier load, so the result is the same; it is
/// refused when a later run has loaded since (its changes are built on this one's).
public struct LoadStage: CommitsInParts {
    public let name = "load"
    public let reads: Set<StoreArea> = [.runFiles, .staging, .standardized, .findings]
    public let writes: Set<StoreArea> = [.bases, .history, .quarantine]
    /// A base after the other, each with its history (`StageContext.parts` names it by its id once committed).
    public let writesInParts: Set<StoreArea> = [.bases, .history]

    public init() {}

    /// A run's load can be redone only while no later run has loaded on top of it.
    public func preflight(_ context: StageContext) throws {
        try refuseIfLaterRun(in: .baseLoads, context, did: "loaded the base databases")
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let runID = context.runID
        let datasets = try context.pipeline.selectedDatasets(in: context.catalog)
        let selected = Set(datasets.map(\.id))
        let bases = context.catalog.bases.filter { base in context.catalog.datasets(of: base).contains { selected.contains($0.id) } }
        let tables = bases.map { BaseTable(base: $0, catalog: context.catalog) }
        for table in tables { try table.ensure(in: database) }
        // The quarantined records' rows are read and their JSON built on a connection of its own while the
        // bases are written (they read only what verify committed); this thread then only inserts them.
        let path = database.path
        let quarantineRows: Pending<[QuarantineTable.Row]>? = path == ":memory:" ? nil : Pending(yielding: true) {
            let reader = try Database(path: path, mode: .readOnly)
            try reader.setCacheSize(kiB: 8192)   // it reads few rows, each page about once
            return try LoadStage.quarantineRows(datasets: datasets, runID: runID, database: reader)
        }
        // The bases work started early waits for first, then the others; the smallest first in each (by the run's staged
        // rows feeding it). Work waiting for a base (association passes) then runs while the rest is merged.
        let runFiles = try RunFileTable(database: database).files(run: runID)
        let staged = Dictionary(grouping: runFiles, by: \.dataset).mapValues { $0.reduce(0) { $0 + $1.staged } }
        let awaited = context.parts?.awaited ?? []
        func rows(_ table: BaseTable) -> Int { context.catalog.datasets(of: table.base).reduce(0) { $0 + (staged[$1.id] ?? 0) } }
        // (awaited first, rows, catalog position), ascending.
        let ranks: [(Int, Int, Int)] = tables.enumerated().map { position, table in
            (awaited.contains(table.base.id) ? 0 : 1, rows(table), position)
        }
        let ordered = ranks.sorted { $0 < $1 }.map { tables[$0.2] }
        let parts = max(1, ordered.count)   // with no base, one part all the same: the undoing and the quarantine
        let largest = tables.map(rows).max() ?? 0
        // The run's merged tables go to a scratch database, discarded whole once the stage is done (see `BaseTable.merge`).
        // Each base is a transaction of its own, its rows, history and load count together; the first one also undoes
        // an earlier load of the run, and the last one holds the quarantine, so a run whose load is done has all of it.
        return try database.withCacheSize(kiB: LoadStage.cacheKiB(rows: largest)) { try database.withScratch { scratch in
            var records = 0
            var quarantined = 0
            for part in 0..<parts {
                // A part that fails takes the parts committed before it back with it: a failed load leaves none of the run.
                try undoingCommittedParts(if: part > 0, tables: tables, runID: runID, database: database) { try database.transaction {
                    if part == 0 {
                        try preflight(context)
                        let reverting = Date()
                        try LoadStage.undoLoad(of: tables, run: runID, in: database)
                        try QuarantineTable(database: database).delete(run: runID)
                        context.log.info(String(format: "earlier load of this run undone in %.2f s", Date().timeIntervalSince(reverting)))
                    }
                    if part < ordered.count {
                        let table = ordered[part]
                        let result = try load(table, datasets: datasets, scratch: scratch, context: context)
                        records += result.merged.records
                        Failpoint.check(stage: name, records: records)
                        let perSource = zip(result.feeding, result.merged.sourceSeconds).map { "\($0.id) " + String(format: "%.2f s", $1) }
                        let order = (result.streams.map { "keys arrived in \($0) ascending stream\($0 == 1 ? "" : "s"), written as delivered" }
                            ?? "keys arrived out of order, each source sorted first")
                            + (perSource.count > 1 ? ": " + perSource.joined(separator: ", ") : "") + String(format: "; order checked in %.2f s", result.orderSeconds)
                        context.log.info("\(table.base.id): \(result.merged.records) keys, \(result.merged.inserted) new, \(result.merged.changed) changed "
                                         + "(\(result.merged.valuesChanged) values); " + String(format: "merged and written in %.2f s", result.seconds) + " (\(order))")
                    }
                    if part == parts - 1 {
                        let quarantining = Date()
                        let rows = try quarantineRows?.wait() ?? LoadStage.quarantineRows(datasets: datasets, runID: runID, database: database)
                        try QuarantineTable(database: database).insert(run: runID, rows)
                        quarantined = rows.count
                        context.log.info(String(format: "\(rows.count) records quarantined in %.2f s", Date().timeIntervalSince(quarantining)))
                    }
                } }
                if part < ordered.count { context.parts?.commit(ordered[part].base.id) }
            }
            let read = runFiles.reduce(0) { $0 + $1.read }, rejected = runFiles.reduce(0) { $0 + $1.rejected }
            // Every staged record was verified into std: the accepted ones are the staged minus the quarantined.
            let accepted = runFiles.reduce(0) { $0 + $1.staged } - quarantined
            return StageOutcome(recordsIn: read, recordsOut: accepted, rejected: quarantined, hasDefects: quarantined > 0,
                                message: "read \(read) = loaded \(accepted) + quarantined \(quarantined) + rejected \(rejected); "
                                    + "\(records) keys in \(tables.count) base tables")
        } }
    }

    /// The page cache of the run's connection while it loads, in KiB, for `rows` rows feeding the largest base: 64 bytes a
    /// row (about 40% of a persons row with its provenance), at least 8 MiB, at most the 64 MiB every connection has.
    /// Load is where a night's memory peaks. Whole nights, alternating, on the 250k city (375k rows), 24 MiB against
    /// 64 MiB: load 0.88-0.96 s against 0.87-1.01 s on the first night (peak 181-193 MB against 227-237 MB), 1.11-1.18 s
    /// against 1.10-1.17 s on the second. Less than this rule gives costs time: the 1M city's second night with 15.6 MiB
    /// loaded in 5.25 and 5.75 s against 5.02 and 5.04 s, the 4M city's first night with 16 MiB in 18.97 s against 15.93 s.
    static func cacheKiB(rows: Int) -> Int {
        min(Database.cacheKiB, max(8 * 1024, rows / 16))   // 64 bytes a row, in KiB
    }

    /// Runs `part`; when it throws and `committed` (parts of this load were committed before it), undoes the run's load of
    /// every base before passing the error on. A process killed in between leaves those parts for a resume, which undoes
    /// them first.
    private func undoingCommittedParts(if committed: Bool, tables: [BaseTable], runID: Int64, database: Database,
                                       _ part: () throws -> Void) throws {
        do {
            try part()
        } catch {
            if committed {
                try? database.transaction { try LoadStage.undoLoad(of: tables, run: runID, in: database) }
            }
            throw error
        }
    }

    /// Undoes `run`'s load of every one of `tables` (its keys, the values it replaced) and forgets its load counts.
    private static func undoLoad(of tables: [BaseTable], run: Int64, in database: Database) throws {
        for table in tables { try table.revert(run: run, in: database) }
        try BaseTable.forgetLoads(run: run, in: database)
    }

    struct LoadResult {
        var merged = BaseTable.Merged()
        var seconds = 0.0
        /// Ascending key streams of the most disordered feeding dataset when rows went in as delivered; nil when sorted.
        var streams: Int?
        /// Time spent finding that out.
        var orderSeconds = 0.0
        /// The datasets merged, in the order their rows went in.
        var feeding: [Dataset] = []
    }

    /// The merge policy: the base takes each element from the best source among the datasets feeding it, the
    /// element's authority first (priority 0), then the other datasets in catalog order. Each dataset's rows go in as
    /// delivered when every feeding dataset's keys arrive as a few ascending streams (`KeyOrder`: counted by ingest as it
    /// verified, or read back), sorted by key otherwise; both give every key the same sequence of upserts.
    private func load(_ table: BaseTable, datasets: [Dataset], scratch: String, context: StageContext) throws -> LoadResult {
        let database = context.database
        let catalog = context.catalog
        let runID = context.runID
        let feeding = catalog.datasets(of: table.base).filter { dataset in datasets.contains { $0.id == dataset.id } }
        let started = Date()
        var result = LoadResult()
        result.feeding = feeding
        let files = RunFileTable(database: database)
        let spans = try files.stagingSpans(run: runID)
        var sources: [BaseTable.Source] = []
        for (position, dataset) in feeding.enumerated() {
            var priorities: [String: Int] = [:]
            for field in dataset.fields {
                priorities[field.element] = catalog.element(field.element)?.authority == dataset.agency ? 0 : position + 1
            }
            sources.append(BaseTable.Source(table: StandardizedTable(dataset: dataset), priorities: priorities,
                                            files: try files.files(run: runID, dataset: dataset.id).map(\.id),
                                            span: spans[dataset.id]))
        }
        let ordering = Date()
        var streams: [Int] = []
        for dataset in feeding {
            let counted = try files.keyStreams(run: runID, dataset: dataset.id)
            guard let count = try counted ?? StandardizedTable(dataset: dataset).keyStreams(run: runID, span: spans[dataset.id], in: database) else {
                streams = []
                break
            }
            streams.append(count)
        }
        result.streams = streams.max()
        result.orderSeconds = Date().timeIntervalSince(ordering)
        result.merged = try table.merge(run: runID, sources: sources, inDeliveryOrder: !streams.isEmpty, scratch: scratch, in: database)
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// The run's records that failed an error-level rule, with their delivered values and reasons.
    static func quarantineRows(datasets: [Dataset], runID: Int64, database: Database) throws -> [QuarantineTable.Row] {
        var result: [QuarantineTable.Row] = []
        let findings = FindingTable(database: database)
        for dataset in datasets {
            let messages = try findings.errorMessages(run: runID, dataset: dataset.id)
            for row in try StandardizedTable(dataset: dataset).errorRows(run: runID, in: database) {
                result.append(QuarantineTable.Row(dataset: dataset.id, file: row.file, line: row.line, recordIndex: row.recordIndex,
                                                  recordKey: row.recordKey, raw: JSONText.object(row.delivered),
                                                  reasons: messages[FindingTable.RecordPlace(file: row.file, recordIndex: row.recordIndex)] ?? ""))
            }
        }
        return result
    }
}
