import Foundation

/// Association analysis: the rules of associations.json, each across a dataset's verified records and the
/// base databases (benefits after death, licences of deregistered companies, unknown holders, …).
public struct AssociateStage: Stage {
    public let name = "associate"
    public let reads: Set<StoreArea> = [.runFiles, .standardized, .staging, .bases, .seals]
    public let writes: Set<StoreArea> = [.findings]

    public init() {}

    /// Before a night: the catalog's SQL rules compile against the tables they read, and the division table loads.
    public func check(_ context: CheckContext) -> [CheckFinding] {
        var findings = SQLRule.problems(in: context.catalog).map { problem in
            CheckFinding(.problem, file: (context.pipeline.catalogDirectory as NSString).appendingPathComponent(problem.file), path: problem.path,
                         problem.message)
        }
        do {
            _ = try DivisionTable.load(path: context.pipeline.divisionTable)
        } catch {
            findings.append(CheckFinding(.problem, file: context.pipeline.path, path: "$.divisions", "\(error)"))
        }
        return findings
    }

    /// The stage's passes, planned on the run's connection before the stage they start beside (see `startEarly`), or at
    /// its turn.
    struct Passes {
        var plans: [Plan] = []
        var sqlRules: [(rule: AssociationRule, dataset: Dataset)] = []
        var groups: [Group] = []
        /// Per group: the bases it looks up at random (they set its page cache, see `cacheKiB(forKeys:probes:)`) and the
        /// records it reads.
        var basesAtRandom: [Set<String>] = []
        var probes: [Int] = []

        /// The page cache of the `index`-th group's pass, from the keys loaded so far into the bases it looks up at random.
        func cacheKiB(of index: Int, catalog: Catalog, database: Database) throws -> Int {
            var keys: Int64 = 0
            for base in basesAtRandom[index] {
                if let definition = catalog.base(base) { keys += try BaseTable(base: definition, catalog: catalog).keysLoaded(in: database) }
            }
            return AssociateStage.cacheKiB(forKeys: Int(keys), probes: probes[index])
        }
    }

