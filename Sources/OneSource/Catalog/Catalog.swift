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

extension Catalog {
    /// Closed and conditionally open datasets are evaluated periodically (measures art. 17): a warning for each one
    /// without a review date, or whose review date has passed on `today`.
    public func reviewWarnings(today: CivilDate) -> [CatalogProblem] {
        datasets.compactMap { dataset in
            guard dataset.open.type != .unconditional else { return nil }
            guard let review = dataset.reviewOn else {
                return CatalogProblem(file: dataset.sourceFile, path: "$.reviewOn", message: "\(dataset.id) is \(dataset.open.type == .none ? "closed" : "conditionally open") "
                                      + "and has no review date: add the date of its next periodic evaluation (measures art. 17)")
            }
            guard review < today.description else { return nil }
            return CatalogProblem(file: dataset.sourceFile, path: "$.reviewOn", message: "\(dataset.id): the periodic evaluation due on \(review) "
                                  + "is overdue: review whether it can now be opened, then set the next date (measures art. 17)")
        }
    }
}
