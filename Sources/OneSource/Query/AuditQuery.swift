import Foundation

/// "Who touched this data and when": the audit trail filtered by date, dataset, file hash or record key. A key
/// matches its reveals and the files whose records carried it: the delivered copies still kept, and, after they were
/// pruned, the lasting record (the base values' provenance, their history, the findings about the key).
public struct AuditQuery {
    let database: Database
    let catalog: Catalog

    public init(database: Database, catalog: Catalog) {
        self.database = database
        self.catalog = catalog
    }

    public func entries(since: CivilDate? = nil, until: CivilDate? = nil, dataset: String? = nil, sha256: String? = nil,
                        key: String? = nil, limit: Int = 500) throws -> [AuditTrail.Entry] {
        var filter = AuditTrail.Filter()
        filter.since = since
        filter.until = until
        filter.dataset = dataset
        filter.sha256 = sha256
        filter.limit = limit
        if let key { filter.key = (key, Masking.mask(key, kind: "id_number"), try files(carrying: key)) }
        return try AuditTrail(database: database).entries(filter)
    }

    /// The SHA-256 of every file whose records carried `key`, in file order.
    func files(carrying key: String) throws -> [String] {
        var ids: Set<Int64> = []
        for dataset in catalog.datasets {
            ids.formUnion(try StandardizedTable(dataset: dataset).files(withKey: key, in: database))
        }
        for base in catalog.bases {
            let table = BaseTable(base: base, catalog: catalog)
            ids.formUnion(try table.record(key, in: database)?.values.compactMap(\.file) ?? [])
            for change in try table.history(of: key, in: database) { ids.formUnion([change.oldFile, change.newFile].compactMap { $0 }) }
        }
        ids.formUnion(try FindingTable(database: database).files(about: key))
        var hashes: [String] = []
        let files = RunFileTable(database: database)
        for id in ids.sorted() {
            if let sha = try files.file(id)?.sha256, !hashes.contains(sha) { hashes.append(sha) }
        }
        return hashes
    }
}
