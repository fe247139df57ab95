/// Findings of a run as a person reads them: personal values masked, messages rendered from the rule's
/// template with the masked values (the store keeps the full values; it is readable by its owner only).
public struct FindingListing {
    public struct Filter: Sendable {
        public var dataset: String?
        public var rule: String?
        public var severity: Severity?
        /// Only the findings addressed to this agency.
        public var agency: String?
        public var limit: Int

        public init(dataset: String? = nil, rule: String? = nil, severity: Severity? = nil, agency: String? = nil, limit: Int = 100) {
            self.dataset = dataset
            self.rule = rule
            self.severity = severity
            self.agency = agency
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
        let (findings, total) = try FindingTable(database: database).list(run: run, dataset: filter.dataset, rule: filter.rule,
                                                                          severity: filter.severity, agency: filter.agency, limit: filter.limit)
        let lines = findings.map { finding -> Line in
            let dataset = catalog.dataset(finding.dataset)
            let keyKinds = dataset?.key.map { catalog.element($0)?.personal } ?? []
            let element = finding.element.flatMap { catalog.element($0) }
            let kind = element?.personal
            var observed = finding.observed.map { Masking.mask(TextNormalizer.trim($0), kind: kind) }
            var expected = finding.expected.map { Masking.mask($0, kind: kind) }
            if let delivered = finding.observed, let wanted = finding.expected {
                (observed, expected) = Masking.maskPair(TextNormalizer.trim(delivered), wanted, kind: kind)
            }
            let ruleID = finding.rule
            var message = finding.message
            if let association = catalog.associations.first(where: { $0.id == ruleID }), kind != nil {
                message = association.render(observed: observed, expected: expected, reason: finding.reason)
            } else if let rule = catalog.ruleBook[ruleID], kind != nil || ruleID == BuiltInRule.uniqueKey.rawValue {
                // Re-rendered with masked values. Reasons name positions and check characters, never the value.
                let maskedKey = Masking.maskKey(finding.recordKey ?? "", kinds: keyKinds)
                message = rule.render(element: element?.name, observed: ruleID == BuiltInRule.uniqueKey.rawValue ? maskedKey : observed,
                                      expected: expected, standard: element.map { StandardName.of($0.standard) },
                                      reason: finding.reason)
            }
            var location = finding.place
            if let line = finding.line { location += ":\(line)" } else if let index = finding.recordIndex { location += " record \(index)" }
            return Line(location: location, rule: ruleID, severity: finding.severity, dimension: finding.dimension,
                        agency: finding.agency, recordKey: Masking.maskKey(finding.recordKey ?? "", kinds: keyKinds), message: message)
        }
        return (lines, total)
    }
}
