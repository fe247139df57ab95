import Foundation

/// Multi-source comparison: for each element with an authoritative agency, every other agency's value for
/// the same key is compared with the authority's. A differing value is a finding against the agency that
/// holds it; when two or more other agencies agree with each other against the authority, the authority is
/// asked to review; a key the authority does not have at all is handled by the dataset's missing-key policy.
/// Only records that passed verification take part.
public struct CompareStage: Stage {
    public let name = "compare"

    public init() {}

    /// One verified record of a non-authoritative dataset.
    struct Row: Sendable {
        let key: String
        let fileID: Int64
        let line: Int
        let recordIndex: Int
        let values: [String?]
    }

    public func run(_ context: StageContext) throws -> StageOutcome {
        let database = context.database
        let catalog = context.catalog
        let datasets = try context.pipeline.selectedDatasets(in: catalog)
        let selected = Set(datasets.map(\.id))
        return try database.transaction {
            try database.run("DELETE FROM findings WHERE run_id = ? AND stage = ?", [.integer(context.runID), .text(name)])
            let writer = try FindingWriter(database: database, runID: context.runID, stage: name)
            var total = 0, compared = 0
            for base in catalog.bases {
                let feeding = catalog.datasets(of: base).filter { selected.contains($0.id) }
                guard feeding.count > 1 else { continue }
                let (findings, records) = try compare(base: base, datasets: feeding, context: context)
                for finding in findings { try writer.write(finding) }
                total += findings.count
                compared += records
                context.log.info("\(base.id): compared \(records) records from \(feeding.count) datasets, \(findings.count) findings")
            }
            return StageOutcome(recordsIn: compared, recordsOut: compared, rejected: 0, hasDefects: total > 0,
                                message: "compared \(compared) records; \(total) findings")
        }
    }

