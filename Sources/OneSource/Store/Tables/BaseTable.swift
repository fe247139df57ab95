import Foundation

/// One base database table: a row per key, and per element its value with the file and line that
/// supplied it (provenance). Changed values keep their previous value in `base_history`; each run's load of it is
/// counted in `base_loads`. Its SQL, the merge included, lives here; which source wins is the load stage's policy.
public struct BaseTable {
    public let base: BaseDefinition
    /// The elements stored, in a stable order (catalog order of the feeding datasets' fields).
    public let elements: [String]

    public init(base: BaseDefinition, catalog: Catalog) {
        self.base = base
        var seen: Set<String> = [base.key]
        var list: [String] = []
        for dataset in catalog.datasets(of: base) {
            for field in dataset.fields where seen.insert(field.element).inserted { list.append(field.element) }
        }
        elements = list
    }

    public var name: String { base.table }

    static func q(_ identifier: String) -> String { StagingTable.quote(identifier) }

    public func ensure(in database: Database) throws {
        let columns = elements.flatMap { [($0, "TEXT"), ($0 + ":file", "INTEGER"), ($0 + ":line", "INTEGER")] }
        // Clustered on the key: one B-tree instead of a rowid table plus a key index.
        try StagingTable.ensure(name, fixed: ["record_key TEXT PRIMARY KEY", "first_run INTEGER NOT NULL"], elements: columns,
                                options: " WITHOUT ROWID", in: database)
    }

