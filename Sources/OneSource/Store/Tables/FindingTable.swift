/// One rule's verdict on one record: what was found, where, and who must act.
public struct Finding: Sendable, Equatable {
    public var ruleID: String
    public var dimension: Dimension
    public var severity: Severity
    /// The agency responsible for the value.
    public var agency: String
    public var datasetID: String
    public var recordKey: String?
    public var element: String?
    public var observed: String?
    public var expected: String?
    /// The detail that fills the template's `{reason}` (a standard's failure, the changes made, the first line).
    public var reason: String?
    public var fileID: Int64?
    public var line: Int?
    public var recordIndex: Int?
    /// The rule's message, filled in (Chinese).
    public var message: String
}

/// The findings table (`findings`): every rule's verdict on a record of a run, written by the stage that found it.
public struct FindingTable {
    let database: Database

    public init(database: Database) { self.database = database }

    /// Removes a run's findings (of one stage, when given), so a re-run replaces them.
    public func delete(run: Int64, stage: String? = nil) throws {
        try database.run("DELETE FROM findings WHERE run_id = ?\(stage == nil ? "" : " AND stage = ?")",
                         [.integer(run)] + (stage.map { [SQLValue.text($0)] } ?? []))
    }

    /// Removes the findings about one file's records (a file taken back as a whole).
    public func delete(file: Int64) throws {
        try database.run("DELETE FROM findings WHERE file_id = ?", [.integer(file)])
    }

    /// The messages of a run's error findings about `dataset`'s records, joined with '；' per record (by file and
    /// record index), in one pass (a look-up per record would scan the findings each time).
    public func errorMessages(run: Int64, dataset: String) throws -> [RecordPlace: String] {
        var messages: [RecordPlace: String] = [:]
        try database.forEach("""
            SELECT file_id, record_index, group_concat(message, '；') AS messages FROM findings
            WHERE run_id = ? AND dataset_id = ? AND severity = 'error' AND file_id IS NOT NULL GROUP BY file_id, record_index
            """, [.integer(run), .text(dataset)]) { row in
            messages[RecordPlace(file: row.int64("file_id"), recordIndex: row.int("record_index"))] = row.text("messages")
        }
        return messages
    }

    /// A record's place: its file and its index in the file.
    public struct RecordPlace: Hashable, Sendable {
        public let file: Int64
        public let recordIndex: Int
    }

    /// A finding as a person reads it back, with the path of its file.
    public struct Listed: Sendable {
        public let run: Int64
        public let stage: String, severity: String, rule: String, dimension: String, agency: String, dataset: String
        /// The file's path, or the dataset when the finding is about no file.
        public let place: String
        public let line: Int?, recordIndex: Int?
        public let recordKey: String?
        public let element: String?, observed: String?, expected: String?, reason: String?
        public let message: String
    }

    private static let listed = """
        SELECT g.run_id, g.stage, g.severity, g.rule_id, g.dimension, g.agency, g.dataset_id, coalesce(f.path, g.dataset_id) AS place, g.line,
               g.record_index, g.record_key, g.element, g.observed, g.expected, g.reason, g.message
        FROM findings g LEFT JOIN run_files f USING (file_id)
        """

    private static func listed(_ row: Statement) -> Listed {
        Listed(run: row.int64("run_id"), stage: row.text("stage") ?? "", severity: row.text("severity") ?? "", rule: row.text("rule_id") ?? "",
               dimension: row.text("dimension") ?? "", agency: row.text("agency") ?? "", dataset: row.text("dataset_id") ?? "",
               place: row.text("place") ?? "", line: row.optionalInt64("line").map(Int.init),
               recordIndex: row.optionalInt64("record_index").map(Int.init), recordKey: row.text("record_key"), element: row.text("element"),
               observed: row.text("observed"), expected: row.text("expected"), reason: row.text("reason"), message: row.text("message") ?? "")
    }

    /// The findings about `key` (as the record's key, or as the value observed) of the latest run that had any.
    public func latestAbout(key: String) throws -> [Listed] {
        try database.map(FindingTable.listed + """
             WHERE (g.record_key = ?1 OR g.observed = ?1) AND g.run_id = (SELECT max(run_id) FROM findings WHERE record_key = ?1 OR observed = ?1)
            ORDER BY g.finding_id
            """, [.text(key)], FindingTable.listed)
    }