    /// Plans the rules (a missing base or standardized table is created, empty, so every pass can be prepared) and
    /// groups them into passes. `log`: where a rule not run is said (nil: not said).
    func passes(_ context: StageContext, log: RunLog?) throws -> Passes {
        let database = context.database
        let catalog = context.catalog
        let selected = Set(try context.pipeline.selectedDatasets(in: catalog).map(\.id))
        var passes = Passes()
        let sealed = try SealTable(database: database).sealedDatasets()
        for rule in catalog.associations {
            guard let datasetID = rule.params["dataset"], selected.contains(datasetID), let dataset = catalog.dataset(datasetID) else { continue }
            // A sealed dataset's records are kept, not used (art. 22).
            if sealed.contains(datasetID) { log?.info("\(rule.id): not run, dataset \(datasetID) is sealed"); continue }
            if rule.kind == "sql" { passes.sqlRules.append((rule, dataset)); continue }
            if let plan = try plan(rule, dataset: dataset, catalog: catalog, selected: selected, database: database) { passes.plans.append(plan) }
        }
        for (_, dataset) in passes.sqlRules { try StandardizedTable(dataset: dataset).ensure(in: database) }
        // Rules over the same dataset and the same look-ups share one pass (the licence rules all look up the
        // holder in the legal-entity base: one scan and one look-up per licence instead of four).
        let files = RunFileTable(database: database)
        passes.groups = AssociateStage.group(passes.plans, spans: try files.stagingSpans(run: context.runID),
                                             keysSealedIn: try SealTable(database: database).datasetsWithSealedKeys())
        for group in passes.groups {
            let dataset = passes.plans[group.plans[0]].dataset
            let inKeyOrder = (try files.keyStreams(run: context.runID, dataset: dataset.id)).map { $0 != nil } == true
            passes.basesAtRandom.append(AssociateStage.basesProbedAtRandom(group.lookups, dataset: dataset, keysInOrder: inKeyOrder))
            passes.probes.append(try files.files(run: context.runID, dataset: dataset.id).reduce(0) { $0 + $1.staged })
        }
        return passes
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let catalog = context.catalog
        // Planned before the transaction (a missing base table is created then, visible to the readers).
        let passes = try self.passes(context, log: context.log)
        let (plans, sqlRules, groups) = (passes.plans, passes.sqlRules, passes.groups)
        let divisions = try DivisionTable.load(path: context.pipeline.divisionTable)
        let today = try RunLedger(database: database).run(context.runID).date
        let standards = StandardContext(today: today, divisions: divisions)
        // The rules only read what earlier stages committed: each pass runs on a connection of its own that may
        // only read, in parallel; a SQL rule is its own pass. Passes run ahead of the stage's turn are taken as they are.
        var queries: [Query] = []
        for index in groups.indices {
            queries.append(Query(source: .built(groups[index].sql), cacheKiB: try passes.cacheKiB(of: index, catalog: catalog, database: database)))
        }
        for (rule, dataset) in sqlRules {
            queries.append(Query(source: .user(rule, dataset), cacheKiB: AssociateStage.defaultCacheKiB))
        }
        let ahead = (context.early?.value as? PassesAhead)?.close() ?? [:]
        let results = try AssociateStage.query(queries, ahead: ahead, runID: context.runID, asOf: today, database: database, threads: context.threads)
        var rowsOfPlan: [Int: (rows: [[SQLValue]], unchecked: Int, seconds: Double, shared: Int, cacheKiB: Int, ahead: Bool)] = [:]
        for ((group, result), query) in zip(zip(groups, results), queries) {
            for (slot, index) in group.plans.enumerated() {
                rowsOfPlan[index] = (group.rows(of: slot, in: result.rows), group.unchecked(of: slot, in: result.rows), result.seconds, group.plans.count,
                                     result.cacheKiB, query.key.map { ahead[$0] != nil } == true)
            }
        }
        return try database.transaction {
            try FindingTable(database: database).delete(run: context.runID, stage: name)
            let writer = try FindingTable.Writer(database: database, runID: context.runID, stage: name)
            var total = 0, unchecked = 0
            for (index, plan) in plans.enumerated() {
                guard let result = rowsOfPlan[index] else { continue }
                let findings = AssociateStage.findings(plan, rows: result.rows, standards: standards)
                for finding in findings { try writer.write(finding) }
                total += findings.count
                unchecked += result.unchecked
                let pass = (result.shared > 1 ? ", one pass with \(result.shared - 1) other rule\(result.shared == 2 ? "" : "s")" : "")
                    + (result.ahead ? ", run ahead of the stage, once its bases were loaded" : "")
                let notChecked = result.unchecked > 0 ? "; \(result.unchecked) not checked: the record they refer to was quarantined without the value" : ""
                context.log.info("\(plan.rule.id): \(findings.count) findings\(notChecked) (query \(String(format: "%.2f", result.seconds)) s, page cache \(result.cacheKiB / 1024) MiB\(pass))")
            }
            let seals = SealTable(database: database)
            for ((rule, dataset), result) in zip(sqlRules, results.dropFirst(groups.count)) {
                // A rule written in SQL reads what it likes: what it says about a sealed record is dropped.
                let findings = try AssociateStage.findings(rule, dataset: dataset, rows: result.rows).filter {
                    try seals.covering(dataset: dataset.id, key: $0.recordKey) == nil
                }
                for finding in findings { try writer.write(finding) }
                total += findings.count
                context.log.info("\(rule.id): \(findings.count) findings (SQL rule, query \(String(format: "%.2f", result.seconds)) s)")
            }
            let notChecked = unchecked > 0 ? "; \(unchecked) records not checked (what they refer to was quarantined without the value a rule needs)" : ""
            return StageOutcome(recordsIn: 0, recordsOut: 0, rejected: 0, hasDefects: total > 0,
                                message: "\(plans.count + sqlRules.count) association rules; \(total) findings" + notChecked)
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
        /// When the rule cannot judge a record: the record it refers to was delivered this run but quarantined,
        /// without the value the rule needs (a finding would be a guess).
        var unchecked = "0"
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
        /// This run's quarantined records of the datasets feeding the base (see `quarantined`), joined beside it
        /// under the same alias with a "q".
        var quarantine: String? = nil
        /// The datasets feeding the base: a key sealed in any of them is not looked up (the record is skipped).
        var feeding: [String] = []
        /// The scanned row's column (quoted) whose value is looked up as the base's key.
        var probe: String? = nil
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
            let flag = 4 + slot * 5
            return rows.compactMap { row in
                row[flag] == .integer(1) ? Array(row[0..<4]) + Array(row[(flag + 2)...(flag + 4)]) : nil
            }
        }

        /// How many records the `slot`-th rule could not judge (see `Plan.unchecked`).
        func unchecked(of slot: Int, in rows: [[SQLValue]]) -> Int {
            rows.reduce(0) { $0 + ($1[4 + slot * 5 + 1] == .integer(1) ? 1 : 0) }
        }
    }