    private func compare(base: BaseDefinition, datasets: [Dataset], context: StageContext) throws -> ([Finding], Int) {
        let catalog = context.catalog
        let book = catalog.ruleBook
        guard let keyAuthority = catalog.element(base.key)?.authority else { return ([], 0) }
        // Keys the key's authority delivered at all this run (a quarantined record is not a missing one).
        var authorityKeys: Set<String> = []
        for dataset in datasets where dataset.agency == keyAuthority {
            for row in try database(context).rows("SELECT record_key FROM \(StagingTable.quote("std_" + dataset.id)) WHERE run_id = ?",
                                                  [.integer(context.runID)]) {
                if let key = row[0].text { authorityKeys.insert(key) }
            }
        }
        // Only elements some other agency also delivers are compared, so only those authoritative values are kept.
        var compared: [String: [String]] = [:]   // dataset id -> elements it is compared on
        var wanted: [String] = []
        for dataset in datasets {
            let elements = dataset.fields.map(\.element).filter { element in
                element != base.key && catalog.element(element).map { $0.authority != dataset.agency } == true
                    && datasets.contains { $0.agency == catalog.element(element)?.authority && $0.fields.contains { $0.element == element } }
            }
            compared[dataset.id] = elements
            for element in elements where !wanted.contains(element) { wanted.append(element) }
        }
        let slot = Dictionary(uniqueKeysWithValues: wanted.enumerated().map { ($1, $0) })
        // Authoritative values: key -> one value per wanted element, with the index of the dataset that gave it.
        var authority: [String: AuthorityValues] = [:]
        for (position, dataset) in datasets.enumerated() {
            let owned = wanted.filter { element in
                catalog.element(element)?.authority == dataset.agency && dataset.fields.contains { $0.element == element }
            }
            guard !owned.isEmpty else { continue }
            for row in try read(dataset, elements: owned, context: context) {
                var entry = authority.removeValue(forKey: row.key) ?? AuthorityValues(values: Array(repeating: nil, count: wanted.count),
                                                                   sources: Array(repeating: -1, count: wanted.count))
                for (index, element) in owned.enumerated() {
                    guard let value = row.values[index], let target = slot[element], entry.values[target] == nil else { continue }
                    entry.values[target] = value
                    entry.sources[target] = Int16(position)
                }
                authority[row.key] = entry
            }
        }
        var findings: [Finding] = []
        var records = 0
        // votes[(element, key)][value] = agencies that delivered `value` against the authority.
        var votes: [String: [String: [String]]] = [:]
        var voteOrder: [(String, String)] = []
        for dataset in datasets {
            let elements = compared[dataset.id] ?? []
            let rows = try read(dataset, elements: elements, context: context)
            records += rows.count
            findings += CompareStage.compareInParallel(rows, dataset: dataset, elements: elements.map { slot[$0]! }, names: elements,
                                                       authority: authority, datasets: datasets, catalog: catalog, threads: context.threads)
            for row in rows {
                guard let entry = authority[row.key] else { continue }
                for (index, element) in elements.enumerated() {
                    guard let value = row.values[index], let truth = entry.values[slot[element]!], truth != value else { continue }
                    let voteKey = element + "\u{1F}" + row.key
                    if votes[voteKey] == nil { voteOrder.append((element, row.key)) }
                    var agencies = votes[voteKey, default: [:]][value, default: []]
                    if !agencies.contains(dataset.agency) { agencies.append(dataset.agency) }
                    votes[voteKey, default: [:]][value] = agencies
                }
            }
            // A key the authority does not have: the dataset's policy says how serious that is.
            if dataset.agency != keyAuthority, let severity = dataset.missingKey.severity, let rule = book["key_missing_in_authority"] {
                let agencyName = catalog.agency(keyAuthority)?.name ?? keyAuthority
                for row in rows where !authorityKeys.contains(row.key) {
                    findings.append(Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: severity,
                        agency: dataset.missingKey.addressedToSelf ? dataset.agency : keyAuthority, datasetID: dataset.id,
                        recordKey: row.key, element: base.key, observed: row.key, expected: nil, reason: agencyName,
                        fileID: row.fileID, line: row.line, recordIndex: row.recordIndex,
                        message: rule.render(element: catalog.element(base.key)?.name, observed: row.key, expected: nil, reason: agencyName)))
                }
            }
        }
        // The authority may be the one that is wrong: two or more agencies agree on another value.
        if let rule = book["authority_outvoted"] {
            for (element, key) in voteOrder {
                guard let entry = authority[key], let target = slot[element], let truth = entry.values[target],
                      let candidates = votes[element + "\u{1F}" + key] else { continue }
                let source = datasets[Int(entry.sources[target])]
                for (value, agencies) in candidates.sorted(by: { $0.key < $1.key }) where agencies.count >= 2 {
                    let names = agencies.map { catalog.agency($0)?.name ?? $0 }.joined(separator: "、")
                    findings.append(Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: source.agency,
                        datasetID: source.id, recordKey: key, element: element, observed: truth, expected: value,
                        reason: names, fileID: nil, line: nil, recordIndex: nil,
                        message: rule.render(element: catalog.element(element)?.name, observed: truth, expected: value, reason: names)))
                }
            }
        }
        return (findings, records)
    }

    private func database(_ context: StageContext) -> Database { context.database }

    private func read(_ dataset: Dataset, elements: [String], context: StageContext) throws -> [Row] {
        let select = try context.database.prepare("""
            SELECT record_key, file_id, line, record_index\(elements.map { ", " + StagingTable.quote($0) }.joined())
            FROM \(StagingTable.quote("std_" + dataset.id)) WHERE run_id = ? AND has_error = 0 ORDER BY staging_rowid
            """)
        try select.bind([.integer(context.runID)])
        var rows: [Row] = []
        while try select.step() {
            guard let key = select.text(0), !key.isEmpty else { continue }
            rows.append(Row(key: key, fileID: select.int64(1), line: select.int(2), recordIndex: select.int(3),
                            values: elements.indices.map { select.text(4 + $0) }))
        }
        return rows
    }

    /// Compares rows with the authority's values on `threads` threads, in key partitions of the row list;
    /// findings come back in row order whatever the thread count.
    static func compareInParallel(_ rows: [Row], dataset: Dataset, elements: [Int], names: [String],
                                  authority: [String: AuthorityValues], datasets: [Dataset],
                                  catalog: Catalog, threads: Int) -> [Finding] {
        guard !elements.isEmpty, let rule = catalog.ruleBook["matches_authority"] else { return [] }
        let lookup = AuthorityLookup(values: authority)
        let sourceNames = datasets.map { "\(catalog.agency($0.agency)?.name ?? $0.agency)（\($0.name)）" }
        let elementNames = names.map { catalog.element($0)?.name }
        @Sendable func work(_ slice: ArraySlice<Row>) -> [Finding] {
            var out: [Finding] = []
            for row in slice {
                guard let entry = lookup.values[row.key] else { continue }
                for (index, target) in elements.enumerated() {
                    guard let value = row.values[index], let truth = entry.values[target], truth != value else { continue }
                    let source = sourceNames[Int(entry.sources[target])]
                    out.append(Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: dataset.agency,
                        datasetID: dataset.id, recordKey: row.key, element: names[index], observed: value, expected: truth,
                        reason: source, fileID: row.fileID, line: row.line, recordIndex: row.recordIndex,
                        message: rule.render(element: elementNames[index], observed: value, expected: truth, reason: source)))
                }
            }
            return out
        }
        if threads <= 1 || rows.count < 1024 { return work(rows[...]) }
        let slices = min(threads * 4, rows.count)
        let results = SliceResults<Finding>(count: slices)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let lower = rows.count * slice / slices, upper = rows.count * (slice + 1) / slices
            results.store(slice, work(rows[lower..<upper]))
        }
        return results.joined()
    }
}

/// The authority's values for one key: one per compared element, and which dataset gave each.
struct AuthorityValues: Sendable {
    var values: [String?]
    var sources: [Int16]
}

/// The authority's values, shared read-only by the comparing threads.
struct AuthorityLookup: Sendable {
    let values: [String: AuthorityValues]
}