    /// A run's findings (of one dataset, rule or severity when given), in the order found, at most `limit`; and how
    /// many there are in all.
    public func list(run: Int64, dataset: String?, rule: String?, severity: Severity?, agency: String? = nil,
                     limit: Int) throws -> (findings: [Listed], total: Int) {
        var conditions = ["g.run_id = ?"]
        var arguments: [SQLValue] = [.integer(run)]
        if let dataset { conditions.append("g.dataset_id = ?"); arguments.append(.text(dataset)) }
        if let agency { conditions.append("g.agency = ?"); arguments.append(.text(agency)) }
        if let rule { conditions.append("g.rule_id = ?"); arguments.append(.text(rule)) }
        if let severity { conditions.append("g.severity = ?"); arguments.append(.text(severity.rawValue)) }
        let whereClause = conditions.joined(separator: " AND ")
        let total = Int(try database.queryScalarInt("SELECT count(*) FROM findings g WHERE \(whereClause)", arguments) ?? 0)
        let findings = try database.map(FindingTable.listed + " WHERE \(whereClause) ORDER BY g.finding_id LIMIT ?", arguments + [.int(limit)],
                                        FindingTable.listed)
        return (findings, total)
    }

    /// A rule among those with most findings: its dimension, highest severity and number of findings.
    public typealias TopRule = (rule: String, dimension: String, severity: String, count: Int)
    /// The records of one dataset with a finding of one rule.
    public typealias RuleSpread = (rule: String, dataset: String, records: Int)

    /// The records with a finding among a group of findings: by file and index, or by key; findings about the delivery as a
    /// whole name no record and are not counted.
    private static let recordsCounted = "count(DISTINCT coalesce(file_id || ':' || record_index, 'key:' || nullif(record_key, '')))"

