/// Findings of a run as a person reads them: personal values masked, messages rendered from the rule's
/// template with the masked values (the store keeps the full values; it is readable by its owner only).
public struct FindingListing {
    public struct Filter: Sendable {
        public var dataset: String?
        public var rule: String?
        public var severity: Severity?
        public var limit: Int

        public init(dataset: String? = nil, rule: String? = nil, severity: Severity? = nil, limit: Int = 100) {
            self.dataset = dataset
            self.rule = rule
            self.severity = severity
            self.limit = limit
        }
    }

    public struct Line: Sendable, Equatable {
        public let location: String
        public let rule: String
        public let severity: String
        public let dimension: String
        public let agency: String
        public let recordKey: String
        public let message: String
    }

    public static func load(_ database: Database, catalog: Catalog, run: Int64, filter: Filter) throws -> (lines: [Line], total: Int) {
        var conditions = ["g.run_id = ?"]
        var arguments: [SQLValue] = [.integer(run)]
        if let dataset = filter.dataset { conditions.append("g.dataset_id = ?"); arguments.append(.text(dataset)) }
        if let rule = filter.rule { conditions.append("g.rule_id = ?"); arguments.append(.text(rule)) }
        if let severity = filter.severity { conditions.append("g.severity = ?"); arguments.append(.text(severity.rawValue)) }
        let whereClause = conditions.joined(separator: " AND ")
        let total = Int(try database.queryScalarInt("SELECT count(*) FROM findings g WHERE \(whereClause)", arguments) ?? 0)
        let rows = try database.rows("""
            SELECT coalesce(f.path, g.dataset_id), g.line, g.record_index, g.rule_id, g.severity, g.dimension, g.agency,
                   g.dataset_id, g.record_key, g.element, g.observed, g.expected, g.message, g.reason
            FROM findings g LEFT JOIN run_files f USING (file_id)
            WHERE \(whereClause) ORDER BY g.finding_id LIMIT ?
            """, arguments + [.int(filter.limit)])
        let lines = rows.map { row -> Line in
            let dataset = catalog.dataset(row[7].text ?? "")
            let keyKinds = dataset?.key.map { catalog.element($0)?.personal } ?? []
            let element = row[9].text.flatMap { catalog.element($0) }
            let kind = element?.personal
            let observed = row[10].text.map { Masking.mask(TextNormalizer.trim($0), kind: kind) }
            let expected = row[11].text.map { Masking.mask($0, kind: kind) }
            let ruleID = row[3].text ?? ""
            var message = row[12].text ?? ""
            if let association = catalog.associations.first(where: { $0.id == ruleID }), kind != nil {
                message = association.render(observed: observed, expected: expected, reason: row[13].text)
            } else if let rule = catalog.ruleBook[ruleID], kind != nil || ruleID == "unique_key" {
                // Re-rendered with masked values. Reasons name positions and check characters, never the value.
                let maskedKey = Masking.maskKey(row[8].text ?? "", kinds: keyKinds)
                message = rule.render(element: element?.name, observed: ruleID == "unique_key" ? maskedKey : observed,
                                      expected: expected, standard: element.map { RecordVerifier.standardName($0.standard) },
                                      reason: row[13].text)
            }
            var location = row[0].text ?? ""
            if let line = row[1].integer { location += ":\(line)" } else if let index = row[2].integer { location += " record \(index)" }
            return Line(location: location, rule: ruleID, severity: row[4].text ?? "", dimension: row[5].text ?? "",
                        agency: row[6].text ?? "", recordKey: Masking.maskKey(row[8].text ?? "", kinds: keyKinds), message: message)
        }
        return (lines, total)
    }

}
