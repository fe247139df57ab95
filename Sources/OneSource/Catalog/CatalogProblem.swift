/// One thing wrong in the catalog, located by file and JSON path.
public struct CatalogProblem: Sendable, Equatable, CustomStringConvertible, Comparable {
    public let file: String
    /// JSONPath-style location, e.g. `$.fields[2].element`.
    public let path: String
    public let message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { "\(file): \(path): \(message)" }

    public static func < (lhs: CatalogProblem, rhs: CatalogProblem) -> Bool {
        (lhs.file, lhs.path, lhs.message) < (rhs.file, rhs.path, rhs.message)
    }
}

/// The catalog could not be loaded; every problem found is listed.
public struct CatalogError: Error, CustomStringConvertible {
    public let problems: [CatalogProblem]

    public init(problems: [CatalogProblem]) { self.problems = problems }

    public var description: String {
        "catalog has \(problems.count) problem(s):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