    /// The records of a run's delivery with a finding, per dataset and dimension ([dataset: [dimension: records]]), by file
    /// and index, or by key; findings about the delivery as a whole name no record and are not counted.
    public func recordsAffected(run: Int64) throws -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        try database.forEach("""
            SELECT dataset_id, dimension, \(FindingTable.recordsCounted) AS n
            FROM findings WHERE run_id = ? GROUP BY dataset_id, dimension
            """, [.integer(run)]) { counts[$0.text("dataset_id") ?? "", default: [:]][$0.text("dimension") ?? ""] = $0.int("n") }
        return counts
    }

    /// Of `runs`, those with an early warning (a `quality_slip` finding), for one agency when given.
    public func runsWithWarnings(_ runs: [Int64], agency: String?) throws -> Set<Int64> {
        guard !runs.isEmpty else { return [] }
        return Set(try database.map("""
            SELECT DISTINCT run_id FROM findings WHERE rule_id = '\(BuiltInRule.qualitySlip.rawValue)' AND run_id IN (\(runs.map(String.init).joined(separator: ",")))
            \(agency == nil ? "" : "AND agency = ?")
            """, agency.map { [SQLValue.text($0)] } ?? []) { $0.int64("run_id") })
    }

    /// The rules with most findings in a run, most first: rule, dimension, highest severity, count; the city's `limit` first.
    public func topRules(run: Int64, limit: Int) throws -> [TopRule] {
        try database.map("""
            SELECT rule_id, dimension, max(severity) AS severity, count(*) AS n FROM findings WHERE run_id = ?
            GROUP BY rule_id, dimension ORDER BY count(*) DESC, rule_id, dimension LIMIT ?
            """, [.integer(run), .int(limit)]) {
            ($0.text("rule_id") ?? "", $0.text("dimension") ?? "", $0.text("severity") ?? "", $0.int("n"))
        }
    }

    /// `topRules` of every agency, from one pass over the run's findings: by agency, most first, all of them.
    public func topRulesByAgency(run: Int64) throws -> [String: [TopRule]] {
        var result: [String: [TopRule]] = [:]
        try database.forEach("""
            SELECT agency, rule_id, dimension, max(severity) AS severity, count(*) AS n FROM findings WHERE run_id = ?
            GROUP BY agency, rule_id, dimension ORDER BY agency, count(*) DESC, rule_id, dimension
            """, [.integer(run)]) {
            result[$0.text("agency") ?? "", default: []].append(($0.text("rule_id") ?? "", $0.text("dimension") ?? "", $0.text("severity") ?? "",
                                                                 $0.int("n")))
        }
        return result
    }

    /// Records with a finding of each rule, per dataset, in a run.
    public func recordsByRuleAndDataset(run: Int64) throws -> [RuleSpread] {
        try database.map("""
            SELECT rule_id, dataset_id, \(FindingTable.recordsCounted) AS n
            FROM findings WHERE run_id = ? GROUP BY rule_id, dataset_id ORDER BY rule_id, dataset_id
            """, [.integer(run)]) {
            ($0.text("rule_id") ?? "", $0.text("dataset_id") ?? "", $0.int("n"))
        }
    }

    /// `recordsByRuleAndDataset` of every agency, from one pass over the run's findings.
    public func recordsByRuleAndDatasetByAgency(run: Int64) throws -> [String: [RuleSpread]] {
        var result: [String: [RuleSpread]] = [:]
        try database.forEach("""
            SELECT agency, rule_id, dataset_id, \(FindingTable.recordsCounted) AS n
            FROM findings WHERE run_id = ? GROUP BY agency, rule_id, dataset_id ORDER BY agency, rule_id, dataset_id
            """, [.integer(run)]) {
            result[$0.text("agency") ?? "", default: []].append(($0.text("rule_id") ?? "", $0.text("dataset_id") ?? "", $0.int("n")))
        }
        return result
    }

    /// The files of the findings about `key` (every run).
    public func files(about key: String) throws -> [Int64] {
        try database.map("SELECT DISTINCT file_id FROM findings WHERE record_key = ? AND file_id IS NOT NULL", [.text(key)]) { $0.int64("file_id") }
    }

    /// A run's findings per dataset by severity, by dataset.
    public func countsByDataset(run: Int64) throws -> [(dataset: String, errors: Int, warnings: Int, notices: Int)] {
        try database.map("""
            SELECT dataset_id, sum(severity = 'error') AS errors, sum(severity = 'warning') AS warnings, sum(severity = 'notice') AS notices
            FROM findings WHERE run_id = ? GROUP BY dataset_id ORDER BY dataset_id
            """, [.integer(run)]) { ($0.text("dataset_id") ?? "", $0.int("errors"), $0.int("warnings"), $0.int("notices")) }
    }

    /// A run's findings of one stage, counted by severity.
    public func countBySeverity(run: Int64, stage: String) throws -> [Severity: Int] {
        var counts: [Severity: Int] = [:]
        try database.forEach("SELECT severity, count(*) AS n FROM findings WHERE run_id = ? AND stage = ? GROUP BY severity",
                             [.integer(run), .text(stage)]) { row in
            if let severity = Severity(rawValue: row.text("severity") ?? "") { counts[severity] = row.int("n") }
        }
        return counts
    }
}

extension FindingTable {
    /// Inserts findings for one run and stage, with one prepared statement.
    final class Writer {
        private let statement: Statement

        init(database: Database, runID: Int64, stage: String) throws {
            statement = try database.prepare("""
                INSERT INTO findings (run_id, stage, rule_id, dimension, severity, agency, dataset_id, record_key, element,
                                      observed, expected, file_id, line, record_index, message, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try statement.bind(.integer(runID), at: 1)
            try statement.bind(.text(stage), at: 2)
        }

        func write(_ finding: Finding) throws {
            try statement.bind(.text(finding.ruleID), at: 3)
            try statement.bind(.text(finding.dimension.rawValue), at: 4)
            try statement.bind(.text(finding.severity.rawValue), at: 5)
            try statement.bind(.text(finding.agency), at: 6)
            try statement.bind(.text(finding.datasetID), at: 7)
            try statement.bind(.optional(finding.recordKey), at: 8)
            try statement.bind(.optional(finding.element), at: 9)
            try statement.bind(.optional(finding.observed), at: 10)
            try statement.bind(.optional(finding.expected), at: 11)
            try statement.bind(finding.fileID.map { .integer($0) } ?? .null, at: 12)
            try statement.bind(finding.line.map { .int($0) } ?? .null, at: 13)
            try statement.bind(finding.recordIndex.map { .int($0) } ?? .null, at: 14)
            try statement.bind(.text(finding.message), at: 15)
            try statement.bind(.optional(finding.reason), at: 16)
            try statement.step()
            statement.resetKeepingBindings()
        }
    }
}

@available(*, unavailable)
extension FindingTable.Writer: Sendable {}
