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
        // Authoritative values per element: element -> key -> (value, dataset).
        var authority: [String: [String: (value: String, dataset: Dataset)]] = [:]
        for dataset in datasets {
            let owned = dataset.fields.map(\.element).filter { catalog.element($0)?.authority == dataset.agency && $0 != base.key }
            guard !owned.isEmpty else { continue }
            for row in try read(dataset, elements: owned, context: context) {
                for (index, element) in owned.enumerated() {
                    guard let value = row.values[index], authority[element]?[row.key] == nil else { continue }
                    authority[element, default: [:]][row.key] = (value, dataset)
                }
            }
        }
        var findings: [Finding] = []
        var records = 0
        // votes[element][key][value] = agencies that delivered `value` against the authority.
        var votes: [String: [String: [String: [String]]]] = [:]
        var voteOrder: [(String, String)] = []
        for dataset in datasets {
            let compared = dataset.fields.map(\.element).filter {
                $0 != base.key && catalog.element($0).map { $0.authority != dataset.agency } == true && authority[$0] != nil
            }
            let rows = try read(dataset, elements: compared, context: context)
            records += rows.count
            let parallel = CompareStage.compareInParallel(rows, dataset: dataset, elements: compared, authority: authority,
                                                          catalog: catalog, threads: context.threads)
            findings += parallel
            for row in rows {
                for (index, element) in compared.enumerated() {
                    guard let value = row.values[index], let truth = authority[element]?[row.key], truth.value != value else { continue }
                    if votes[element]?[row.key] == nil { voteOrder.append((element, row.key)) }
                    var agencies = votes[element, default: [:]][row.key, default: [:]][value, default: []]
                    if !agencies.contains(dataset.agency) { agencies.append(dataset.agency) }
                    votes[element, default: [:]][row.key, default: [:]][value] = agencies
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
                guard let truth = authority[element]?[key], let candidates = votes[element]?[key] else { continue }
                for (value, agencies) in candidates.sorted(by: { $0.key < $1.key }) where agencies.count >= 2 {
                    let names = agencies.map { catalog.agency($0)?.name ?? $0 }.joined(separator: "、")
                    findings.append(Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: truth.dataset.agency,
                        datasetID: truth.dataset.id, recordKey: key, element: element, observed: truth.value, expected: value,
                        reason: names, fileID: nil, line: nil, recordIndex: nil,
                        message: rule.render(element: catalog.element(element)?.name, observed: truth.value, expected: value, reason: names)))
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
    static func compareInParallel(_ rows: [Row], dataset: Dataset, elements: [String],
                                  authority: [String: [String: (value: String, dataset: Dataset)]],
                                  catalog: Catalog, threads: Int) -> [Finding] {
        guard !elements.isEmpty, let rule = catalog.ruleBook["matches_authority"] else { return [] }
        let lookup = AuthorityLookup(values: authority)
        @Sendable func work(_ slice: ArraySlice<Row>) -> [Finding] {
            var out: [Finding] = []
            for row in slice {
                for (index, element) in elements.enumerated() {
                    guard let value = row.values[index], let truth = lookup.values[element]?[row.key], truth.value != value else { continue }
                    let source = "\(catalog.agency(truth.dataset.agency)?.name ?? truth.dataset.agency)（\(truth.dataset.name)）"
                    out.append(Finding(
                        ruleID: rule.id, dimension: rule.dimension, severity: rule.severity, agency: dataset.agency,
                        datasetID: dataset.id, recordKey: row.key, element: element, observed: value, expected: truth.value,
                        reason: source, fileID: row.fileID, line: row.line, recordIndex: row.recordIndex,
                        message: rule.render(element: catalog.element(element)?.name, observed: value, expected: truth.value, reason: source)))
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

/// The authority's values, shared read-only by the comparing threads.
struct AuthorityLookup: Sendable {
    let values: [String: [String: (value: String, dataset: Dataset)]]
}
