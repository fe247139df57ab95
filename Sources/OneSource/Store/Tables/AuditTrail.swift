/// The append-only audit trail: who did what to which data, when, on which host, with what counts and
/// outcome (runs, stages, input files with their SHA-256, exports, reply imports, reveals, reports).
public struct AuditTrail {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// One entry.
    public struct Entry: Sendable, Equatable {
        public let at: String
        public let user: String
        public let host: String
        public let action: String
        public let run: Int64?
        public let dataset: String?
        public let path: String?
        public let size: Int64?
        public let sha256: String?
        public let counts: String?
        public let outcome: String
    }

    /// Appends an entry (its own statement: it stays even when a stage's transaction is rolled back later).
    public func record(_ action: String, run: Int64? = nil, dataset: String? = nil, path: String? = nil, size: Int64? = nil,
                       sha256: String? = nil, counts: String? = nil, outcome: String) throws {
        try database.run("""
            INSERT INTO audit (at, user_name, host_name, action, run_id, dataset_id, path, size_bytes, sha256, counts, outcome)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(Clock.now()), .text(Clock.userName()), .text(Clock.hostName()), .text(action), run.map { .integer($0) } ?? .null,
                  .optional(dataset), .optional(path), size.map { .integer($0) } ?? .null, .optional(sha256), .optional(counts), .text(outcome)])
    }

    /// Entries filtered by date (inclusive, city dates), dataset, file hash, and record key: a key matches the
    /// files whose records carried it and the reveals of it.
    public func query(since: CivilDate? = nil, until: CivilDate? = nil, dataset: String? = nil, sha256: String? = nil,
                      key: String? = nil, catalog: Catalog? = nil, limit: Int = 500) throws -> [Entry] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let since { conditions.append("substr(at, 1, 10) >= ?"); arguments.append(.text(since.description)) }
        if let until { conditions.append("substr(at, 1, 10) <= ?"); arguments.append(.text(until.description)) }
        if let dataset { conditions.append("dataset_id = ?"); arguments.append(.text(dataset)) }
        if let sha256 { conditions.append("sha256 = ?"); arguments.append(.text(sha256.lowercased())) }
        if let key {
            // Reveals: by their entry in `reveals` (older entries held the key itself).
            var parts = ["(action = 'personal_data_revealed' AND (counts = ? OR counts IN (SELECT 'reveal ' || rowid || ': ' || ? FROM reveals WHERE lookup_key = ?)))"]
            arguments += [.text(key), .text(Masking.mask(key, kind: "id_number")), .text(key)]
            // The files whose records carried the key: delivered copies still kept, and, after they were pruned, the
            // lasting record (the base values' provenance, their history, the findings about the key).
            var files: [String] = []
            var fileIDs: Set<Int64> = []
            func exists(_ table: String) throws -> Bool {
                try database.queryScalarInt("SELECT count(*) FROM sqlite_master WHERE name = ?", [.text(table)]) == 1
            }
            for dataset in catalog?.datasets ?? [] {
                let table = "std_" + dataset.id
                guard try exists(table) else { continue }
                for row in try database.rows("SELECT DISTINCT file_id FROM \(StagingTable.quote(table)) WHERE record_key = ?", [.text(key)]) {
                    if let id = row[0].integer { fileIDs.insert(id) }
                }
            }
            for base in catalog?.bases ?? [] {
                let table = BaseTable(base: base, catalog: catalog!)
                guard try exists(table.name), !table.elements.isEmpty else { continue }
                for row in try database.rows("SELECT \(table.elements.map { BaseTable.q($0 + ":file") }.joined(separator: ", ")) FROM \(BaseTable.q(table.name)) WHERE record_key = ?",
                                             [.text(key)]) {
                    for value in row { if let id = value.integer { fileIDs.insert(id) } }
                }
            }
            for base in catalog?.bases ?? [] {
                for row in try database.rows("""
                    SELECT old_file_id, new_file_id FROM base_history WHERE base = ? AND record_key = ?
                    """, [.text(base.id), .text(key)]) { for value in row { if let id = value.integer { fileIDs.insert(id) } } }
            }
            for row in try database.rows("SELECT DISTINCT file_id FROM findings WHERE record_key = ?", [.text(key)]) {
                if let id = row[0].integer { fileIDs.insert(id) }
            }
            for id in fileIDs.sorted() {
                if let sha = try database.queryScalarText("SELECT sha256 FROM run_files WHERE file_id = ?", [.integer(id)]), !files.contains(sha) {
                    files.append(sha)
                }
            }
            if !files.isEmpty {
                parts.append("(action = 'file_ingested' AND sha256 IN (\(files.map { _ in "?" }.joined(separator: ", "))))")
                arguments += files.map { .text($0) }
            }
            conditions.append("(" + parts.joined(separator: " OR ") + ")")
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.rows("""
            SELECT at, user_name, host_name, action, run_id, dataset_id, path, size_bytes, sha256, counts, outcome FROM audit
            \(whereClause) ORDER BY audit_id LIMIT ?
            """, arguments + [.int(limit)]).map {
            Entry(at: $0[0].text ?? "", user: $0[1].text ?? "", host: $0[2].text ?? "", action: $0[3].text ?? "", run: $0[4].integer,
                  dataset: $0[5].text, path: $0[6].text, size: $0[7].integer, sha256: $0[8].text, counts: $0[9].text, outcome: $0[10].text ?? "")
        }
    }
}
