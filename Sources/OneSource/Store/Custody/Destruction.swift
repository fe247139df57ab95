import Foundation

/// Destruction (measures art. 22): the values of a dataset, of a record key, or of a key in one dataset are removed
/// from every table that holds them (staging, standardized, bases and their history, quarantine, rejected lines,
/// findings, tasks), with SQLite's `secure_delete` so freed pages are zeroed, and the write-ahead log is cut, so the
/// values are gone from the file. What stays: who destroyed what, when, why and under which basis, the counts, the
/// files' hashes, and a salted, iterated hash of the key (a later request can be checked against it; the key cannot
/// be read back from it in practice).
///
/// Destroying a key everywhere also replaces it wherever it appears inside other text (another record's field, a
/// finding's message, the audit trail's reveal entries, a command line) with the marker `〔已销毁#N〕`. A key in one
/// dataset removes that dataset's records and the base values they supplied; the key itself stays where other
/// datasets still lawfully hold it.
public struct Destruction {
    public let database: Database
    public let catalog: Catalog

    public init(database: Database, catalog: Catalog) {
        self.database = database
        self.catalog = catalog
    }

    /// What one destruction removed.
    public struct Outcome: Sendable, Equatable {
        public let id: Int64
        public let scope: String
        /// Table (or table family) and rows removed or values cleared, in the order done.
        public var removed: [(String, Int)] = []
        /// Backups and task exports written before, which still hold the values (from the audit trail).
        public var copiesOutside: [String] = []

        public var summary: String {
            removed.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        }

        public static func == (a: Outcome, b: Outcome) -> Bool {
            a.id == b.id && a.scope == b.scope && a.summary == b.summary && a.copiesOutside == b.copiesOutside
        }
    }

