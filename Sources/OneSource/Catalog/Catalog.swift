import Foundation

/// The city's data catalog: agencies, grades, data elements, code tables and datasets.
public struct Catalog: Sendable {
    public let directory: String
    public let agencies: [Agency]
    public let grades: [Grade]
    public let elements: [DataElement]
    public let codeTables: [CodeTable]
    public let datasets: [Dataset]
    /// The verify rules declared in rules.json.
    public let ruleBook: RuleBook

    /// Loads the catalog in `directory` and checks it.
    /// - Throws: `CatalogError` listing every problem, when there is any.
    public static func load(directory: String) throws -> Catalog {
        let (catalog, problems) = CatalogLoader(directory: directory).load()
        guard let catalog, problems.isEmpty else { throw CatalogError(problems: problems) }
        return catalog
    }

    public func agency(_ code: String) -> Agency? { agencies.first { $0.code == code } }
    public func element(_ id: String) -> DataElement? { elements.first { $0.id == id } }
    public func dataset(_ id: String) -> Dataset? { datasets.first { $0.id == id } }
    public func codeTable(_ id: String) -> CodeTable? { codeTables.first { $0.id == id } }
}
