/// A base database (基础库) of the city: one table keyed by one element, fed by the datasets of its entity
/// kind whose record key is that element.
public struct BaseDefinition: Sendable, Equatable {
    public let id: String
    public let name: String
    public let entity: Dataset.Entity
    /// The key element (identity number, credit code, licence number, decision number, division code).
    public let key: String

    /// The table holding the base in the store.
    public var table: String { "base_\(id)" }
}

/// A rule across datasets (association analysis), declared in associations.json with its parameters.
public struct AssociationRule: Sendable, Equatable {
    /// The checks OneSource implements, and the parameters each needs; `sql` is a rule the catalog writes as a SELECT.
    public static let kinds: [String: [String]] = [
        "active_after_death": ["dataset", "status", "activeValues", "person", "deathDate"],
        "inactive_holder": ["dataset", "status", "activeValues", "holder", "holderStatus", "inactiveValues"],
        "unknown_reference": ["dataset", "reference", "base"],
        "person_reference": ["dataset", "person", "deathDate"],
        "date_before_reference": ["dataset", "date", "reference", "referenceDate"],
        "name_mismatch": ["dataset", "name", "reference", "referenceName"],
        "sql": ["dataset"],
    ]

    /// Parameters a kind may take: `period` (the month last paid; without it, a death before the run's date
    /// counts), `element` (the element a SQL rule's findings are about, when its rows do not say).
    public static let optionalParams: [String: [String]] = ["active_after_death": ["period"], "sql": ["element"]]

    public let id: String
    public let name: String
    public let dimension: Dimension
    public let severity: Severity
    public let kind: String
    public let message: String
    public let params: [String: String]
    /// The SELECT of a rule of kind `sql`.
    public let sql: String?

    public init(id: String, name: String, dimension: Dimension, severity: Severity, kind: String, message: String,
                params: [String: String], sql: String? = nil) {
        self.id = id
        self.name = name
        self.dimension = dimension
        self.severity = severity
        self.kind = kind
        self.message = message
        self.params = params
        self.sql = sql
    }

    /// A parameter that lists values ("注销,吊销").
    public func values(_ name: String) -> [String] {
        (params[name] ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    public func render(observed: String?, expected: String?, reason: String?) -> String {
        RuleDefinition(id: id, name: name, dimension: dimension, severity: severity, message: message, params: params)
            .render(element: nil, observed: observed, expected: expected, reason: reason)
    }
}

import Foundation
