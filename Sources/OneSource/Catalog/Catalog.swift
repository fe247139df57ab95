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
    /// The base databases (bases.json).
    public let bases: [BaseDefinition]
    /// The association rules (associations.json).
    public let associations: [AssociationRule]

    /// The base a dataset feeds: same entity kind, and its record key is the base's key.
    public func base(of dataset: Dataset) -> BaseDefinition? {
        bases.first { $0.entity == dataset.entity && dataset.key.first == $0.key }
    }

    /// The datasets feeding a base, in catalog order.
    public func datasets(of base: BaseDefinition) -> [Dataset] {
        datasets.filter { self.base(of: $0)?.id == base.id }
    }

    public func base(_ id: String) -> BaseDefinition? { bases.first { $0.id == id } }

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
