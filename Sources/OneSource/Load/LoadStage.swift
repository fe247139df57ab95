import Foundation

/// The load stage: merges the run's verified records into the base databases, the authoritative source
/// winning per element, keeping provenance and the history of changed values; records that failed an
/// error-level rule go to quarantine with their delivered values and reasons instead.
///
/// Re-running the stage for a run first undoes that run's earlier load, so the result is the same; it is
/// refused when a later run has loaded since (its changes are built on this one's).
public struct LoadStage: Stage {
    public let name = "load"
    public let reads: Set<StoreArea> = [.runFiles, .staging, .standardized, .findings]
    public let writes: Set<StoreArea> = [.bases, .history, .quarantine]

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
        let quarantineRows: Pending<[QuarantineRow]>? = path == ":memory:" ? nil : Pending(yielding: true) {
            let reader = try Database(path: path)
            try reader.execute("PRAGMA cache_size=-8192")   // it reads few rows, each page about once
            return try LoadStage.quarantineRows(datasets: datasets, runID: runID, database: reader)
        }
        return try database.transaction {
            try preflight(context)
            let reverting = Date()
            try revert(run: runID, tables: tables, database: database)
            context.log.info(String(format: "earlier load of this run undone in %.2f s", Date().timeIntervalSince(reverting)))
            var records = 0
            for table in tables {
                let result = try load(table, datasets: datasets, context: context)
                records += result.records
                Failpoint.check(stage: name, records: records)
                let order = (result.streams.map { "keys arrived in \($0) ascending stream\($0 == 1 ? "" : "s"), written as delivered" }
                    ?? "keys arrived out of order, sorted first") + String(format: "; order checked in %.2f s", result.orderSeconds)
                context.log.info("\(table.base.id): \(result.records) keys, \(result.inserted) new, \(result.changed) changed (\(result.valuesChanged) values); "
                                 + String(format: "merged and written in %.2f s", result.seconds) + " (\(order))")
            }
            let quarantining = Date()
            let quarantined = try quarantine(try quarantineRows?.wait()
                                             ?? LoadStage.quarantineRows(datasets: datasets, runID: runID, database: database),
                                             context: context)
            context.log.info(String(format: "\(quarantined) records quarantined in %.2f s", Date().timeIntervalSince(quarantining)))
            let summary = try database.rows("""
                SELECT sum(rows_read), sum(rows_rejected), sum(rows_staged) FROM run_files WHERE run_id = ?
                """, [.integer(runID)]).first
            let read = Int(summary?[0].integer ?? 0), rejected = Int(summary?[1].integer ?? 0)
            // Every staged record was verified into std: the accepted ones are the staged minus the quarantined.
            let accepted = Int(summary?[2].integer ?? 0) - quarantined
            return StageOutcome(recordsIn: read, recordsOut: accepted, rejected: quarantined, hasDefects: quarantined > 0,
                                message: "read \(read) = loaded \(accepted) + quarantined \(quarantined) + rejected \(rejected); "
                                    + "\(records) keys in \(tables.count) base tables")
        }
    }

    /// Undoes an earlier load of `run`: removes keys it created, restores values it replaced.
    private func revert(run: Int64, tables: [BaseTable], database: Database) throws {
        for table in tables {
            // A base the run has not loaded has nothing of it (its rows, history and count are committed together):
            // skip the scan of the whole base for `first_run`, which would cost every night.
            guard try database.queryScalarInt("SELECT count(*) FROM base_loads WHERE run_id = ? AND base = ?",
                                              [.integer(run), .text(table.base.id)]) ?? 0 > 0 else { continue }
            let name = BaseTable.q(table.name)
            let history = try database.rows("""
                SELECT record_key, element, old_value, old_file_id, old_line FROM base_history
                WHERE base = ? AND replaced_by_run = ? ORDER BY history_id DESC
                """, [.text(table.base.id), .integer(run)])
            for row in history {
                guard let element = row[1].text else { continue }
                try database.run("""
                    UPDATE \(name) SET \(BaseTable.q(element)) = ?, \(BaseTable.q(element + ":file")) = ?, \(BaseTable.q(element + ":line")) = ?
                    WHERE record_key = ?
                    """, [row[2], row[3], row[4], row[0]])
            }
            try database.run("DELETE FROM base_history WHERE base = ? AND replaced_by_run = ?", [.text(table.base.id), .integer(run)])
            try database.run("DELETE FROM \(name) WHERE first_run = ?", [.integer(run)])
        }
        try database.run("DELETE FROM base_loads WHERE run_id = ?", [.integer(run)])
        try database.run("DELETE FROM quarantine WHERE run_id = ?", [.integer(run)])
    }

    struct LoadResult {
        var records = 0, inserted = 0, changed = 0, valuesChanged = 0
        var seconds = 0.0
        /// Ascending key streams of the most disordered feeding dataset when rows went in as delivered; nil when sorted.
        var streams: Int?
        /// Time spent finding that out.
        var orderSeconds = 0.0
    }

    /// Merges the feeding datasets into the base, element by element the authority first, in SQL: each
    /// dataset's verified rows go in as an upsert that takes a value only from a strictly better source than
    /// the one already there, in key order (all datasets sorted together, delivery order among equal keys)
    /// unless every dataset's keys already arrive as a few ascending streams (`KeyOrder`): then each dataset
    /// goes in as delivered, one after the other, which gives every key the same sequence of upserts. A base
    /// loaded for the first time is merged into directly; otherwise the run is merged into a temporary table first, which
    /// is then compared with the base (history of every changed value) and applied to it.
    /// Nothing per key is held in memory, and SQLite does all per-row work.
    private func load(_ table: BaseTable, datasets: [Dataset], context: StageContext) throws -> LoadResult {
        let database = context.database
        let catalog = context.catalog
        let runID = context.runID
        let feeding = catalog.datasets(of: table.base).filter { dataset in datasets.contains { $0.id == dataset.id } }
        let started = Date()
        var result = LoadResult()
        let name = BaseTable.q(table.name)
        let q = BaseTable.q
        let empty = try database.queryScalarInt("SELECT count(*) FROM (SELECT 1 FROM \(name) LIMIT 1)") == 0
        let target = empty ? name : "temp.\(q("merge_" + table.base.id))"
        if !empty {
            let columns = table.elements.flatMap { ["\(q($0)) TEXT", "\(q($0 + ":file")) INTEGER", "\(q($0 + ":line")) INTEGER"] }
            try database.execute("DROP TABLE IF EXISTS \(target)")
            try database.execute("""
                CREATE TABLE \(target) (record_key TEXT PRIMARY KEY, first_run INTEGER NOT NULL, \(columns.joined(separator: ", "))) WITHOUT ROWID
                """)
        }
        // The priority of each element's current value, from the file it came from (files of this run only).
        var filesOf: [String: [Int64]] = [:]
        for row in try database.rows("SELECT dataset_id, file_id FROM run_files WHERE run_id = ? ORDER BY file_id", [.integer(runID)]) {
            if let dataset = row[0].text, let file = row[1].integer { filesOf[dataset, default: []].append(file) }
        }
        func priority(of element: String, in dataset: Dataset, position: Int) -> Int {
            catalog.element(element)?.authority == dataset.agency ? 0 : position + 1
        }
        /// The priority of the value in `column` (an element's `:file` column): by the dataset of that file.
        func priority(_ element: String, column: String) -> String {
            var cases: [String] = []
            for (position, dataset) in feeding.enumerated() where dataset.fields.contains(where: { $0.element == element }) {
                let files = filesOf[dataset.id] ?? []
                if !files.isEmpty {
                    cases.append("WHEN \(column) IN (\(files.map(String.init).joined(separator: ", "))) "
                                 + "THEN \(priority(of: element, in: dataset, position: position))")
                }
            }
            return cases.isEmpty ? "255" : "CASE \(cases.joined(separator: " ")) ELSE 255 END"
        }
        let delivered = table.elements.filter { element in feeding.contains { $0.fields.contains { $0.element == element } } }
        if !feeding.isEmpty {
            var branches: [String] = []
            for (position, dataset) in feeding.enumerated() {
                var columns = ["record_key AS k"]
                for (index, element) in delivered.enumerated() {
                    if dataset.fields.contains(where: { $0.element == element }) {
                        let value = q(element)
                        columns += ["\(value) AS v\(index)", "CASE WHEN \(value) IS NULL THEN NULL ELSE file_id END AS f\(index)",
                                    "CASE WHEN \(value) IS NULL THEN NULL ELSE line END AS l\(index)"]
                    } else {
                        columns += ["NULL AS v\(index)", "NULL AS f\(index)", "NULL AS l\(index)"]
                    }
                }
                columns += ["\(position) AS p", "staging_rowid AS r"]
                branches.append("""
                    SELECT \(columns.joined(separator: ", ")) FROM \(StagingTable.quote("std_" + dataset.id))
                    WHERE run_id = ?1 AND has_error = 0 AND record_key <> ''
                    """)
            }
            let targetColumns = ["record_key", "first_run"] + delivered.flatMap { [q($0), q($0 + ":file"), q($0 + ":line")] }
            let sourceColumns = ["k", "\(runID)"] + delivered.indices.flatMap { ["v\($0)", "f\($0)", "l\($0)"] }
            /// The upsert taking each of `elements` from the new row when it comes from a strictly better source.
            /// `from`: the one dataset (and its position) every new row comes from, whose priority is then a constant.
            func upsert(_ elements: [String], from: (dataset: Dataset, position: Int)? = nil) -> String {
                let updates = elements.flatMap { element -> [String] in
                    let value = q(element), file = q(element + ":file")
                    let incoming = from.map { String(priority(of: element, in: $0.dataset, position: $0.position)) }
                        ?? priority(element, column: "excluded." + file)
                    let better = "excluded.\(value) IS NOT NULL AND (\(value) IS NULL OR (\(incoming)) < (\(priority(element, column: file))))"
                    return [value, file, q(element + ":line")].map { "\($0) = CASE WHEN \(better) THEN excluded.\($0) ELSE \($0) END" }
                }
                return "ON CONFLICT (record_key) DO \(updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))"
            }
            // Keys that arrive as a few ascending streams go in as delivered, one dataset after the other in
            // priority order (each in delivery order): the same per-key order as the sort, without sorting.
            let ordering = Date()
            var streams: [Int] = []
            for dataset in feeding {
                // Counted by ingest when it verified as it staged (recorded with its files); otherwise read back from the table.
                let counted = try RunFileTable(database: database).keyStreams(run: runID, dataset: dataset.id)
                guard let count = try counted ?? KeyOrder.streams(ofStandardized: StagingTable.quote("std_" + dataset.id),
                                                                  run: runID, database: database) else { streams = []; break }
                streams.append(count)
            }
            result.streams = streams.max()
            result.orderSeconds = Date().timeIntervalSince(ordering)
            if streams.isEmpty {
                // All feeding datasets in one stream sorted by key, then dataset, then delivery: a key's rows arrive
                // together, the first inserts and the others update the same row while it is at hand, so every page
                // of the base is written once, in order.
                try database.run("""
                    INSERT INTO \(target) (\(targetColumns.joined(separator: ", ")))
                    SELECT \(sourceColumns.joined(separator: ", ")) FROM (\(branches.joined(separator: " UNION ALL ")))
                    WHERE true ORDER BY k, p, r
                    \(upsert(delivered))
                    """, [.integer(runID)])
            } else {
                for (position, (branch, dataset)) in zip(branches, feeding).enumerated() {
                    // A dataset's row leaves the elements it does not deliver as they are: only its own are updated.
                    let own = delivered.filter { element in dataset.fields.contains { $0.element == element } }
                    try database.run("""
                        INSERT INTO \(target) (\(targetColumns.joined(separator: ", ")))
                        SELECT \(sourceColumns.joined(separator: ", ")) FROM (\(branch))
                        WHERE true ORDER BY r
                        \(upsert(own, from: (dataset, position)))
                        """, [.integer(runID)])
                }
            }
        }
        if empty {
            result.records = Int(try database.queryScalarInt("SELECT count(*) FROM \(name)") ?? 0)
            result.inserted = result.records
        } else {
            result.records = Int(try database.queryScalarInt("SELECT count(*) FROM \(target)") ?? 0)
            let now = Clock.now()
            func differs(_ element: String, _ base: String) -> String {
                "m.\(q(element)) IS NOT NULL AND \(base).\(q(element)) IS NOT m.\(q(element))"
            }
            // One pass over the run's keys in key order finds the new ones and the ones with a changed value;
            // everything after works on those alone (an unchanged night touches nothing more).
            let delta = "temp.\(q("delta_" + table.base.id))"
            try database.execute("DROP TABLE IF EXISTS \(delta)")
            try database.execute("CREATE TABLE \(delta) (record_key TEXT PRIMARY KEY, is_new INTEGER NOT NULL) WITHOUT ROWID")
            try database.run("""
                INSERT INTO \(delta) (record_key, is_new)
                SELECT m.record_key, b.record_key IS NULL FROM \(target) m LEFT JOIN \(name) b ON b.record_key = m.record_key
                WHERE b.record_key IS NULL OR \(table.elements.map { "(\(differs($0, "b")))" }.joined(separator: " OR "))
                ORDER BY m.record_key
                """)
            result.changed = Int(try database.queryScalarInt("SELECT count(*) FROM \(delta) WHERE is_new = 0") ?? 0)
            if result.changed > 0 {
                // Every value this run changes: the old one goes to the history (same value: original provenance kept).
                for element in table.elements {
                    let value = q(element), file = q(element + ":file"), line = q(element + ":line")
                    try database.run("""
                        INSERT INTO base_history (base, record_key, element, old_value, old_file_id, old_line, new_value, new_file_id, new_line,
                                                  replaced_by_run, replaced_at)
                        SELECT ?, b.record_key, ?, b.\(value), b.\(file), b.\(line), m.\(value), m.\(file), m.\(line), ?, ?
                        FROM \(delta) d JOIN \(target) m ON m.record_key = d.record_key JOIN \(name) b ON b.record_key = d.record_key
                        WHERE d.is_new = 0 AND \(differs(element, "b")) ORDER BY d.record_key
                        """, [.text(table.base.id), .text(element), .integer(runID), .text(now)])
                    result.valuesChanged += database.changes
                }
                let sets = table.elements.flatMap { element -> [String] in
                    [q(element), q(element + ":file"), q(element + ":line")].map { column in
                        "\(column) = CASE WHEN \(differs(element, name)) THEN m.\(column) ELSE \(name).\(column) END"
                    }
                }
                try database.run("""
                    UPDATE \(name) SET \(sets.joined(separator: ", "))
                    FROM (SELECT t.* FROM \(delta) d JOIN \(target) t ON t.record_key = d.record_key WHERE d.is_new = 0) m
                    WHERE m.record_key = \(name).record_key
                    """)
            }
            let all = (["record_key", "first_run"] + table.elements.flatMap { [q($0), q($0 + ":file"), q($0 + ":line")] })
            try database.run("""
                INSERT INTO \(name) (\(all.joined(separator: ", "))) SELECT \(all.map { "m." + $0 }.joined(separator: ", "))
                FROM \(delta) d JOIN \(target) m ON m.record_key = d.record_key WHERE d.is_new = 1 ORDER BY d.record_key
                """)
            result.inserted = database.changes
            try database.execute("DROP TABLE \(delta)")
            try database.execute("DROP TABLE \(target)")
        }
        result.seconds = Date().timeIntervalSince(started)
        try database.run("INSERT INTO base_loads (run_id, base, records, inserted, changed, values_changed) VALUES (?, ?, ?, ?, ?, ?)",
                         [.integer(runID), .text(table.base.id), .int(result.records), .int(result.inserted),
                          .int(result.changed), .int(result.valuesChanged)])
        return result
    }

    /// One record for the quarantine: where it came from, its delivered values as JSON, why it failed.
    struct QuarantineRow: Sendable {
        let dataset: String
        let fileID: SQLValue, line: SQLValue, recordIndex: SQLValue, recordKey: SQLValue
        let raw: String
        let reasons: String
    }

    /// The run's records that failed an error-level rule, with their delivered values and reasons.
    static func quarantineRows(datasets: [Dataset], runID: Int64, database: Database) throws -> [QuarantineRow] {
        var result: [QuarantineRow] = []
        for dataset in datasets {
            let staging = StagingTable(dataset: dataset)
            let columns = staging.elementColumns
            let rows = try database.rows("""
                SELECT s.staging_rowid, s.file_id, s.line, s.record_index, s.record_key\(columns.map { ", g." + StagingTable.quote($0) }.joined())
                FROM \(StagingTable.quote("std_" + dataset.id)) s JOIN \(StagingTable.quote(staging.name)) g ON g.rowid = s.staging_rowid
                WHERE s.run_id = ? AND s.has_error = 1 ORDER BY s.staging_rowid
                """, [.integer(runID)])
            // Every error message of the dataset's records in one pass (a look-up per record would scan the findings each time).
            var reasons: [String: String] = [:]
            for row in try database.rows("""
                SELECT file_id, record_index, group_concat(message, '；') FROM findings
                WHERE run_id = ? AND dataset_id = ? AND severity = 'error' AND file_id IS NOT NULL GROUP BY file_id, record_index
                """, [.integer(runID), .text(dataset.id)]) {
                reasons["\(row[0].integer ?? 0):\(row[1].integer ?? 0)"] = row[2].text
            }
            for row in rows {
                var raw: [String: String] = [:]
                for (index, element) in columns.enumerated() { if let value = row[5 + index].text { raw[element] = value } }
                result.append(QuarantineRow(dataset: dataset.id, fileID: row[1], line: row[2], recordIndex: row[3], recordKey: row[4],
                                            raw: JSONText.object(raw),
                                            reasons: reasons["\(row[1].integer ?? 0):\(row[3].integer ?? 0)"] ?? ""))
            }
        }
        return result
    }

    /// Inserts the quarantined records of the run.
    private func quarantine(_ rows: [QuarantineRow], context: StageContext) throws -> Int {
        let insert = try context.database.prepare("""
            INSERT INTO quarantine (run_id, dataset_id, file_id, line, record_index, record_key, raw, reasons)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for row in rows {
            try insert.bind([.integer(context.runID), .text(row.dataset), row.fileID, row.line, row.recordIndex, row.recordKey,
                             .text(row.raw), .text(row.reasons)])
            try insert.run()
        }
        return rows.count
    }
}