    /// Groups plans by dataset and look-ups, keeping the rules' order, and writes each group's query.
    /// `spans`: where the run's rows of each dataset lie (`RunFileTable.stagingSpans`), so a pass reads only those.
    /// `keysSealedIn`: the datasets with a key seal in force (`SealTable.datasetsWithSealedKeys`, nil for every dataset);
    /// a pass tests a key against the seals only where one of them can cover it. With no key sealed the test is left
    /// out: on the 1M city it was a probe of an empty list per record and look-up, about 10% of the licence pass (2.17
    /// and 2.26 s against 1.95 and 2.01 s in the shell).
    static func group(_ plans: [Plan], spans: [String: ClosedRange<Int64>] = [:], keysSealedIn: Set<String?> = [nil]) -> [Group] {
        func mayBeSealed(_ datasets: [String]) -> Bool {
            keysSealedIn.contains(nil) || datasets.contains { keysSealedIn.contains($0) }
        }
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for (index, plan) in plans.enumerated() {
            let key = plan.table + "\u{1}" + plan.lookups.map { $0.table + "\u{2}" + $0.on + "\u{2}" + ($0.quarantine ?? "") }.sorted().joined(separator: "\u{1}")
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
                    + (lookup.quarantine.map { " LEFT JOIN (\($0)) \(aliases[position])q ON \(lookup.on.replacingOccurrences(of: "{}", with: aliases[position] + "q"))" } ?? "")
            }
            var columns = ["s.file_id", "s.line", "s.record_index", "s.record_key"]
            var conditions: [String] = []
            // Sealed records are kept, not used (art. 22): neither as the record judged nor as the one looked up.
            var unsealed: [String] = []
            if mayBeSealed([first.dataset.id]) { unsealed.append("NOT " + SealTable.keySealed("s.record_key", datasets: [first.dataset.id])) }
            for (position, lookup) in first.lookups.enumerated() where lookup.base != nil && mayBeSealed(lookup.feeding) {
                unsealed.append("NOT coalesce(" + SealTable.keySealed("\(aliases[position]).record_key", datasets: lookup.feeding) + ", 0)")
            }
            for index in indexes {
                let plan = plans[index]
                let condition = "(" + resolve(plan.condition, plan) + ")"
                let unchecked = "coalesce(" + resolve(plan.unchecked, plan) + ", 0)"
                conditions += [condition, unchecked]
                columns.append("CASE WHEN \(condition) AND NOT \(unchecked) THEN 1 ELSE 0 END")
                columns.append("CASE WHEN \(unchecked) THEN 1 ELSE 0 END")
                columns += plan.outputs.map { resolve($0, plan) }
            }
            let sql = """
                SELECT \(columns.joined(separator: ", "))
                FROM \(first.table) s \(joins.joined(separator: " "))
                WHERE s.run_id = ?1\(StandardizedTable.within(spans[first.dataset.id], alias: "s")) AND s.has_error = 0 AND (\(conditions.joined(separator: " OR ")))\(unsealed.map { " AND " + $0 }.joined())
                ORDER BY s.staging_rowid
                """
            return Group(plans: indexes, lookups: first.lookups, sql: sql)
        }
    }

    /// One pass of the stage: a group's query of built-in rules, or a rule the catalog writes as SQL.
    struct Query: Sendable {
        enum Source: Sendable {
            case built(String)
            case user(AssociationRule, Dataset)
        }
        let source: Source
        let cacheKiB: Int

        /// What a built-in pass run ahead is known by (its SQL: the page cache changes its speed, not its rows); nil for a
        /// SQL rule, never run ahead.
        var key: String? {
            guard case .built(let sql) = source else { return nil }
            return sql
        }
    }

    typealias QueryResult = (rows: [[SQLValue]], seconds: Double, cacheKiB: Int)

    /// Runs `query` on `connection` with the page cache it asks for; built-in queries bind ?1 the run and ?2 its date,
    /// SQL rules :run and :as_of.
    static func run(_ query: Query, on connection: Database, runID: Int64, asOf: CivilDate) throws -> QueryResult {
        let started = Date()
        try connection.setCacheSize(kiB: query.cacheKiB)
        let rows: [[SQLValue]]
        switch query.source {
        case .built(let sql):
            let statement = try connection.prepare(sql)
            try statement.bind(Array([SQLValue.integer(runID), .text(asOf.description)].prefix(statement.parameterNames.count)))
            var collected: [[SQLValue]] = []
            while try statement.step() { collected.append((0..<statement.columnCount).map { statement.value($0) }) }
            rows = collected
        case .user(let rule, let dataset):
            do {
                let statement = try connection.prepare(try SQLRule.query(for: rule, dataset: dataset, on: connection))
                try statement.bind(.integer(runID), named: ":run")
                try statement.bind(.text(asOf.description), named: ":as_of")
                var collected: [[SQLValue]] = []
                while try statement.step() { collected.append((0..<statement.columnCount).map { statement.value($0) }) }
                rows = collected
            } catch {
                throw PipelineError.stageFailed(stage: "associate", reason: "SQL rule \(rule.id) (associations.json)", cause: error)
            }
        }
        return (rows, Date().timeIntervalSince(started), query.cacheKiB)
    }

    /// A connection to the store that may only read, for one pass after the other.
    static func reader(_ path: String) throws -> Database {
        let connection = try Database(path: path, mode: .readOnly)
        connection.allowOnlyReading()
        return connection
    }

    /// Runs each query on connections of its own that may only read (`threads` of them in parallel), except those
    /// `ahead` holds (run before the stage's turn, by `key`), which it waits for. Rows come back per query, in order.
    static func query(_ queries: [Query], ahead: [String: Pending<QueryResult>] = [:], runID: Int64, asOf: CivilDate, database: Database,
                      threads: Int) throws -> [QueryResult] {
        let own = queries.filter { query in query.key.map { ahead[$0] == nil } ?? true }
        var ran = try query(own, runID: runID, asOf: asOf, database: database, threads: threads).makeIterator()
        return try queries.map { query in try query.key.flatMap { ahead[$0] }?.wait() ?? ran.next()! }
    }

    private static func query(_ queries: [Query], runID: Int64, asOf: CivilDate, database: Database, threads: Int) throws -> [QueryResult] {
        if database.path == ":memory:" {
            // The run's own connection: its cache is set back to what it was after the queries.
            return try database.withCacheSize(kiB: defaultCacheKiB) { try queries.map { try run($0, on: database, runID: runID, asOf: asOf) } }
        }
        let path = database.path
        let next = TicketDispenser()
        // Every query's result goes to its own position; the counter hands each position out once.
        let results = Array<Result<QueryResult, Error>>(unsafeUninitializedCapacity: queries.count) {
            buffer, initialized in
            let slots = DisjointSlots(buffer)
            DispatchQueue.concurrentPerform(iterations: max(1, min(threads, queries.count))) { _ in
                let connection: Database
                do {
                    connection = try reader(path)
                } catch {
                    while let index = next.take(below: queries.count) { slots.initialize(index, to: .failure(error)) }
                    return
                }
                while let index = next.take(below: queries.count) {
                    slots.initialize(index, to: Result { try run(queries[index], on: connection, runID: runID, asOf: asOf) })
                }
            }
            initialized = queries.count
        }
        return try results.map { try $0.get() }
    }

    /// The built-in passes run before the stage's turn: each claimed by the thread running it, until the turn closes
    /// the claims and takes what was claimed (the rest it runs itself).
    final class PassesAhead: @unchecked Sendable {   // every field is guarded by `lock`
        private let lock = NSLock()
        private var closed = false
        private var claimed: [String: Pending<QueryResult>] = [:]
        private let stopped = DispatchSemaphore(value: 0)

        /// The thread running passes ahead stopped taking them (the caller of `startEarly` may wait for it: `waitUntilStopped`).
        func stop() { stopped.signal() }

        /// Waits until the thread running passes ahead has stopped taking them.
        func waitUntilStopped() {
            stopped.wait()
            stopped.signal()   // a second wait returns at once
        }

        /// The result the caller is to fulfil for the pass known by `key`; nil once the turn closed the claims.
        func claim(_ key: String) -> Pending<QueryResult>? {
            lock.lock()
            defer { lock.unlock() }
            guard !closed, claimed[key] == nil else { return nil }
            let pending = Pending<QueryResult>()
            claimed[key] = pending
            return pending
        }

        /// Closes the claims and returns the passes claimed, by key.
        func close() -> [String: Pending<QueryResult>] {
            lock.lock()
            defer { lock.unlock() }
            closed = true
            return claimed
        }
    }

    /// The page cache of a rule's connection unless `cacheKiB(forKeys:probes:)` gives it one that holds its bases, in KiB.
    /// Most passes read in key order or look up too sparsely to come back to a page, and a larger cache only fills with
    /// the pages the pass scans. `stage associate` by hand, alternating, with 16 MiB against the writer's 64 MiB (stage
    /// time, the command's peak in MiB): 250k persons 0.32-0.35 s and 77 against 0.38-0.72 s and 148-174; 1M 1.09-1.57 s
    /// and 117 against 1.50-1.76 s and 182-183; 4M 4.86 s and 293 against 4.91 s and 340-342.
    static let defaultCacheKiB = 16 * 1024
    /// The most a rule's connection takes for its look-ups, in KiB.
    static let largestCacheKiB = 256 * 1024

    /// The bases a pass over `dataset` looks up in an order of their own. Look-ups by the dataset's own key, when ingest
    /// counted its keys arriving in a few ascending streams (`keysInOrder`), walk the base in its order: each page is
    /// visited once per stream, so a larger cache would only keep pages already passed.
    static func basesProbedAtRandom(_ lookups: [Lookup], dataset: Dataset, keysInOrder: Bool) -> Set<String> {
        let ownKey = keysInOrder && dataset.key.count == 1 ? StagingTable.quote(dataset.key[0]) : nil
        return Set(lookups.filter { ownKey == nil || $0.probe != ownKey }.compactMap(\.base))
    }

    /// The page cache for a pass of `probes` records that looks keys up at random in bases holding `keys` keys in
    /// all (a licence's holder among every legal entity): a cache that holds the whole base turns the look-ups from
    /// reads into hits once warm, when there are enough of them to come back to each page many times (at least half
    /// as many as keys: about 30 per page). A base too large to hold gains nothing from a larger cache, so it keeps
    /// the default (as do small ones, which fit in it, and bases probed too sparsely to repay filling one). The 1M city's
    /// licence pass (297k look-ups among 197k legal entities) gets 48 MiB this way.
    /// Measured: the 4M city's licence pass (1.2M look-ups among 787k legal entities) took 6.3 s with 192 MiB and
    /// 13.1 s with the default. On the 1M city, 242 MiB caches for the three passes that look up persons (benefits
    /// after death in key order, 200k legal representatives and 10k deaths at random) made the stage slower (median
    /// 1.65 s against 1.43 s) and about 330 MB larger.
    static func cacheKiB(forKeys keys: Int, probes: Int) -> Int {
        let needed = keys / 4   // about 256 bytes of base per key, in KiB
        return needed > defaultCacheKiB && needed <= largestCacheKiB && probes * 2 >= keys ? needed : defaultCacheKiB
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

    /// This run's quarantined records of the selected datasets that feed `base`, one row per key: for each element
    /// of the base, its value in those records (`"E"`) and whether a dataset delivering it is among them
    /// (`"E:delivered"`). A record that failed verification is still the latest word on the values it carried: a
    /// company delivered without a name exists, and its status is what it says.
    func quarantined(_ base: BaseTable, catalog: Catalog, selected: Set<String>) -> String {
        let feeding = catalog.datasets(of: base.base).filter { selected.contains($0.id) }
        let branches = feeding.map { dataset -> String in
            var columns = ["record_key"]
            for (index, element) in base.elements.enumerated() {
                let delivers = dataset.fields.contains { $0.element == element }
                columns += [delivers ? "\(q(element)) AS e\(index)" : "NULL AS e\(index)", delivers ? "1 AS d\(index)" : "NULL AS d\(index)"]
            }
            return "SELECT \(columns.joined(separator: ", ")) FROM \(q(StandardizedTable(dataset: dataset).name)) WHERE run_id = ?1 AND has_error = 1 AND record_key <> ''"
        }
        let columns = ["record_key"] + base.elements.enumerated().flatMap { index, element in
            ["max(e\(index)) AS \(q(element))", "max(d\(index)) AS \(q(element + ":delivered"))"]
        }
        return "SELECT \(columns.joined(separator: ", ")) FROM (\(branches.joined(separator: " UNION ALL "))) GROUP BY record_key"
    }

    func plan(_ rule: AssociationRule, dataset: Dataset, catalog: Catalog, selected: Set<String>, database: Database) throws -> Plan? {
        let p = rule.params
        let std = q("std_" + dataset.id)
        func list(_ values: [String]) -> String { values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ") }
        // A look-up of the base holding `element` by the record's `column`, with this run's quarantined records beside it.
        func base(_ element: String, on column: String) throws -> Lookup {
            guard let table = AssociateStage.base(holding: element, catalog: catalog) else {
                throw PipelineError.stageFailed(stage: name, reason: "rule \(rule.id): no base database holds \(element)", cause: nil)
            }
            try table.ensure(in: database)
            for feeding in catalog.datasets(of: table.base) where selected.contains(feeding.id) {
                try StandardizedTable(dataset: feeding).ensure(in: database)
            }
            return Lookup(table: q(table.name), on: "{}.record_key = s.\(column)", base: table.base.id,
                          quarantine: quarantined(table, catalog: catalog, selected: selected),
                          feeding: catalog.datasets(of: table.base).map(\.id), probe: column)
        }
        // Look-up `n`: the record exists (loaded, or delivered this run and quarantined); the value of `element` (this
        // run's delivered one where its record was quarantined, else the base's); and whether that value is missing
        // from a quarantined record, so the rule cannot judge.
        func exists(_ n: Int) -> String { "({\(n)}.record_key IS NOT NULL OR {\(n)}q.record_key IS NOT NULL)" }
        func value(_ n: Int, _ element: String) -> String {
            "(CASE WHEN {\(n)}q.\(q(element + ":delivered")) = 1 THEN {\(n)}q.\(q(element)) ELSE {\(n)}.\(q(element)) END)"
        }
        func missing(_ n: Int, _ element: String) -> String {
            "({\(n)}q.\(q(element + ":delivered")) = 1 AND {\(n)}q.\(q(element)) IS NULL)"
        }
        let lookups: [Lookup]
        let condition: String
        var unchecked = "0"
        let outputs: [String]
        var element: String?
        switch rule.kind {
        case "active_after_death":
            let status = q(p["status"]!), person = q(p["person"]!), death = p["deathDate"]!
            lookups = [try base(death, on: person)]
            // Paid for a month after the death, or, without a month, still active on the run's date (?2).
            let after = p["period"].map { period in
                let column = "s.\(q(period))"
                return "CASE WHEN length(\(column)) = 7 THEN \(column) || '-01' ELSE \(column) END"
            } ?? "?2"
            let active = "s.\(status) IN (\(list(rule.values("activeValues"))))"
            condition = "\(exists(0)) AND \(active) AND \(value(0, death)) IS NOT NULL AND \(value(0, death)) < \(after)"
            unchecked = "\(active) AND \(missing(0, death))"
            outputs = ["s.\(status)", p["period"].map { "s.\(q($0))" } ?? "?2", value(0, death)]
            element = p["status"]
        case "inactive_holder":
            let status = q(p["status"]!), holder = q(p["holder"]!), holderStatus = p["holderStatus"]!
            lookups = [try base(holderStatus, on: holder)]
            let active = "s.\(status) IN (\(list(rule.values("activeValues"))))"
            condition = "\(exists(0)) AND \(active) AND \(value(0, holderStatus)) IN (\(list(rule.values("inactiveValues"))))"
            unchecked = "\(active) AND \(missing(0, holderStatus))"
            outputs = ["s.\(status)", "NULL", value(0, holderStatus)]
            element = p["status"]
        case "unknown_reference":
            let reference = q(p["reference"]!)
            guard let base = catalog.base(p["base"]!) else { return nil }
            let target = BaseTable(base: base, catalog: catalog)
            try target.ensure(in: database)
            lookups = [Lookup(table: q(target.name), on: "{}.record_key = s.\(reference)", base: base.id,
                              quarantine: quarantined(target, catalog: catalog, selected: selected),
                              feeding: catalog.datasets(of: base).map(\.id), probe: reference)]
            condition = "s.\(reference) IS NOT NULL AND NOT \(exists(0))"
            outputs = ["s.\(reference)", "NULL", "NULL"]
            element = p["reference"]
        case "person_reference":
            // Invalid: delivered but not standardizable (std is NULL, staging is not); dead: a death registered. Staging
            // is read only where std is NULL, where it never leaves a value to std (see StagingTable.same_as_std).
            let person = q(p["person"]!), death = p["deathDate"]!
            lookups = [Lookup(table: q("stg_" + dataset.id), on: "{}.rowid = s.staging_rowid"), try base(death, on: person)]
            condition = "(s.\(person) IS NULL AND trim(coalesce({0}.\(person), '')) != '') OR \(value(1, death)) IS NOT NULL"
            unchecked = "s.\(person) IS NOT NULL AND \(missing(1, death))"
            outputs = ["coalesce(s.\(person), {0}.\(person))", "CASE WHEN s.\(person) IS NULL THEN 'invalid' ELSE 'dead' END", value(1, death)]
            element = p["person"]
        case "date_before_reference":
            let date = q(p["date"]!), reference = q(p["reference"]!), referenceDate = p["referenceDate"]!
            lookups = [try base(referenceDate, on: reference)]
            condition = """
                \(exists(0)) AND s.\(date) IS NOT NULL AND \(value(0, referenceDate)) IS NOT NULL AND s.\(date) < \(value(0, referenceDate))
                """
            unchecked = "s.\(date) IS NOT NULL AND \(missing(0, referenceDate))"
            outputs = ["s.\(date)", value(0, referenceDate), "NULL"]
            element = p["date"]
        case "name_mismatch":
            let nameColumn = q(p["name"]!), reference = q(p["reference"]!), referenceName = p["referenceName"]!
            lookups = [try base(referenceName, on: reference)]
            condition = """
                \(exists(0)) AND s.\(nameColumn) IS NOT NULL AND \(value(0, referenceName)) IS NOT NULL AND s.\(nameColumn) != \(value(0, referenceName))
                """
            unchecked = "s.\(nameColumn) IS NOT NULL AND \(missing(0, referenceName))"
            outputs = ["s.\(nameColumn)", value(0, referenceName), "NULL"]
            element = p["name"]
        default:
            return nil
        }
        return Plan(rule: rule, dataset: dataset, table: std, lookups: lookups, condition: condition, unchecked: unchecked, outputs: outputs,
                    element: element)
    }

    /// The findings of a SQL rule from its rows (file_id, line, record_index, record_key, observed, expected, reason,
    /// element).
    static func findings(_ rule: AssociationRule, dataset: Dataset, rows: [[SQLValue]]) -> [Finding] {
        rows.map { row in
            let observed = row[4].text ?? "", expected = row[5].text, reason = row[6].text
            return Finding(ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: dataset.agency,
                           datasetID: dataset.id, recordKey: row[3].text, element: row[7].text ?? rule.params["element"], observed: observed,
                           expected: expected, reason: reason, fileID: row[0].integer, line: row[1].integer.map(Int.init),
                           recordIndex: row[2].integer.map(Int.init), message: rule.render(observed: observed, expected: expected, reason: reason))
        }
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

extension AssociateStage: StartsEarly {
    /// Runs the built-in passes before the stage's turn, beside the stages before it, each once the bases it looks up are
    /// committed (`StageContext.parts`; those bases are what it waits for, and load commits them first): on the 1M city
    /// the licence and penalty passes, which read only the legal-entity base, run while the persons base is merged on the
    /// other core, and the persons passes while the other bases are.
    ///
    /// The passes run one after the other, each on a connection of its own that may only read, on a thread yielding to
    /// the run's (`Background.run(yielding:)`), with the default page cache, not the larger one the turn may give a pass
    /// (`cacheKiB(forKeys:probes:)`): the night's peak memory is reached while load writes, and a pass beside it adds its
    /// cache to that peak. Alternating whole nights: on the 1M city the peak was 273-291 MB against 306-325 MB with the
    /// larger cache, the night 9.40-10.27 s against 9.82-10.28 s; on the 4M city 493 MB against 551 MB, 45.0 s against
    /// 44.9 s (the licence pass took 12.1 s beside load either way).
    ///
    /// Nothing a pass reads changes between its part's commit and the stage's turn (the standardized rows and seals
    /// before, the other bases are other tables), so its rows are those the turn would get. The passes are planned now,
    /// on the run's connection, before the stage beside starts; a planning failure leaves every pass to the turn, which
    /// then fails the same way.
    public func startEarly(_ context: StageContext) -> EarlyWork {
        let ahead = PassesAhead()
        guard context.database.path != ":memory:", let passes = try? self.passes(context, log: nil),
              let today = try? RunLedger(database: context.database).run(context.runID).date else {
            ahead.stop()
            return EarlyWork(ahead)
        }
        let sqls = passes.groups.map(\.sql), bases = passes.groups.map { Set($0.lookups.compactMap(\.base)) }
        context.parts?.willWait(for: Set(bases.flatMap { $0 }))
        let path = context.database.path, runID = context.runID, parts = context.parts
        Background.run(yielding: true) {
            defer { ahead.stop() }
            var remaining = Array(sqls.indices)
            func ready(_ index: Int, _ committed: Set<String>?) -> Bool { committed.map { bases[index].isSubset(of: $0) } ?? true }
            while true {
                // Without parts to wait for, everything it reads is committed.
                let committed = parts?.wait { committed in remaining.contains { ready($0, committed) } }.parts
                guard let position = remaining.firstIndex(where: { ready($0, committed) }) else { return }
                let index = remaining.remove(at: position)
                let query = Query(source: .built(sqls[index]), cacheKiB: AssociateStage.defaultCacheKiB)
                guard let pending = ahead.claim(query.key!) else { return }
                // A connection for each pass: its page cache goes with it, not held while the next waits for its bases.
                pending.fulfil(Result { try AssociateStage.run(query, on: try AssociateStage.reader(path), runID: runID, asOf: today) })
            }
        }
        return EarlyWork(ahead)
    }
}
