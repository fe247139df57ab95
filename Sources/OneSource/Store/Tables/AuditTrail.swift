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

    /// What to look for in the trail; every condition given must hold.
    public struct Filter: Sendable {
        public var since: CivilDate?
        public var until: CivilDate?
        public var dataset: String?
        public var sha256: String?
        /// Entries about a key: its reveals (found through `reveals`), and the files that carried it (by hash).
        public var key: (key: String, masked: String, files: [String])?
        public var limit = 500

        public init() {}
    }

    /// Entries matching `filter`, oldest first, at most `filter.limit`.
    public func entries(_ filter: Filter) throws -> [Entry] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let since = filter.since { conditions.append("substr(at, 1, 10) >= ?"); arguments.append(.text(since.description)) }
        if let until = filter.until { conditions.append("substr(at, 1, 10) <= ?"); arguments.append(.text(until.description)) }
        if let dataset = filter.dataset { conditions.append("dataset_id = ?"); arguments.append(.text(dataset)) }
        if let sha256 = filter.sha256 { conditions.append("sha256 = ?"); arguments.append(.text(sha256.lowercased())) }
        if let (key, masked, files) = filter.key {
            // Reveals: by their entry in `reveals` (older entries held the key itself).
            var parts = ["(action = 'personal_data_revealed' AND (counts = ? OR counts IN (SELECT 'reveal ' || rowid || ': ' || ? FROM reveals WHERE lookup_key = ?)))"]
            arguments += [.text(key), .text(masked), .text(key)]
            if !files.isEmpty {
                parts.append("(action = 'file_ingested' AND sha256 IN (\(files.map { _ in "?" }.joined(separator: ", "))))")
                arguments += files.map { .text($0) }
            }
            conditions.append("(" + parts.joined(separator: " OR ") + ")")
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try database.map("""
            SELECT at, user_name, host_name, action, run_id, dataset_id, path, size_bytes, sha256, counts, outcome FROM audit
            \(whereClause) ORDER BY audit_id LIMIT ?
            """, arguments + [.int(filter.limit)]) { row in
            Entry(at: row.text("at") ?? "", user: row.text("user_name") ?? "", host: row.text("host_name") ?? "", action: row.text("action") ?? "",
                  run: row.optionalInt64("run_id"), dataset: row.text("dataset_id"), path: row.text("path"), size: row.optionalInt64("size_bytes"),
                  sha256: row.text("sha256"), counts: row.text("counts"), outcome: row.text("outcome") ?? "")
        }
    }
}
