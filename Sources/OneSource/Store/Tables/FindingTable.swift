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
