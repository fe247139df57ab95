import Foundation

/// Multi-source comparison: for each element with an authoritative agency, every other agency's value for
/// the same key is compared with the authority's. A differing value is a finding against the agency that
/// holds it; when two or more other agencies agree with each other against the authority, the authority is
/// asked to review; a key the authority does not have at all is handled by the dataset's missing-key policy.
/// Only records that passed verification take part.
public struct CompareStage: StartsEarly {
    public let name = "compare"
    /// Only the standardized tables (and the seals): it can compute while load writes the bases.
    public let reads: Set<StoreArea> = [.standardized, .seals]
    public let writes: Set<StoreArea> = [.findings]

    public init() {}

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        // Computed while the stage before ran (see `startEarly`), or now.
        let ahead = (context.early?.value as? Pending<[Comparison]>)
        let comparisons = try ahead.map { try $0.wait() }
            ?? CompareStage.compareAll(catalog: context.catalog, pipeline: context.pipeline, runID: context.runID, path: database.path,
                                       sealed: try SealTable(database: database).sealedDatasets(),
                                       spans: try RunFileTable(database: database).stagingSpans(run: context.runID))
        return try database.transaction {
            try FindingTable(database: database).delete(run: context.runID, stage: name)
            let writer = try FindingTable.Writer(database: database, runID: context.runID, stage: name)
            var total = 0, compared = 0
            for comparison in comparisons {
                for finding in comparison.findings { try writer.write(finding) }
                total += comparison.findings.count
                compared += comparison.records
                context.log.info("\(comparison.base): compared \(comparison.records) records from \(comparison.datasets) datasets, "
                                 + "\(comparison.findings.count) findings")
            }
            return StageOutcome(recordsIn: compared, recordsOut: compared, rejected: 0, hasDefects: total > 0,
                                message: "compared \(compared) records; \(total) findings" + (ahead != nil ? " (compared while load ran)" : ""))
        }
    }

    /// What comparing one base's datasets found.
    public struct Comparison: Sendable {
        let base: String
        let datasets: Int
        let findings: [Finding]
        let records: Int
    }

    /// Compares every base fed by more than one selected dataset. Reads only the run's standardized
    /// tables, over connections of its own, so it can run while another stage writes (see `ahead`).
    /// `yielding`: its reading threads give way to the run's own thread (see `Background.run`).
    /// A sealed dataset takes no part (art. 22: kept, not used); nor do the records of a sealed key. `spans`: where the
    /// run's rows of each dataset lie (`RunFileTable.stagingSpans`).
    static func compareAll(catalog: Catalog, pipeline: PipelineDefinition, runID: Int64, path: String, sealed: Set<String>,
                           spans: [String: ClosedRange<Int64>], yielding: Bool = false) throws -> [Comparison] {
        let selected = Set(try pipeline.selectedDatasets(in: catalog).map(\.id)).subtracting(sealed)
        var comparisons: [Comparison] = []
        for base in catalog.bases {
            let feeding = catalog.datasets(of: base).filter { selected.contains($0.id) }
            guard feeding.count > 1 else { continue }
            let (findings, records) = try compare(base: base, datasets: feeding, catalog: catalog, runID: runID, path: path,
                                                  spans: spans, yielding: yielding)
            comparisons.append(Comparison(base: base.id, datasets: feeding.count, findings: findings, records: records))
        }
        return comparisons
    }

    /// Starts comparing the run on a background thread; the compare stage then only writes what it found.
    public func startEarly(_ context: StageContext) -> EarlyWork {
        let catalog = context.catalog, pipeline = context.pipeline, runID = context.runID, path = context.database.path
        let sealed = Result { try SealTable(database: context.database).sealedDatasets() }
        let spans = Result { try RunFileTable(database: context.database).stagingSpans(run: runID) }
        // The stage before writes meanwhile on the run's thread: the comparison takes the processor time it leaves.
        return EarlyWork(Pending(yielding: true) {
            try CompareStage.compareAll(catalog: catalog, pipeline: pipeline, runID: runID, path: path, sealed: try sealed.get(),
                                        spans: try spans.get(), yielding: true)
        })
    }



    /// One dataset's rows for the base, read in key order (delivery order among equal keys): the verified
    /// rows, and for the key's authority also the rows with errors (they still show the key was delivered).
    private final class Source {
        let position: Int
        let dataset: Dataset
        let rows: SortedRows
        /// Text columns: the elements this dataset is authoritative for, then those it is compared on.
        let owned: [Int]          // slot in `wanted` of each owned column
        let compared: [Int]       // slot in `wanted` of each compared column

        init(position: Int, dataset: Dataset, rows: SortedRows, owned: [Int], compared: [Int]) {
            self.position = position
            self.dataset = dataset
            self.rows = rows
            self.owned = owned
            self.compared = compared
        }

        var key: String? { rows.key }
        func advance() throws { try rows.advance() }
        var fileID: Int64 { rows.int(0) }
        var line: Int { Int(rows.int(1)) }
        var recordIndex: Int { Int(rows.int(2)) }
        var rowID: Int64 { rows.int(3) }
        var hasError: Bool { rows.int(4) != 0 }
        func owned(_ index: Int) -> String? { rows.text(index) }
        func compared(_ index: Int) -> String? { rows.text(owned.count + index) }
    }

    /// Where a finding stands in the order the stage reports them: per dataset its comparisons in delivery
    /// order, then its keys missing from the authority; after all datasets, the authority's reviews.
    private struct Place: Comparable {
        var dataset: Int, phase: Int, row: Int64, column: Int, value: String
        static func < (a: Place, b: Place) -> Bool {
            (a.dataset, a.phase, a.row, a.column) < (b.dataset, b.phase, b.row, b.column)
                || ((a.dataset, a.phase, a.row, a.column) == (b.dataset, b.phase, b.row, b.column) && a.value < b.value)
        }
    }

    /// Compares the datasets of one base key by key: each is read sorted by key, so memory does not grow
    /// with the number of keys, and the result does not depend on any thread count.
    private static func compare(base: BaseDefinition, datasets: [Dataset], catalog: Catalog, runID: Int64,
                                path: String, spans: [String: ClosedRange<Int64>], yielding: Bool) throws -> ([Finding], Int) {
        let book = catalog.ruleBook
        guard let keyAuthority = catalog.element(base.key)?.authority else { return ([], 0) }
        // Only elements some other agency also delivers are compared, so only those authoritative values are read.
        var comparedOn: [[String]] = []
        var wanted: [String] = []
        for dataset in datasets {
            let elements = dataset.fields.map(\.element).filter { element in
                element != base.key && catalog.element(element).map { $0.authority != dataset.agency } == true
                    && datasets.contains { $0.agency == catalog.element(element)?.authority && $0.fields.contains { $0.element == element } }
            }
            comparedOn.append(elements)
            for element in elements where !wanted.contains(element) { wanted.append(element) }
        }
        let slot = Dictionary(uniqueKeysWithValues: wanted.enumerated().map { ($1, $0) })
        var sources: [Source] = []
        for (position, dataset) in datasets.enumerated() {
            let owned = wanted.filter { element in
                catalog.element(element)?.authority == dataset.agency && dataset.fields.contains { $0.element == element }
            }
            let columns = owned + comparedOn[position]
            // The key's authority is read with its error rows too: a quarantined record is not a missing one.
            // Read ahead on its own connection, so the datasets sort at the same time.
            let rows = SortedRows(path: path, sql: StandardizedTable(dataset: dataset).byKeyQuery(columns: columns, withErrors: dataset.agency == keyAuthority,
                                                                                        span: spans[dataset.id]),
                                  arguments: [.integer(runID)], ints: 5, texts: columns.count, yielding: yielding)
            sources.append(Source(position: position, dataset: dataset, rows: rows,
                                  owned: owned.map { slot[$0]! }, compared: comparedOn[position].map { slot[$0]! }))
        }
        for source in sources { try source.advance() }
        let matches = book[rule: .matchesAuthority], missing = book[rule: .keyMissingInAuthority], outvoted = book[rule: .authorityOutvoted]
        let sourceNames = datasets.map { "\(catalog.agency($0.agency)?.name ?? $0.agency)（\($0.name)）" }
        let keyAuthorityName = catalog.agency(keyAuthority)?.name ?? keyAuthority
        var findings: [(Place, Finding)] = []
        var records = 0
        var truth = [String?](repeating: nil, count: wanted.count)
        var truthSource = [Int](repeating: -1, count: wanted.count)
        /// Per key: one row's values, kept until every source has passed the key.
        struct Pending { let source: Source; let fileID: Int64; let line: Int; let recordIndex: Int; let rowID: Int64; let values: [String?] }
        var pending: [Pending] = []
        while true {
            var smallest: String?
            for source in sources {
                if let key = source.key, smallest.map({ TextBytes.less(key, $0) }) ?? true { smallest = key }
            }
            guard let key = smallest else { break }
            for index in truth.indices { truth[index] = nil; truthSource[index] = -1 }
            var authorityHasKey = false
            pending.removeAll(keepingCapacity: true)
            for source in sources {
                while let current = source.key, TextBytes.equal(current, key) {
                    if source.dataset.agency == keyAuthority { authorityHasKey = true }
                    if !source.hasError {
                        // Authoritative values: the first delivered, in dataset order.
                        for (index, target) in source.owned.enumerated() where truth[target] == nil {
                            if let value = source.owned(index) { truth[target] = value; truthSource[target] = source.position }
                        }
                        pending.append(Pending(source: source, fileID: source.fileID, line: source.line, recordIndex: source.recordIndex,
                                               rowID: source.rowID, values: source.compared.indices.map { source.compared($0) }))
                    }
                    try source.advance()
                }
            }
            records += pending.count
            // votes[element slot][value] = agencies that delivered it against the authority, with where it was first seen.
            var votes: [Int: [String: [String]]] = [:]
            var firstVote: [Int: Place] = [:]
            for row in pending {
                let dataset = row.source.dataset
                for (index, target) in row.source.compared.enumerated() {
                    guard let value = row.values[index], let expected = truth[target], expected != value else { continue }
                    let place = Place(dataset: row.source.position, phase: 0, row: row.rowID, column: index, value: "")
                    if let rule = matches {
                        let source = sourceNames[truthSource[target]]
                        findings.append((place, Finding(
                            ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: dataset.agency,
                            datasetID: dataset.id, recordKey: key, element: wanted[target], observed: value, expected: expected,
                            reason: source, fileID: row.fileID, line: row.line, recordIndex: row.recordIndex,
                            message: rule.render(element: catalog.element(wanted[target])?.name, observed: value, expected: expected, reason: source))))
                    }
                    if firstVote[target] == nil { firstVote[target] = place }
                    var agencies = votes[target, default: [:]][value, default: []]
                    if !agencies.contains(dataset.agency) { agencies.append(dataset.agency) }
                    votes[target, default: [:]][value] = agencies
                }
                // A key the authority does not have: the dataset's policy says how serious that is.
                if !authorityHasKey, dataset.agency != keyAuthority, let severity = dataset.missingKey.severity, let rule = missing {
                    findings.append((Place(dataset: row.source.position, phase: 1, row: row.rowID, column: 0, value: ""), Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: severity,
                        agency: dataset.missingKey.addressedToSelf ? dataset.agency : keyAuthority, datasetID: dataset.id,
                        recordKey: key, element: base.key, observed: key, expected: nil, reason: keyAuthorityName,
                        fileID: row.fileID, line: row.line, recordIndex: row.recordIndex,
                        message: rule.render(element: catalog.element(base.key)?.name, observed: key, expected: nil, reason: keyAuthorityName))))
                }
            }
            // The authority may be the one that is wrong: two or more agencies agree on another value.
            if let rule = outvoted {
                for (target, candidates) in votes {
                    guard let expected = truth[target], let first = firstVote[target] else { continue }
                    let source = datasets[truthSource[target]]
                    for (value, agencies) in candidates where agencies.count >= 2 {
                        let names = agencies.map { catalog.agency($0)?.name ?? $0 }.joined(separator: "、")
                        let place = Place(dataset: datasets.count, phase: first.dataset, row: first.row, column: first.column, value: value)
                        findings.append((place, Finding(
                            ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: source.agency,
                            datasetID: source.id, recordKey: key, element: wanted[target], observed: expected, expected: value,
                            reason: names, fileID: nil, line: nil, recordIndex: nil,
                            message: rule.render(element: catalog.element(wanted[target])?.name, observed: expected, expected: value, reason: names))))
                    }
                }
            }
        }
        findings.sort { $0.0 < $1.0 }
        return (findings.map(\.1), records)
    }
}