    /// Whether the table exists.
    public func exists(in database: Database) throws -> Bool {
        try database.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) == 1
    }

    // MARK: - A key's record

    /// One element of a key's base record: its value and where it came from.
    public struct Value: Sendable, Equatable {
        public let element: String
        public let value: String?
        public let file: Int64?
        public let line: Int64?
    }

    /// The key's record: the run that first loaded it and every element's value with its provenance; nil when absent.
    public func record(_ key: String, in database: Database) throws -> (firstRun: Int64, values: [Value])? {
        guard try exists(in: database) else { return nil }
        let columns = elements.flatMap { [BaseTable.q($0), BaseTable.q($0 + ":file"), BaseTable.q($0 + ":line")] }
        let statement = try database.prepare("SELECT first_run\(columns.map { ", " + $0 }.joined()) FROM \(BaseTable.q(name)) WHERE record_key = ?")
        try statement.bind([.text(key)])
        guard try statement.step() else { return nil }
        return (statement.int64("first_run"), elements.map { element in
            Value(element: element, value: statement.text(element), file: statement.optionalInt64(element + ":file"),
                  line: statement.optionalInt64(element + ":line"))
        })
    }

    /// Every record in key order: its key and the values of `elements` (nil where none); only the records with a value
    /// supplied by one of `files` when given (a dataset's records, by provenance).
    public func forEachRecord(elements chosen: [String], suppliedBy files: [Int64]?, in database: Database,
                              _ body: (String, [String?]) throws -> Void) throws {
        guard try exists(in: database) else { return }
        let present = chosen.filter { $0 == base.key || elements.contains($0) }
        let columns = present.map { $0 == base.key ? "record_key" : BaseTable.q($0) }
        var condition = ""
        if let files {
            let list = files.isEmpty ? "NULL" : files.map(String.init).joined(separator: ",")
            condition = " WHERE " + elements.map { "\(BaseTable.q($0 + ":file")) IN (\(list))" }.joined(separator: " OR ")
        }
        try database.forEach("SELECT record_key\(columns.map { ", " + $0 }.joined()) FROM \(BaseTable.q(name))\(condition) ORDER BY record_key") { row in
            var values: [String?] = []
            for element in chosen {
                if let index = present.firstIndex(of: element) { values.append(row.text(index + 1)) } else { values.append(nil) }
            }
            try body(row.text(0) ?? "", values)
        }
    }

    /// One change of a key's value, as the history keeps it.
    public struct Change: Sendable, Equatable {
        public let element: String
        public let old: String?, oldFile: Int64?, oldLine: Int64?
        public let new: String?, newFile: Int64?, newLine: Int64?
        public let run: Int64
        public let at: String
    }

    /// The changes of a key's values, oldest first.
    public func history(of key: String, in database: Database) throws -> [Change] {
        try database.map("""
            SELECT element, old_value, old_file_id, old_line, new_value, new_file_id, new_line, replaced_by_run, replaced_at FROM base_history
            WHERE base = ? AND record_key = ? ORDER BY history_id
            """, [.text(base.id), .text(key)]) { row in
            Change(element: row.text("element") ?? "", old: row.text("old_value"), oldFile: row.optionalInt64("old_file_id"),
                   oldLine: row.optionalInt64("old_line"), new: row.text("new_value"), newFile: row.optionalInt64("new_file_id"),
                   newLine: row.optionalInt64("new_line"), run: row.int64("replaced_by_run"), at: row.text("replaced_at") ?? "")
        }
    }

    /// The keys loaded into this base so far, counted from the loads (the size of the base without a scan).
    public func keysLoaded(in database: Database) throws -> Int64 {
        try database.queryScalarInt("SELECT coalesce(sum(inserted), 0) FROM base_loads WHERE base = ?", [.text(base.id)]) ?? 0
    }

    // MARK: - Merging a run

    /// One dataset feeding a merge: its standardized table, the priority of its value of each element it delivers
    /// (lower wins; the element's authority has 0), the files the run read of it, and the staging rowids its rows lie
    /// within (`RunFileTable.stagingSpans`).
    public struct Source: Sendable {
        public let table: StandardizedTable
        public let priorities: [String: Int]
        public let files: [Int64]
        public let span: ClosedRange<Int64>?

        public init(table: StandardizedTable, priorities: [String: Int], files: [Int64], span: ClosedRange<Int64>?) {
            self.table = table
            self.priorities = priorities
            self.files = files
            self.span = span
        }
    }

    /// What a merge did.
    public struct Merged: Sendable, Equatable {
        public var records = 0, inserted = 0, changed = 0, valuesChanged = 0
        /// Seconds each source's rows took to go in, in source order.
        public var sourceSeconds: [Double] = []
    }

    /// The page cache, in KiB, while a source's rows are sorted by key on their way into the base. SQLite keeps as much of a
    /// sort in memory as the cache holds before it writes a sorted run to a temporary file: under the writer's 64 MiB the
    /// 1M city's legal entities (197k rows) raised the night's peak memory from 276-280 MB to 323-325 MB and went in in
    /// 0.59 and 0.61 s; under 4 MiB, in 0.41 and 0.43 s (alternating whole nights), the peak staying where ingest left it.
    static let sortCacheKiB = 4 * 1024

    /// Merges the run's verified rows of `sources` into the base, element by element, in SQL: each source's rows go in
    /// as an upsert that takes a value only from a strictly better source than the one already there, one source after
    /// the other. With `inDeliveryOrder` each source's rows go in as delivered (right when every source's keys arrive as
    /// a few ascending streams), otherwise sorted by key and delivery; either way every key gets its rows in the order
    /// of (source, delivery), so the result does not depend on which. A base loaded for the first time is merged into directly;
    /// otherwise the run is merged into a table of the scratch database first, which is then compared with the base
    /// (history of every changed value) and applied to it. Nothing per key is held in memory; SQLite does all per-row work.
    /// The upserts are `OR FAIL` (see `StagingTable.multiRowInsert`): a source's upsert rewrites pages the source
    /// before it wrote in the same transaction, and SQLite would otherwise copy each of them to a statement journal
    /// first (1M city: 0.37 GB of the load's 1.36 GB of writes). Records the load in `base_loads`.
    /// `scratch`: the schema of a scratch database (`Database.withScratch`) for the run's merged table and its changes,
    /// left there for the caller to discard with the database (dropping them walked every page).
    public func merge(run runID: Int64, sources: [Source], inDeliveryOrder: Bool, scratch: String,
                      in database: Database) throws -> Merged {
        var result = Merged()
        let name = BaseTable.q(self.name)
        let q = BaseTable.q
        let empty = try database.queryScalarInt("SELECT count(*) FROM (SELECT 1 FROM \(name) LIMIT 1)") == 0
        let schema = q(scratch)
        let target = empty ? name : "\(schema).\(q("merge_" + base.id))"
        if !empty {
            let columns = elements.flatMap { ["\(q($0)) TEXT", "\(q($0 + ":file")) INTEGER", "\(q($0 + ":line")) INTEGER"] }
            try database.execute("""
                CREATE TABLE \(target) (record_key TEXT PRIMARY KEY, first_run INTEGER NOT NULL, \(columns.joined(separator: ", "))) WITHOUT ROWID
                """)
        }
        /// The priority of the value in `column` (an element's `:file` column): by the source of that file.
        func priority(_ element: String, column: String) -> String {
            var cases: [String] = []
            for source in sources {
                if let priority = source.priorities[element], !source.files.isEmpty {
                    cases.append("WHEN \(column) IN (\(source.files.map(String.init).joined(separator: ", "))) THEN \(priority)")
                }
            }
            return cases.isEmpty ? "255" : "CASE \(cases.joined(separator: " ")) ELSE 255 END"
        }
        /// Whether a source with rows in this merge delivers `element` at a priority worse than `priority`: only such a
        /// source's value (the values in the target all come from this merge's sources) can `priority` beat.
        func worse(than priority: Int, _ element: String) -> Bool {
            sources.contains { source in source.priorities[element].map { $0 > priority } == true && !source.files.isEmpty }
        }
        /// The upsert taking each of `elements` from the new row when it comes from a strictly better source than the
        /// value there; every new row comes from `source`, whose priority is then a constant.
        func upsert(_ elements: [String], from source: Source) -> String {
            let updates = elements.flatMap { element -> [String] in
                let value = q(element), file = q(element + ":file")
                let own = source.priorities[element] ?? 255
                // When no source of a worse priority delivers the element, a value already there (this merge's, from one
                // of the sources) is never beaten: only an empty one takes the new value. The same test, without the two
                // priority lookups for each of the three columns of every updated row.
                let better = worse(than: own, element)
                    ? "excluded.\(value) IS NOT NULL AND (\(value) IS NULL OR \(own) < (\(priority(element, column: file))))"
                    : "excluded.\(value) IS NOT NULL AND \(value) IS NULL"
                return [value, file, q(element + ":line")].map { "\($0) = CASE WHEN \(better) THEN excluded.\($0) ELSE \($0) END" }
            }
            return "ON CONFLICT (record_key) DO \(updates.isEmpty ? "NOTHING" : "UPDATE SET " + updates.joined(separator: ", "))"
        }
        // Source after source, each source's rows through its own upsert: as delivered when every source's keys arrive as
        // a few ascending streams, otherwise sorted by key (then delivery). Either way every key gets its rows in the order
        // of (source, delivery), as one sort of all sources by key, source and delivery gave it, so the same values win.
        // Sorting each source alone sorts rows holding its own elements only (公安局's 8 of the persons base's 23), and
        // its rows then append to the base or update it in key order (50k city with 公安局's and 人社局's exports
        // shuffled, load by hand: 2,990 M instructions sorted together, 2,477 M source by source).
        // A source's row leaves the elements it does not deliver as they are: only its own are updated, and a new row
        // gets only its own (公安局's rows into the persons base: 4% fewer instructions than with the other sources' 21
        // empty columns copied in, 50k city, in SQLite's shell).
        for source in sources {
            let started = Date()
            defer { result.sourceSeconds.append(Date().timeIntervalSince(started)) }
            let own = elements.filter { source.priorities[$0] != nil }
            let targetColumns = ["record_key", "first_run"] + own.flatMap { [q($0), q($0 + ":file"), q($0 + ":line")] }
            let sourceColumns = ["record_key", "\(runID)"] + own.flatMap { element -> [String] in
                let value = q(element)
                return [value, "CASE WHEN \(value) IS NULL THEN NULL ELSE file_id END", "CASE WHEN \(value) IS NULL THEN NULL ELSE line END"]
            }
            let insert = """
                INSERT OR FAIL INTO \(target) (\(targetColumns.joined(separator: ", ")))
                SELECT \(sourceColumns.joined(separator: ", ")) FROM \(q(source.table.name))
                WHERE run_id = ?1\(StandardizedTable.within(source.span)) AND has_error = 0 AND record_key <> ''
                ORDER BY \(inDeliveryOrder ? "staging_rowid" : "record_key, staging_rowid")
                \(upsert(own, from: source))
                """
            if inDeliveryOrder {
                try database.run(insert, [.integer(runID)])
            } else {
                try database.withCacheSize(kiB: BaseTable.sortCacheKiB) { try database.run(insert, [.integer(runID)]) }
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
            let delta = "\(schema).\(q("delta_" + base.id))"
            try database.execute("CREATE TABLE \(delta) (record_key TEXT PRIMARY KEY, is_new INTEGER NOT NULL) WITHOUT ROWID")
            try database.run("""
                INSERT INTO \(delta) (record_key, is_new)
                SELECT m.record_key, b.record_key IS NULL FROM \(target) m LEFT JOIN \(name) b ON b.record_key = m.record_key
                WHERE b.record_key IS NULL OR \(elements.map { "(\(differs($0, "b")))" }.joined(separator: " OR "))
                ORDER BY m.record_key
                """)
            result.changed = Int(try database.queryScalarInt("SELECT count(*) FROM \(delta) WHERE is_new = 0") ?? 0)
            if result.changed > 0 {
                // Every value this run changes: the old one goes to the history (same value: original provenance kept).
                for element in elements {
                    let value = q(element), file = q(element + ":file"), line = q(element + ":line")
                    try database.run("""
                        INSERT INTO base_history (base, record_key, element, old_value, old_file_id, old_line, new_value, new_file_id, new_line,
                                                  replaced_by_run, replaced_at)
                        SELECT ?, b.record_key, ?, b.\(value), b.\(file), b.\(line), m.\(value), m.\(file), m.\(line), ?, ?
                        FROM \(delta) d JOIN \(target) m ON m.record_key = d.record_key JOIN \(name) b ON b.record_key = d.record_key
                        WHERE d.is_new = 0 AND \(differs(element, "b")) ORDER BY d.record_key
                        """, [.text(base.id), .text(element), .integer(runID), .text(now)])
                    result.valuesChanged += database.changes
                }
                let sets = elements.flatMap { element -> [String] in
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
            let all = (["record_key", "first_run"] + elements.flatMap { [q($0), q($0 + ":file"), q($0 + ":line")] })
            try database.run("""
                INSERT INTO \(name) (\(all.joined(separator: ", "))) SELECT \(all.map { "m." + $0 }.joined(separator: ", "))
                FROM \(delta) d JOIN \(target) m ON m.record_key = d.record_key WHERE d.is_new = 1 ORDER BY d.record_key
                """)
            result.inserted = database.changes
        }
        try database.run("INSERT INTO base_loads (run_id, base, records, inserted, changed, values_changed) VALUES (?, ?, ?, ?, ?, ?)",
                         [.integer(runID), .text(base.id), .int(result.records), .int(result.inserted), .int(result.changed),
                          .int(result.valuesChanged)])
        return result
    }

    /// Undoes an earlier merge of `run`: removes the keys it created, restores the values it replaced, forgets its load.
    public func revert(run: Int64, in database: Database) throws {
        // A base the run has not loaded has nothing of it (its rows, history and count are committed together):
        // skip the scan of the whole base for `first_run`, which would cost every night.
        guard try database.queryScalarInt("SELECT count(*) FROM base_loads WHERE run_id = ? AND base = ?",
                                          [.integer(run), .text(base.id)]) ?? 0 > 0 else { return }
        let name = BaseTable.q(self.name)
        let restore = try database.map("""
            SELECT record_key, element, old_value, old_file_id, old_line FROM base_history
            WHERE base = ? AND replaced_by_run = ? ORDER BY history_id DESC
            """, [.text(base.id), .integer(run)]) { row in
            (key: row.text("record_key") ?? "", element: row.text("element"), value: row.value("old_value"), file: row.value("old_file_id"),
             line: row.value("old_line"))
        }
        for change in restore {
            guard let element = change.element else { continue }
            try database.run("""
                UPDATE \(name) SET \(BaseTable.q(element)) = ?, \(BaseTable.q(element + ":file")) = ?, \(BaseTable.q(element + ":line")) = ?
                WHERE record_key = ?
                """, [change.value, change.file, change.line, .text(change.key)])
        }
        try database.run("DELETE FROM base_history WHERE base = ? AND replaced_by_run = ?", [.text(base.id), .integer(run)])
        try database.run("DELETE FROM \(name) WHERE first_run = ?", [.integer(run)])
        try database.run("DELETE FROM base_loads WHERE run_id = ? AND base = ?", [.integer(run), .text(base.id)])
    }

    /// Forgets every base's load count of `run` (bases no longer in the catalog included).
    public static func forgetLoads(run: Int64, in database: Database) throws {
        try database.run("DELETE FROM base_loads WHERE run_id = ?", [.integer(run)])
    }
}
