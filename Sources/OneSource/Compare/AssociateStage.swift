import Foundation

/// Association analysis: the rules of associations.json, each across a dataset's verified records and the
/// base databases (benefits after death, licences of deregistered companies, unknown holders, …).
public struct AssociateStage: Stage {
    public let name = "associate"

    public init() {}

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let catalog = context.catalog
        let selected = Set(try context.pipeline.selectedDatasets(in: catalog).map(\.id))
        // Planned before the transaction (a missing base table is created then, visible to the readers).
        var plans: [Plan] = []
        for rule in catalog.associations {
            guard let datasetID = rule.params["dataset"], selected.contains(datasetID), let dataset = catalog.dataset(datasetID),
                  let plan = try plan(rule, dataset: dataset, context: context) else { continue }
            plans.append(plan)
        }
        let divisions = try DivisionTable.load(path: context.pipeline.divisionTable)
        let standards = StandardContext(today: try RunLedger(database: database).run(context.runID).date, divisions: divisions)
        // The rules only read what earlier stages committed: each runs on a connection of its own, in parallel.
        let rows = try AssociateStage.query(plans.map(\.sql), runID: context.runID, database: database, threads: context.threads)
        return try database.transaction {
            try database.run("DELETE FROM findings WHERE run_id = ? AND stage = ?", [.integer(context.runID), .text(name)])
            let writer = try FindingWriter(database: database, runID: context.runID, stage: name)
            var total = 0
            for (plan, result) in zip(plans, rows) {
                let findings = AssociateStage.findings(plan, rows: result.rows, standards: standards)
                for finding in findings { try writer.write(finding) }
                total += findings.count
                context.log.info("\(plan.rule.id): \(findings.count) findings (query \(String(format: "%.2f", result.seconds)) s)")
            }
            return StageOutcome(recordsIn: 0, recordsOut: 0, rejected: 0, hasDefects: total > 0,
                                message: "\(catalog.associations.count) association rules; \(total) findings")
        }
    }

    /// One rule ready to run: its query and what its findings are about.
    struct Plan {
        let rule: AssociationRule
        let dataset: Dataset
        let sql: String
        let element: String?
    }

    /// Runs each query (bound to the run) on `threads` connections of its own; rows come back per query, in order.
    static func query(_ queries: [String], runID: Int64, database: Database, threads: Int) throws -> [(rows: [[SQLValue]], seconds: Double)] {
        @Sendable func timed(_ connection: Database, _ sql: String) throws -> (rows: [[SQLValue]], seconds: Double) {
            let started = Date()
            let rows = try connection.rows(sql, [.integer(runID)])
            return (rows, Date().timeIntervalSince(started))
        }
        if database.path == ":memory:" || threads <= 1 || queries.count < 2 {
            return try queries.map { try timed(database, $0) }
        }
        let results = SliceResults<Result<(rows: [[SQLValue]], seconds: Double), Error>>(count: queries.count)
        let path = database.path
        let next = Counter()
        DispatchQueue.concurrentPerform(iterations: min(threads, queries.count)) { _ in
            let connection: Database
            do { connection = try Database(path: path) } catch {
                while let index = next.take(below: queries.count) { results.store(index, [.failure(error)]) }
                return
            }
            while let index = next.take(below: queries.count) {
                results.store(index, [Result { try timed(connection, queries[index]) }])
            }
        }
        return try results.joined().map { try $0.get() }
    }

    /// The base table holding `element` (as a column, or as its key).
    static func base(holding element: String, catalog: Catalog) -> BaseTable? {
        for base in catalog.bases {
            let table = BaseTable(base: base, catalog: catalog)
            if base.key == element || table.elements.contains(element) { return table }
        }
        return nil
    }

    private func q(_ identifier: String) -> String { StagingTable.quote(identifier) }

    private func plan(_ rule: AssociationRule, dataset: Dataset, context: StageContext) throws -> Plan? {
        let catalog = context.catalog
        let p = rule.params
        let std = q("std_" + dataset.id)
        func table(_ element: String) throws -> String {
            guard let table = AssociateStage.base(holding: element, catalog: catalog) else {
                throw PipelineError.stageFailed(stage: name, underlying: "rule \(rule.id): no base database holds \(element)")
            }
            try table.ensure(in: context.database)
            return q(table.name)
        }
        func list(_ values: [String]) -> String { values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ") }
        // Each query yields: file_id, line, record_index, record_key, observed, expected, reason.
        let sql: String
        var element: String?
        switch rule.kind {
        case "active_after_death":
            let status = q(p["status"]!), period = q(p["period"]!), person = q(p["person"]!), death = q(p["deathDate"]!)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, s.\(status), s.\(period), b.\(death)
                FROM \(std) s JOIN \(try table(p["deathDate"]!)) b ON b.record_key = s.\(person)
                WHERE s.run_id = ? AND s.has_error = 0 AND s.\(status) IN (\(list(rule.values("activeValues"))))
                  AND b.\(death) IS NOT NULL
                  AND b.\(death) < CASE WHEN length(s.\(period)) = 7 THEN s.\(period) || '-01' ELSE s.\(period) END
                ORDER BY s.staging_rowid
                """
            element = p["status"]
        case "inactive_holder":
            let status = q(p["status"]!), holder = q(p["holder"]!), holderStatus = q(p["holderStatus"]!)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, s.\(status), NULL, b.\(holderStatus)
                FROM \(std) s JOIN \(try table(p["holderStatus"]!)) b ON b.record_key = s.\(holder)
                WHERE s.run_id = ? AND s.has_error = 0 AND s.\(status) IN (\(list(rule.values("activeValues"))))
                  AND b.\(holderStatus) IN (\(list(rule.values("inactiveValues"))))
                ORDER BY s.staging_rowid
                """
            element = p["status"]
        case "unknown_reference":
            let reference = q(p["reference"]!)
            guard let base = catalog.base(p["base"]!) else { return nil }
            let target = BaseTable(base: base, catalog: catalog)
            try target.ensure(in: context.database)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, s.\(reference), NULL, NULL
                FROM \(std) s LEFT JOIN \(q(target.name)) b ON b.record_key = s.\(reference)
                WHERE s.run_id = ? AND s.has_error = 0 AND s.\(reference) IS NOT NULL AND b.record_key IS NULL
                ORDER BY s.staging_rowid
                """
            element = p["reference"]
        case "person_reference":
            // Invalid: delivered but not standardizable (std is NULL, staging is not); dead: in the persons base with a death date.
            let person = q(p["person"]!), death = q(p["deathDate"]!)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, coalesce(s.\(person), g.\(person)),
                       CASE WHEN s.\(person) IS NULL THEN 'invalid' ELSE 'dead' END, b.\(death)
                FROM \(std) s JOIN \(q("stg_" + dataset.id)) g ON g.rowid = s.staging_rowid
                LEFT JOIN \(try table(p["deathDate"]!)) b ON b.record_key = s.\(person)
                WHERE s.run_id = ? AND s.has_error = 0
                  AND ((s.\(person) IS NULL AND trim(coalesce(g.\(person), '')) != '') OR b.\(death) IS NOT NULL)
                ORDER BY s.staging_rowid
                """
            element = p["person"]
        case "date_before_reference":
            let date = q(p["date"]!), reference = q(p["reference"]!), referenceDate = q(p["referenceDate"]!)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, s.\(date), b.\(referenceDate), NULL
                FROM \(std) s JOIN \(try table(p["referenceDate"]!)) b ON b.record_key = s.\(reference)
                WHERE s.run_id = ? AND s.has_error = 0 AND s.\(date) IS NOT NULL AND b.\(referenceDate) IS NOT NULL
                  AND s.\(date) < b.\(referenceDate)
                ORDER BY s.staging_rowid
                """
            element = p["date"]
        case "name_mismatch":
            let nameColumn = q(p["name"]!), reference = q(p["reference"]!), referenceName = q(p["referenceName"]!)
            sql = """
                SELECT s.file_id, s.line, s.record_index, s.record_key, s.\(nameColumn), b.\(referenceName), NULL
                FROM \(std) s JOIN \(try table(p["referenceName"]!)) b ON b.record_key = s.\(reference)
                WHERE s.run_id = ? AND s.has_error = 0 AND s.\(nameColumn) IS NOT NULL AND b.\(referenceName) IS NOT NULL
                  AND s.\(nameColumn) != b.\(referenceName)
                ORDER BY s.staging_rowid
                """
            element = p["name"]
        default:
            return nil
        }
        return Plan(rule: rule, dataset: dataset, sql: sql, element: element)
    }

    /// The findings of one rule from its rows (file_id, line, record_index, record_key, observed, expected, reason).
    static func findings(_ plan: Plan, rows: [[SQLValue]], standards: StandardContext) -> [Finding] {
        let rule = plan.rule, dataset = plan.dataset, element = plan.element
        return rows.map { row in
            var observed = row[4].text
            var expected = row[5].text
            var reason = row[6].text
            if rule.kind == "person_reference" {
                if expected == "invalid" {
                    let failure = IdentityNumber.standardize(observed ?? "", context: standards).failure
                    reason = "无效（\(failure?.message ?? "不符合GB 11643")）"
                } else {
                    reason = "属于已登记死亡人员（死亡日期\(row[6].text ?? "")）"
                }
                expected = nil
            }
            if rule.kind == "inactive_holder" { expected = nil }
            observed = observed ?? ""
            return Finding(ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: dataset.agency,
                           datasetID: dataset.id, recordKey: row[3].text, element: element, observed: observed, expected: expected,
                           reason: reason, fileID: row[0].integer, line: row[1].integer.map(Int.init), recordIndex: row[2].integer.map(Int.init),
                           message: rule.render(observed: observed, expected: expected, reason: reason))
        }
    }
}
