import Foundation

/// The load stage: merges the run's verified records into the base databases, the authoritative source
/// winning per element, keeping provenance and the history of changed values; records that failed an
/// error-level rule go to quarantine with their delivered values and reasons instead.
///
/// Re-running the stage for a run first undoes that run's earlier load, so the result is the same; it is
/// refused when a later run has loaded since (its changes are built on this one's).
public struct LoadStage: Stage {
    public let name = "load"

    public init() {}

    /// One element's winning value for one key so far (kept small: there are millions).
    struct Cell {
        var value: String
        var fileID: UInt32
        var line: UInt32
        /// 0 for the element's authority; then the catalog order of the other datasets.
        var priority: UInt8
    }

    /// A run's load can be redone only while no later run has loaded on top of it.
    public func preflight(_ context: StageContext) throws {
        try refuseIfLaterRun(in: "base_loads", context, did: "loaded the base databases")
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let runID = context.runID
        let datasets = try context.pipeline.selectedDatasets(in: context.catalog)
        let selected = Set(datasets.map(\.id))
        let bases = context.catalog.bases.filter { base in context.catalog.datasets(of: base).contains { selected.contains($0.id) } }
        let tables = bases.map { BaseTable(base: $0, catalog: context.catalog) }
        for table in tables { try table.ensure(in: database) }
        return try database.transaction {
            try preflight(context)
            let reverting = Date()
            try revert(run: runID, tables: tables, database: database)
            context.log.info(String(format: "earlier load of this run undone in %.2f s", Date().timeIntervalSince(reverting)))
            var loaded = 0, records = 0
            for table in tables {
                let result = try load(table, datasets: datasets, context: context)
                loaded += result.records
                records += result.records
                context.log.info("\(table.base.id): \(result.records) keys, \(result.inserted) new, \(result.changed) changed (\(result.valuesChanged) values); "
                                 + String(format: "merged and written in %.2f s", result.seconds))
            }
            let quarantining = Date()
            let quarantined = try quarantine(datasets: datasets, context: context)
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
    }

    /// One feeding dataset's verified rows, read in key order (the first delivered first among equal keys).
    private final class Source {
        let statement: Statement
        /// Per selected column: the base slot it feeds and its priority there.
        let slots: [Int]
        let priorities: [UInt8]
        /// The current row's key, nil when the dataset is exhausted.
        var key: String?

        init(statement: Statement, slots: [Int], priorities: [UInt8]) throws {
            self.statement = statement
            self.slots = slots
            self.priorities = priorities
            try advance()
        }

        func advance() throws {
            key = try statement.step() ? statement.text(0) : nil
        }
    }

    /// Merges the feeding datasets key by key and writes each key's row. Every dataset is read sorted by key
    /// (SQLite sorts, spilling to temporary files when large), so nothing per key is held in memory and
    /// the base, clustered on its key, is written in order.
    private func load(_ table: BaseTable, datasets: [Dataset], context: StageContext) throws -> LoadResult {
        let database = context.database
        let catalog = context.catalog
        let feeding = catalog.datasets(of: table.base).filter { dataset in datasets.contains { $0.id == dataset.id } }
        let slot = Dictionary(uniqueKeysWithValues: table.elements.enumerated().map { ($1, $0) })
        var sources: [Source] = []
        for (position, dataset) in feeding.enumerated() {
            let columns = dataset.fields.map(\.element).filter { slot[$0] != nil }
            let priorities = columns.map { element -> UInt8 in
                UInt8(min(catalog.element(element)?.authority == dataset.agency ? 0 : position + 1, 255))
            }
            let select = try database.prepare("""
                SELECT record_key, file_id, line\(columns.map { ", " + BaseTable.q($0) }.joined())
                FROM \(StagingTable.quote("std_" + dataset.id)) WHERE run_id = ? AND has_error = 0 AND record_key <> ''
                ORDER BY record_key, staging_rowid
                """)
            try select.bind([.integer(context.runID)])
            sources.append(try Source(statement: select, slots: columns.map { slot[$0]! }, priorities: priorities))
        }
        var result = LoadResult()
        let started = Date()
        let name = BaseTable.q(table.name)
        let columnList = table.elements.flatMap { [BaseTable.q($0), BaseTable.q($0 + ":file"), BaseTable.q($0 + ":line")] }
        let existing = try database.prepare("SELECT \(columnList.joined(separator: ", ")) FROM \(name) WHERE record_key = ?")
        let insert = try database.prepare("""
            INSERT INTO \(name) (record_key, first_run, \(columnList.joined(separator: ", ")))
            VALUES (?, ?\(String(repeating: ", ?", count: columnList.count)))
            """)
        let history = try database.prepare("""
            INSERT INTO base_history (base, record_key, element, old_value, old_file_id, old_line, new_value, new_file_id, new_line,
                                      replaced_by_run, replaced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let now = Clock.now()
        // A base loaded for the first time needs no look-up per key.
        let empty = try database.queryScalarInt("SELECT count(*) FROM (SELECT 1 FROM \(name) LIMIT 1)") == 0
        var cells = [Cell?](repeating: nil, count: table.elements.count)
        while true {
            // The smallest current key over all sources (SQLite's BINARY order: bytes).
            var smallest: String?
            for source in sources {
                if let key = source.key, smallest.map({ key.utf8.lexicographicallyPrecedes($0.utf8) }) ?? true { smallest = key }
            }
            guard let key = smallest else { break }
            for index in cells.indices { cells[index] = nil }
            // Sources in catalog order, rows in delivery order: a value wins only with a strictly better priority.
            for source in sources {
                while let current = source.key, current.utf8.elementsEqual(key.utf8) {
                    let statement = source.statement
                    let fileID = UInt32(truncatingIfNeeded: statement.int64(1)), line = UInt32(truncatingIfNeeded: statement.int(2))
                    for (column, target) in source.slots.enumerated() {
                        let priority = source.priorities[column]
                        if let current = cells[target], current.priority <= priority { continue }
                        guard let value = statement.text(3 + column) else { continue }
                        cells[target] = Cell(value: value, fileID: fileID, line: line, priority: priority)
                    }
                    try source.advance()
                }
            }
            result.records += 1
            if !empty { try existing.bind([.text(key)]) }
            if try !empty && existing.step() {
                var assignments: [String] = []
                var arguments: [SQLValue] = []
                for (index, element) in table.elements.enumerated() {
                    guard let cell = cells[index] else { continue }   // not delivered this run: keep what the base has
                    let old = existing.text(index * 3)
                    if old == cell.value { continue }                   // same value: keep its original provenance
                    try history.bind([.text(table.base.id), .text(key), .text(element), .optional(old),
                                      existing.value(index * 3 + 1), existing.value(index * 3 + 2), .text(cell.value),
                                      .integer(Int64(cell.fileID)), .int(Int(cell.line)), .integer(context.runID), .text(now)])
                    try history.run()
                    assignments.append("\(BaseTable.q(element)) = ?, \(BaseTable.q(element + ":file")) = ?, \(BaseTable.q(element + ":line")) = ?")
                    arguments += [.text(cell.value), .integer(Int64(cell.fileID)), .int(Int(cell.line))]
                }
                try existing.reset()
                if !assignments.isEmpty {
                    result.changed += 1
                    result.valuesChanged += assignments.count
                    try database.run("UPDATE \(name) SET \(assignments.joined(separator: ", ")) WHERE record_key = ?", arguments + [.text(key)])
                }
            } else {
                if !empty { try existing.reset() }
                result.inserted += 1
                // Bound one by one: an array of values per row cost more than the insert itself.
                try insert.bind(.text(key), at: 1)
                try insert.bind(.integer(context.runID), at: 2)
                for (index, cell) in cells.enumerated() {
                    let column = Int32(3 + index * 3)
                    if let cell {
                        try insert.bind(.text(cell.value), at: column)
                        try insert.bind(Int(cell.fileID), at: column + 1)
                        try insert.bind(Int(cell.line), at: column + 2)
                    } else {
                        try insert.bindNull(at: column)
                        try insert.bindNull(at: column + 1)
                        try insert.bindNull(at: column + 2)
                    }
                }
                try insert.step()
                insert.resetKeepingBindings()
            }
        }
        result.seconds = Date().timeIntervalSince(started)
        try database.run("INSERT INTO base_loads (run_id, base, records, inserted, changed, values_changed) VALUES (?, ?, ?, ?, ?, ?)",
                         [.integer(context.runID), .text(table.base.id), .int(result.records), .int(result.inserted),
                          .int(result.changed), .int(result.valuesChanged)])
        return result
    }

    /// Copies the run's records that failed an error-level rule, with their delivered values and reasons.
    private func quarantine(datasets: [Dataset], context: StageContext) throws -> Int {
        let database = context.database
        var count = 0
        for dataset in datasets {
            let staging = StagingTable(dataset: dataset)
            let columns = staging.elementColumns
            let rows = try database.rows("""
                SELECT s.staging_rowid, s.file_id, s.line, s.record_index, s.record_key\(columns.map { ", g." + StagingTable.quote($0) }.joined())
                FROM \(StagingTable.quote("std_" + dataset.id)) s JOIN \(StagingTable.quote(staging.name)) g ON g.rowid = s.staging_rowid
                WHERE s.run_id = ? AND s.has_error = 1 ORDER BY s.staging_rowid
                """, [.integer(context.runID)])
            // Every error message of the dataset's records in one pass (a look-up per record would scan the findings each time).
            var reasons: [String: String] = [:]
            for row in try database.rows("""
                SELECT file_id, record_index, group_concat(message, '；') FROM findings
                WHERE run_id = ? AND dataset_id = ? AND severity = 'error' AND file_id IS NOT NULL GROUP BY file_id, record_index
                """, [.integer(context.runID), .text(dataset.id)]) {
                reasons["\(row[0].integer ?? 0):\(row[1].integer ?? 0)"] = row[2].text
            }
            let insert = try database.prepare("""
                INSERT INTO quarantine (run_id, dataset_id, file_id, line, record_index, record_key, raw, reasons)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                var raw: [String: String] = [:]
                for (index, element) in columns.enumerated() { if let value = row[5 + index].text { raw[element] = value } }
                let json = String(decoding: try JSONSerialization.data(withJSONObject: raw, options: [.sortedKeys]), as: UTF8.self)
                let reason = reasons["\(row[1].integer ?? 0):\(row[3].integer ?? 0)"] ?? ""
                try insert.bind([.integer(context.runID), .text(dataset.id), row[1], row[2], row[3], row[4], .text(json), .text(reason)])
                try insert.run()
                count += 1
            }
        }
        return count
    }
}