    /// Destroys the values of `dataset`, of `key` everywhere, or of `key` in `dataset`.
    /// - Throws: `SealError.nothingNamed` / `.needs` when nothing is named or a reason or basis is missing.
    @discardableResult
    public func destroy(dataset: String?, key: String?, reason: String, basis: String) throws -> Outcome {
        guard dataset != nil || key != nil else { throw SealError.nothingNamed }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw SealError.needs("a reason") }
        guard !basis.trimmingCharacters(in: .whitespaces).isEmpty else { throw SealError.needs("a legal basis") }
        let scope = [dataset.map { "dataset \($0)" }, key.map { "key \(Masking.mask($0, kind: "id_number"))" }].compactMap { $0 }.joined(separator: ", ")
        // Freed pages and cells are overwritten with zeros, not left in the file.
        try database.execute("PRAGMA secure_delete=ON")
        defer { try? database.execute("PRAGMA secure_delete=OFF") }
        var outcome = try database.transaction { () -> Outcome in
            try database.run("""
                INSERT INTO destructions (dataset_id, key_sha256, destroyed_at, destroyed_by, reason, basis, removed) VALUES (?, ?, ?, ?, ?, ?, '')
                """, [.optional(dataset), .optional(key.map(Destruction.keyHash)), .text(Clock.now()),
                      .text("\(Clock.userName())@\(Clock.hostName())"), .text(reason), .text(basis)])
            var outcome = Outcome(id: database.lastInsertRowID, scope: scope)
            let marker = "〔已销毁#\(outcome.id)〕"
            if let key {
                try destroyKey(key, in: dataset, marker: marker, into: &outcome)
            } else if let dataset {
                try destroyDataset(dataset, marker: marker, into: &outcome)
            }
            try database.run("UPDATE destructions SET removed = ? WHERE destruction_id = ?", [.text(outcome.summary), .integer(outcome.id)])
            try AuditTrail(database: database).record("data_destroyed", dataset: dataset,
                                                      counts: "destruction \(outcome.id): \(scope); reason: \(reason); basis: \(basis); removed: \(outcome.summary)",
                                                      outcome: "destroyed")
            return outcome
        }
        // The old pages are in the write-ahead log until copied back: copy them and cut the log to nothing.
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try Retention(database: database).giveBackSpace()
        outcome.copiesOutside = try database.rows("""
            SELECT action, path FROM audit WHERE action IN ('store_backed_up', 'tasks_exported') AND path IS NOT NULL ORDER BY audit_id
            """).compactMap { row in row[1].text.map { "\(row[0].text == "store_backed_up" ? "backup" : "task export") \($0)" } }
        return outcome
    }

    // MARK: - A key

    private func destroyKey(_ key: String, in only: String?, marker: String, into outcome: inout Outcome) throws {
        let tables = try tableNames()
        let datasets = only.map { [$0] } ?? Array(Set(tables.staging.keys).union(tables.standardized.keys)).sorted()
        var staged = 0, standardized = 0
        for id in datasets {
            if let std = tables.standardized[id] {
                if let stg = tables.staging[id] {
                    try database.run("DELETE FROM \(q(stg)) WHERE rowid IN (SELECT staging_rowid FROM \(q(std)) WHERE record_key = ?)", [.text(key)])
                    staged += database.changes
                }
                try database.run("DELETE FROM \(q(std)) WHERE record_key = ?", [.text(key)])
                standardized += database.changes
            }
            // Rows staged by a run that never verified them have no standardized twin: found by the key as delivered.
            if let stg = tables.staging[id], let keyElement = catalog.dataset(id)?.key.first, catalog.dataset(id)?.key.count == 1,
               try columns(of: stg).contains(keyElement) {
                try database.run("DELETE FROM \(q(stg)) WHERE \(q(keyElement)) = ?", [.text(key)])
                staged += database.changes
            }
        }
        outcome.removed += [("staged rows", staged), ("standardized rows", standardized)]
        let inDataset = only == nil ? "" : " AND dataset_id = ?2"
        let arguments: [SQLValue] = [.text(key)] + (only.map { [.text($0)] } ?? [])
        try database.run("DELETE FROM quarantine WHERE record_key = ?1\(inDataset)", arguments)
        outcome.removed.append(("quarantined records", database.changes))
        try database.run("""
            UPDATE findings SET record_key = ?3, observed = NULL, expected = NULL, reason = NULL, message = ?4 WHERE record_key = ?1\(only == nil ? "" : " AND dataset_id = ?2")
            """, arguments + (only == nil ? [.null] : []) + [.text(marker), .text("记录已依法销毁\(marker)")])
        outcome.removed.append(("findings' values", database.changes))
        try database.run("""
            UPDATE tasks SET identity = replace(identity, ?1, ?3), record_key = ?3, observed = NULL, expected = NULL, accepted_value = NULL,
                reply_reason = NULL, previous = NULL, message = ?4 WHERE record_key = ?1\(only == nil ? "" : " AND dataset_id = ?2")
            """, arguments + (only == nil ? [.null] : []) + [.text(marker), .text("记录已依法销毁\(marker)")])
        outcome.removed.append(("tasks' values", database.changes))
        if let only {
            // The base values this dataset's records supplied, and their history.
            var values = 0, history = 0
            for table in bases(fedBy: only) {
                for element in table.elements {
                    try database.run("""
                        UPDATE \(q(table.name)) SET \(q(element)) = NULL WHERE record_key = ?1
                          AND \(q(element + ":file")) IN (SELECT file_id FROM run_files WHERE dataset_id = ?2)
                        """, [.text(key), .text(only)])
                    values += database.changes
                }
                history += try clearHistory(base: table.base.id, dataset: only, key: key)
            }
            outcome.removed += [("base values", values), ("history values", history)]
        } else {
            var rows = 0
            for base in catalog.bases {
                let table = BaseTable(base: base, catalog: catalog)
                guard try exists(table.name) else { continue }
                try database.run("DELETE FROM \(q(table.name)) WHERE record_key = ?", [.text(key)])
                rows += database.changes
            }
            outcome.removed.append(("base records", rows))
            try database.run("DELETE FROM base_history WHERE record_key = ?", [.text(key)])
            outcome.removed.append(("history entries", database.changes))
            // A rejected line that carries the key: its text goes (it is that person's line, or names them).
            try database.run("UPDATE rejections SET raw = NULL WHERE instr(raw, ?) > 0", [.text(key)])
            outcome.removed.append(("rejected lines' text", database.changes))
            outcome.removed.append(("other values naming the key", try scrub(key, marker: marker)))
        }
    }

    // MARK: - A dataset

    private func destroyDataset(_ id: String, marker: String, into outcome: inout Outcome) throws {
        let tables = try tableNames()
        if let stg = tables.staging[id] {
            try database.run("DELETE FROM \(q(stg))")
            outcome.removed.append(("staged rows", database.changes))
        }
        if let std = tables.standardized[id] {
            try database.run("DELETE FROM \(q(std))")
            outcome.removed.append(("standardized rows", database.changes))
        }
        try database.run("DELETE FROM quarantine WHERE dataset_id = ?", [.text(id)])
        outcome.removed.append(("quarantined records", database.changes))
        try database.run("UPDATE rejections SET raw = NULL WHERE dataset_id = ? AND raw IS NOT NULL", [.text(id)])
        outcome.removed.append(("rejected lines' text", database.changes))
        try database.run("""
            UPDATE findings SET record_key = ?2, observed = NULL, expected = NULL, reason = NULL, message = ?3 WHERE dataset_id = ?1
            """, [.text(id), .text(marker), .text("记录已依法销毁\(marker)")])
        outcome.removed.append(("findings' values", database.changes))
        try database.run("""
            UPDATE tasks SET identity = identity || ?2 || task_id, record_key = ?2, observed = NULL, expected = NULL, accepted_value = NULL,
                reply_reason = NULL, previous = NULL, message = ?3 WHERE dataset_id = ?1
            """, [.text(id), .text(marker), .text("记录已依法销毁\(marker)")])
        outcome.removed.append(("tasks' values", database.changes))
        var values = 0, records = 0, history = 0
        for table in bases(fedBy: id) {
            for element in table.elements {
                try database.run("""
                    UPDATE \(q(table.name)) SET \(q(element)) = NULL
                    WHERE \(q(element + ":file")) IN (SELECT file_id FROM run_files WHERE dataset_id = ?) AND \(q(element)) IS NOT NULL
                    """, [.text(id)])
                values += database.changes
            }
            // A base record left with no value at all held only what this dataset said: its key goes too.
            try database.run("DELETE FROM \(q(table.name)) WHERE \(table.elements.map { "\(q($0)) IS NULL" }.joined(separator: " AND "))")
            records += database.changes
            history += try clearHistory(base: table.base.id, dataset: id, key: nil)
        }
        outcome.removed += [("base values", values), ("base records left empty", records), ("history values", history)]
    }

    // MARK: - Helpers

    /// Clears the old and new values of history entries whose value came from `dataset`'s files.
    private func clearHistory(base: String, dataset: String, key: String?) throws -> Int {
        var cleared = 0
        for side in ["old", "new"] {
            try database.run("""
                UPDATE base_history SET \(side)_value = NULL WHERE base = ?1 \(key == nil ? "" : "AND record_key = ?3")
                  AND \(side)_file_id IN (SELECT file_id FROM run_files WHERE dataset_id = ?2) AND \(side)_value IS NOT NULL
                """, [.text(base), .text(dataset)] + (key.map { [.text($0)] } ?? []))
            cleared += database.changes
        }
        return cleared
    }

    /// Replaces `key` inside every text value of every table with `marker`; the audit trail's append-only triggers are
    /// lifted for this one statement and put back as they were, in the same transaction.
    private func scrub(_ key: String, marker: String) throws -> Int {
        var total = 0
        let tables = try database.rows("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'destructions' ORDER BY name
            """).compactMap { $0[0].text }
        for table in tables {
            let text = try database.rows("SELECT name, type FROM pragma_table_info(?)", [.text(table)]).compactMap { row -> String? in
                guard let name = row[0].text, let type = row[1].text?.uppercased(), type.isEmpty || type.contains("TEXT") || type.contains("CHAR") else { return nil }
                return name
            }
            guard !text.isEmpty else { continue }
            let triggers = table == "audit"
                ? try database.rows("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'").compactMap { row in
                    row[0].text.flatMap { name in row[1].text.map { (name, $0) } } }
                : []
            for (name, _) in triggers { try database.execute("DROP TRIGGER \(q(name))") }
            try database.run("""
                UPDATE \(q(table)) SET \(text.map { "\(q($0)) = CASE WHEN instr(\(q($0)), ?1) > 0 THEN replace(\(q($0)), ?1, ?2) ELSE \(q($0)) END" }.joined(separator: ", "))
                WHERE \(text.map { "instr(\(q($0)), ?1) > 0" }.joined(separator: " OR "))
                """, [.text(key), .text(marker)])
            total += database.changes
            for (_, sql) in triggers { try database.execute(sql) }
        }
        return total
    }

    private func bases(fedBy dataset: String) -> [BaseTable] {
        catalog.bases.filter { base in catalog.datasets(of: base).contains { $0.id == dataset } }
            .map { BaseTable(base: $0, catalog: catalog) }
            .filter { (try? exists($0.name)) == true }
    }

    private func tableNames() throws -> (staging: [String: String], standardized: [String: String]) {
        func names(_ table: String) throws -> [String: String] {
            var result: [String: String] = [:]
            try database.forEach("SELECT dataset_id, table_name FROM \(table)") { row in
                if let dataset = row.text("dataset_id"), let name = row.text("table_name"), try exists(name) { result[dataset] = name }
            }
            return result
        }
        return (try names("staging_tables"), try names("standardized_tables"))
    }

    private func exists(_ table: String) throws -> Bool {
        try database.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(table)]) == 1
    }

    private func columns(of table: String) throws -> Set<String> {
        Set(try database.rows("SELECT name FROM pragma_table_info(?)", [.text(table)]).compactMap { $0[0].text })
    }

    private func q(_ identifier: String) -> String { StagingTable.quote(identifier) }

    /// A salted SHA-256 iterated 20,000 times: `sha256-20000$<salt>$<hex>`. An identity number has few enough values
    /// that a plain hash could be reversed by trying them all; this makes each try cost 20,000 hashes.
    static func keyHash(_ key: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return "sha256-20000$\(salt)$" + iteratedHash(key, salt: salt, rounds: 20_000)
    }

    static func iteratedHash(_ key: String, salt: String, rounds: Int) -> String {
        var hasher = SHA256()
        hasher.update(Array((salt + key).utf8))
        var digest = hasher.finalizeBytes()
        for _ in 1..<max(1, rounds) {
            var next = SHA256()
            next.update(digest)
            digest = next.finalizeBytes()
        }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
