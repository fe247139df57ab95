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
        var columns = ["record_key TEXT PRIMARY KEY", "first_run INTEGER NOT NULL"]
        for element in elements {
            columns += ["\(BaseTable.q(element)) TEXT", "\(BaseTable.q(element + ":file")) INTEGER", "\(BaseTable.q(element + ":line")) INTEGER"]
        }
        try database.execute("CREATE TABLE IF NOT EXISTS \(BaseTable.q(name)) (\(columns.joined(separator: ", ")))")
        let existing = Set(try database.rows("SELECT name FROM pragma_table_info(?)", [.text(name)]).compactMap { $0[0].text })
        for element in elements where !existing.contains(element) {
            try database.execute("ALTER TABLE \(BaseTable.q(name)) ADD COLUMN \(BaseTable.q(element)) TEXT")
            try database.execute("ALTER TABLE \(BaseTable.q(name)) ADD COLUMN \(BaseTable.q(element + ":file")) INTEGER")
            try database.execute("ALTER TABLE \(BaseTable.q(name)) ADD COLUMN \(BaseTable.q(element + ":line")) INTEGER")
        }
    }
}
