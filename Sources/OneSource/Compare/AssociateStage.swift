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
                  let plan = try plan(rule, dataset: dataset, catalog: catalog, database: database) else { continue }
            plans.append(plan)
        }
        let divisions = try DivisionTable.load(path: context.pipeline.divisionTable)
        let standards = StandardContext(today: try RunLedger(database: database).run(context.runID).date, divisions: divisions)
        // Rules over the same dataset and the same look-ups share one pass (the licence rules all look up the
        // holder in the legal-entity base: one scan and one look-up per licence instead of four).
        let groups = AssociateStage.group(plans)
        // The rules only read what earlier stages committed: each pass runs on a connection of its own, in parallel.
        var queries: [(sql: String, cacheKiB: Int)] = []
        for group in groups {
            var keys: Int64 = 0
            for base in Set(group.lookups.compactMap(\.base)) {
                keys += try database.queryScalarInt("SELECT coalesce(sum(inserted), 0) FROM base_loads WHERE base = ?", [.text(base)]) ?? 0
            }
            queries.append((group.sql, AssociateStage.cacheKiB(forKeys: Int(keys))))
        }
        let results = try AssociateStage.query(queries, runID: context.runID, database: database, threads: context.threads)
        var rowsOfPlan: [Int: (rows: [[SQLValue]], seconds: Double, shared: Int)] = [:]
        for (group, result) in zip(groups, results) {
            for (slot, index) in group.plans.enumerated() {
                rowsOfPlan[index] = (group.rows(of: slot, in: result.rows), result.seconds, group.plans.count)
            }
        }
        return try database.transaction {
            try database.run("DELETE FROM findings WHERE run_id = ? AND stage = ?", [.integer(context.runID), .text(name)])
            let writer = try FindingWriter(database: database, runID: context.runID, stage: name)
            var total = 0
            for (index, plan) in plans.enumerated() {
                guard let result = rowsOfPlan[index] else { continue }
                let findings = AssociateStage.findings(plan, rows: result.rows, standards: standards)
                for finding in findings { try writer.write(finding) }
                total += findings.count
                let pass = result.shared > 1 ? ", one pass with \(result.shared - 1) other rule\(result.shared == 2 ? "" : "s")" : ""
                context.log.info("\(plan.rule.id): \(findings.count) findings (query \(String(format: "%.2f", result.seconds)) s\(pass))")
            }
            return StageOutcome(recordsIn: 0, recordsOut: 0, rejected: 0, hasDefects: total > 0,
                                message: "\(catalog.associations.count) association rules; \(total) findings")
        }
    }

    /// One rule ready to run: what it reads, when a record is a finding, and what its findings are about.
    /// Expressions name the dataset's standardized row `s` and each look-up by its `{index}` in `lookups`.
    struct Plan {
        let rule: AssociationRule
        let dataset: Dataset
        /// The dataset's standardized table (quoted).
        let table: String
        let lookups: [Lookup]
        /// When a record is a finding (beyond: this run, no error).
        let condition: String
        /// Observed, expected and reason, as SQL expressions.
        let outputs: [String]
        let element: String?
    }

    /// A left join from the standardized row: a base table by its key, or the record's staging row.
    struct Lookup: Hashable {
        let table: String
        /// The join condition, `{}` standing for the looked-up row.
        let on: String
        /// The base looked up by key (nil for the record's own staging row, read in step with the scan).
        var base: String? = nil
    }

    /// Rules that read the same dataset with the same look-ups, run as one query: every rule's condition
    /// and outputs side by side, a record kept when any rule holds.
    struct Group {
        let plans: [Int]
        let lookups: [Lookup]
        let sql: String

        /// The rows of the group's `slot`-th rule, as a query of that rule alone would give them
        /// (file_id, line, record_index, record_key, observed, expected, reason; in delivery order).
        func rows(of slot: Int, in rows: [[SQLValue]]) -> [[SQLValue]] {
            let flag = 4 + slot * 4
            return rows.compactMap { row in
                row[flag] == .integer(1) ? Array(row[0..<4]) + Array(row[(flag + 1)...(flag + 3)]) : nil
            }
        }
    }

    /// Groups plans by dataset and look-ups, keeping the rules' order, and writes each group's query.
    static func group(_ plans: [Plan]) -> [Group] {
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for (index, plan) in plans.enumerated() {
            let key = plan.table + "\u{1}" + plan.lookups.map { $0.table + "\u{2}" + $0.on }.sorted().joined(separator: "\u{1}")
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(index)
        }
        return order.map { key in
            let indexes = members[key]!
            let first = plans[indexes[0]]
            // One alias per look-up, in the first plan's order; every plan's placeholders mapped to them.
            let aliases = first.lookups.enumerated().map { "j\($0.offset)" }
            func resolve(_ expression: String, _ plan: Plan) -> String {
                var text = expression
                for (position, lookup) in plan.lookups.enumerated() {
                    let alias = aliases[first.lookups.firstIndex(of: lookup)!]
                    text = text.replacingOccurrences(of: "{\(position)}", with: alias)
                }
                return text
            }
            let joins = first.lookups.enumerated().map { position, lookup in
                "LEFT JOIN \(lookup.table) \(aliases[position]) ON \(lookup.on.replacingOccurrences(of: "{}", with: aliases[position]))"
            }
            var columns = ["s.file_id", "s.line", "s.record_index", "s.record_key"]
            var conditions: [String] = []
            for index in indexes {
                let plan = plans[index]
                let condition = "(" + resolve(plan.condition, plan) + ")"
                conditions.append(condition)
                columns.append("CASE WHEN \(condition) THEN 1 ELSE 0 END")
                columns += plan.outputs.map { resolve($0, plan) }
            }
            let sql = """
                SELECT \(columns.joined(separator: ", "))
                FROM \(first.table) s \(joins.joined(separator: " "))
                WHERE s.run_id = ?1 AND s.has_error = 0 AND (\(conditions.joined(separator: " OR ")))
                ORDER BY s.staging_rowid
                """
            return Group(plans: indexes, lookups: first.lookups, sql: sql)
        }
    }

    /// Runs each query (bound to the run) on `threads` connections of its own, each query with the page cache
    /// it asks for; rows come back per query, in order.
    static func query(_ queries: [(sql: String, cacheKiB: Int)], runID: Int64, database: Database,
                      threads: Int) throws -> [(rows: [[SQLValue]], seconds: Double)] {
        @Sendable func timed(_ connection: Database, _ query: (sql: String, cacheKiB: Int)) throws -> (rows: [[SQLValue]], seconds: Double) {
            let started = Date()
            try connection.execute("PRAGMA cache_size=-\(query.cacheKiB)")
            let rows = try connection.rows(query.sql, [.integer(runID)])
            return (rows, Date().timeIntervalSince(started))
        }
        if database.path == ":memory:" || threads <= 1 || queries.count < 2 {
            defer { try? database.execute("PRAGMA cache_size=-\(defaultCacheKiB)") }
            return try queries.map { try timed(database, $0) }
        }
        let path = database.path
        let next = Counter()
        // Every query's result goes to its own position; the counter hands each position out once.
        let results = Array<Result<(rows: [[SQLValue]], seconds: Double), Error>>(unsafeUninitializedCapacity: queries.count) {
            buffer, initialized in
            let slots = DisjointSlots(buffer)
            DispatchQueue.concurrentPerform(iterations: min(threads, queries.count)) { _ in
                let connection: Database
                do { connection = try Database(path: path) } catch {
                    while let index = next.take(below: queries.count) { slots.initialize(index, to: .failure(error)) }
                    return
                }
                while let index = next.take(below: queries.count) {
                    slots.initialize(index, to: Result { try timed(connection, queries[index]) })
                }
            }
            initialized = queries.count
        }
        return try results.map { try $0.get() }
    }

    static let defaultCacheKiB = Database.cacheKiB
    /// The most a rule's connection takes for its look-ups, in KiB.
    static let largestCacheKiB = 256 * 1024

    /// The page cache for a pass that looks keys up in bases holding `keys` keys in all. The look-ups follow the
    /// dataset's order, at random in the base (a licence's holder among every legal entity): a cache that holds
    /// the whole base turns them from reads into hits once warm. A base too large to hold gains nothing from a
    /// larger cache, so it keeps the default (as do small ones, which fit in it).
    static func cacheKiB(forKeys keys: Int) -> Int {
        let needed = keys / 4   // about 256 bytes of base per key, in KiB
        return needed > defaultCacheKiB && needed <= largestCacheKiB ? needed : defaultCacheKiB
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

    func plan(_ rule: AssociationRule, dataset: Dataset, catalog: Catalog, database: Database) throws -> Plan? {
        let p = rule.params
        let std = q("std_" + dataset.id)
        func list(_ values: [String]) -> String { values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ") }
        // Each rule: its look-ups, its condition and its observed, expected and reason.
        func base(_ element: String, on column: String) throws -> Lookup {
            guard let table = AssociateStage.base(holding: element, catalog: catalog) else {
                throw PipelineError.stageFailed(stage: name, underlying: "rule \(rule.id): no base database holds \(element)")
            }
            try table.ensure(in: database)
            return Lookup(table: q(table.name), on: "{}.record_key = s.\(column)", base: table.base.id)
        }
        let lookups: [Lookup]
        let condition: String
        let outputs: [String]
        var element: String?
        switch rule.kind {
        case "active_after_death":
            let status = q(p["status"]!), period = q(p["period"]!), person = q(p["person"]!), death = q(p["deathDate"]!)
            lookups = [try base(p["deathDate"]!, on: person)]
            condition = """
                {0}.record_key IS NOT NULL AND s.\(status) IN (\(list(rule.values("activeValues"))))
                AND {0}.\(death) IS NOT NULL
                AND {0}.\(death) < CASE WHEN length(s.\(period)) = 7 THEN s.\(period) || '-01' ELSE s.\(period) END
                """
            outputs = ["s.\(status)", "s.\(period)", "{0}.\(death)"]
            element = p["status"]
        case "inactive_holder":
            let status = q(p["status"]!), holder = q(p["holder"]!), holderStatus = q(p["holderStatus"]!)
            lookups = [try base(p["holderStatus"]!, on: holder)]
            condition = """
                {0}.record_key IS NOT NULL AND s.\(status) IN (\(list(rule.values("activeValues"))))
                AND {0}.\(holderStatus) IN (\(list(rule.values("inactiveValues"))))
                """
            outputs = ["s.\(status)", "NULL", "{0}.\(holderStatus)"]
            element = p["status"]
        case "unknown_reference":
            let reference = q(p["reference"]!)
            guard let base = catalog.base(p["base"]!) else { return nil }
            let target = BaseTable(base: base, catalog: catalog)
            try target.ensure(in: database)
            lookups = [Lookup(table: q(target.name), on: "{}.record_key = s.\(reference)", base: base.id)]
            condition = "s.\(reference) IS NOT NULL AND {0}.record_key IS NULL"
            outputs = ["s.\(reference)", "NULL", "NULL"]
            element = p["reference"]
        case "person_reference":
            // Invalid: delivered but not standardizable (std is NULL, staging is not); dead: in the persons base with a death date.
            let person = q(p["person"]!), death = q(p["deathDate"]!)
            lookups = [Lookup(table: q("stg_" + dataset.id), on: "{}.rowid = s.staging_rowid"),
                       try base(p["deathDate"]!, on: person)]
            condition = "(s.\(person) IS NULL AND trim(coalesce({0}.\(person), '')) != '') OR {1}.\(death) IS NOT NULL"
            outputs = ["coalesce(s.\(person), {0}.\(person))", "CASE WHEN s.\(person) IS NULL THEN 'invalid' ELSE 'dead' END", "{1}.\(death)"]
            element = p["person"]
        case "date_before_reference":
            let date = q(p["date"]!), reference = q(p["reference"]!), referenceDate = q(p["referenceDate"]!)
            lookups = [try base(p["referenceDate"]!, on: reference)]
            condition = """
                {0}.record_key IS NOT NULL AND s.\(date) IS NOT NULL AND {0}.\(referenceDate) IS NOT NULL
                AND s.\(date) < {0}.\(referenceDate)
                """
            outputs = ["s.\(date)", "{0}.\(referenceDate)", "NULL"]
            element = p["date"]
        case "name_mismatch":
            let nameColumn = q(p["name"]!), reference = q(p["reference"]!), referenceName = q(p["referenceName"]!)
            lookups = [try base(p["referenceName"]!, on: reference)]
            condition = """
                {0}.record_key IS NOT NULL AND s.\(nameColumn) IS NOT NULL AND {0}.\(referenceName) IS NOT NULL
                AND s.\(nameColumn) != {0}.\(referenceName)
                """
            outputs = ["s.\(nameColumn)", "{0}.\(referenceName)", "NULL"]
            element = p["name"]
        default:
            return nil
        }
        return Plan(rule: rule, dataset: dataset, table: std, lookups: lookups, condition: condition, outputs: outputs, element: element)
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
