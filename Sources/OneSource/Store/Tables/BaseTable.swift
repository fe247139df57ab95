/// One base database table: a row per key, and per element its value with the file and line that
/// supplied it (provenance). Changed values keep their previous value in `base_history`.
public struct BaseTable {
    public let base: BaseDefinition
    /// The elements stored, in a stable order (catalog order of the feeding datasets' fields).
    public let elements: [String]

    public init(base: BaseDefinition, catalog: Catalog) {
        self.base = base
        var seen: Set<String> = [base.key]
        var list: [String] = []
        for dataset in catalog.datasets(of: base) {
            for field in dataset.fields where seen.insert(field.element).inserted { list.append(field.element) }
        }
        elements = list
    }

    public var name: String { base.table }

    static func q(_ identifier: String) -> String { StagingTable.quote(identifier) }

    public func ensure(in database: Database) throws {
        let columns = elements.flatMap { [($0, "TEXT"), ($0 + ":file", "INTEGER"), ($0 + ":line", "INTEGER")] }
        // Clustered on the key: one B-tree instead of a rowid table plus a key index.
        try StagingTable.ensure(name, fixed: ["record_key TEXT PRIMARY KEY", "first_run INTEGER NOT NULL"], elements: columns,
                                options: " WITHOUT ROWID", in: database)
    }
}
