/// The cross-file checks of the catalog: references, duplicates, one authority per element, keys,
/// and the art. 14 rule that a conditional or closed dataset says why and on what legal basis.
struct CatalogChecks {
    let catalog: Catalog
    let agencyNodes: [CatalogLoader.Node]
    let gradeNodes: [CatalogLoader.Node]
    let elementNodes: [CatalogLoader.Node]
    let codeTableNodes: [CatalogLoader.Node]
    let datasetNodes: [CatalogLoader.Node]
    let problems: CatalogLoader.Problems

    /// Identifiers that name folders, files, tables and columns: lower-case ASCII letters, digits and _, starting
    /// with a letter (element ids: such parts joined by "."); grade codes may use capitals and "-".
    static let identifier = "^[a-z][a-z0-9_]{0,62}$"
    static let elementIdentifier = "^[a-z][a-z0-9_]{0,62}(\\.[a-z][a-z0-9_]{0,62}){0,3}$"
    static let gradeIdentifier = "^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"

    private func checkIdentifier(_ value: String, _ pattern: String, _ node: CatalogLoader.Node, _ key: String, _ what: String) {
        guard value.range(of: pattern, options: .regularExpression) == nil else { return }
        let allowed = pattern == CatalogChecks.elementIdentifier
            ? "lower-case letters, digits and _, starting with a letter, in parts joined by \".\" (e.g. person.id_number)"
            : pattern == CatalogChecks.gradeIdentifier ? "letters, digits, _ and -, starting with a letter or digit, at most 32"
            : "lower-case letters, digits and _, starting with a letter, at most 63"
        problems.add(node.file, "\(node.path).\(key)", "\(what) \"\(value)\" is not a safe identifier (allowed: \(allowed)): it names folders, files, tables or columns")
    }

    func run() {
        for (agency, node) in zip(catalog.agencies, agencyNodes) { checkIdentifier(agency.code, CatalogChecks.identifier, node, "code", "agency code") }
        for (grade, node) in zip(catalog.grades, gradeNodes) { checkIdentifier(grade.code, CatalogChecks.gradeIdentifier, node, "code", "grade code") }
        for (table, node) in zip(catalog.codeTables, codeTableNodes) { checkIdentifier(table.id, CatalogChecks.identifier, node, "id", "code table id") }
        for (element, node) in zip(catalog.elements, elementNodes) { checkIdentifier(element.id, CatalogChecks.elementIdentifier, node, "id", "element id") }
        duplicates(catalog.agencies.map(\.code), agencyNodes, "code", "agency code")
        duplicates(catalog.grades.map(\.code), gradeNodes, "code", "grade code")
        duplicates(catalog.codeTables.map(\.id), codeTableNodes, "id", "code table id")
        duplicates(catalog.elements.map(\.id), elementNodes, "id", "element id")
        duplicates(catalog.datasets.map(\.id), datasetNodes, "id", "dataset id")
        for (table, node) in zip(catalog.codeTables, codeTableNodes) {
            var seen: Set<String> = []
            for (index, entry) in table.codes.enumerated() where !seen.insert(entry.code).inserted {
                problems.add(node.file, "\(node.path).codes[\(index)].code", "duplicate code \"\(entry.code)\" in table \(table.id)")
            }
        }
        let agencies = Set(catalog.agencies.map(\.code))
        let grades = Set(catalog.grades.map(\.code))
        let tables = Set(catalog.codeTables.map(\.id))
        for (element, node) in zip(catalog.elements, elementNodes) {
            checkElement(element, node, agencies: agencies, grades: grades, tables: tables)
        }
        let elements = Dictionary(catalog.elements.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (dataset, node) in zip(catalog.datasets, datasetNodes) {
            checkDataset(dataset, node, agencies: agencies, grades: grades, elements: elements)
        }
        checkAuthoritiesDeliver()
    }

    /// " (did you mean "x"?)" when one of `known` is close to `name`, else "".
    static func hint(_ name: String, _ known: Set<String>) -> String {
        Similarity.hint(for: name, among: Array(known), quoted: true)
    }

    private func duplicates(_ ids: [String], _ nodes: [CatalogLoader.Node], _ key: String, _ what: String) {
        var firstSeen: [String: String] = [:]
        for (id, node) in zip(ids, nodes) {
            if let first = firstSeen[id] {
                problems.add(node.file, "\(node.path).\(key)", "duplicate \(what) \"\(id)\" (first declared at \(first))")
            } else {
                firstSeen[id] = "\(node.file) \(node.path)"
            }
        }
    }

    private func checkElement(_ element: DataElement, _ node: CatalogLoader.Node,
                              agencies: Set<String>, grades: Set<String>, tables: Set<String>) {
        if !element.authority.isEmpty && !agencies.contains(element.authority) {
            problems.add(node.file, "\(node.path).authority", "unknown agency \"\(element.authority)\"" + Self.hint(element.authority, agencies))
        }
        if !grades.contains(element.grade) {
            problems.add(node.file, "\(node.path).grade", "unknown grade \"\(element.grade)\"" + Self.hint(element.grade, grades))
        }
        if !DataElement.standards.contains(element.standard) {
            problems.add(node.file, "\(node.path).standard",
                         "unknown standard \"\(element.standard)\" (known: \(DataElement.standards.sorted().joined(separator: ", ")))")
        }
        if element.standard == "code" {
            if let table = element.codeTable {
                if !tables.contains(table) {
                    problems.add(node.file, "\(node.path).codeTable", "unknown code table \"\(table)\"" + Self.hint(table, tables))
                }
            } else {
                problems.add(node.file, node.path, "standard \"code\" needs a \"codeTable\"")
            }
        } else if element.codeTable != nil {
            problems.add(node.file, "\(node.path).codeTable", "only elements with standard \"code\" name a code table")
        }
        if let personal = element.personal, !DataElement.personalKinds.contains(personal) {
            problems.add(node.file, "\(node.path).personal",
                         "unknown kind \"\(personal)\" (known: \(DataElement.personalKinds.sorted().joined(separator: ", ")))")
        }
    }

    private func checkDataset(_ dataset: Dataset, _ node: CatalogLoader.Node, agencies: Set<String>,
                              grades: Set<String>, elements: [String: DataElement]) {
        if dataset.id.range(of: "^[a-z][a-z0-9_]{0,62}$", options: .regularExpression) == nil {
            problems.add(node.file, "\(node.path).id", "dataset id must be lower-case letters, digits and _ (it names a table)")
        }
        if !agencies.contains(dataset.agency) {
            problems.add(node.file, "\(node.path).agency", "unknown agency \"\(dataset.agency)\"" + Self.hint(dataset.agency, agencies))
        }
        if let problem = Dataset.filePatternProblem(dataset.file) { problems.add(node.file, "\(node.path).file", problem) }
        if !TextEncoding.isKnown(dataset.encoding) {
            let close = Similarity.suggestion(for: dataset.encoding.lowercased(), among: TextEncoding.usual)
            problems.add(node.file, "\(node.path).encoding", "unknown encoding \"\(dataset.encoding)\"" + (close.map { " (did you mean \"\($0)\"?)" } ?? "")
                         + " (usual: \(TextEncoding.usual.joined(separator: ", ")); any name iconv knows)")
        }
        if !grades.contains(dataset.grade) {
            problems.add(node.file, "\(node.path).grade", "unknown grade \"\(dataset.grade)\"" + Self.hint(dataset.grade, grades))
        }
        if dataset.format == .xml && dataset.recordPath == nil {
            problems.add(node.file, node.path, "an XML dataset needs \"recordPath\", the record element")
        }
        if dataset.format != .xml && dataset.recordPath != nil {
            problems.add(node.file, "\(node.path).recordPath", "only XML datasets have a record path")
        }
        var sources: [String: Int] = [:]
        var mapped: [String: Int] = [:]
        for (index, field) in dataset.fields.enumerated() {
            let path = "\(node.path).fields[\(index)]"
            if let first = sources[field.source] {
                problems.add(node.file, "\(path).source", "column \"\(field.source)\" is mapped twice (also fields[\(first)])")
            } else {
                sources[field.source] = index
            }
            if elements[field.element] == nil {
                problems.add(node.file, "\(path).element", "unknown element \"\(field.element)\"" + Self.hint(field.element, Set(elements.keys)))
            } else if let first = mapped[field.element] {
                problems.add(node.file, "\(path).element", "element \"\(field.element)\" is mapped twice (also fields[\(first)])")
            } else {
                mapped[field.element] = index
            }
        }
        if dataset.fields.isEmpty && node.object["fields"] != nil {
            problems.add(node.file, "\(node.path).fields", "dataset maps no field")
        }
        let severities = Set(Severity.allCases.map(\.rawValue))
        for (rule, setting) in dataset.rules.sorted(by: { $0.key < $1.key }) {
            if !RuleBook.builtIn.contains(rule) {
                problems.add(node.file, "\(node.path).rules.\(rule)", "unknown rule \"\(rule)\"" + Self.hint(rule, Set(RuleBook.builtIn)))
            }
            if setting != "on" && setting != "off" && !severities.contains(setting) {
                problems.add(node.file, "\(node.path).rules.\(rule)", "must be \"on\", \"off\", \"error\", \"warning\" or \"notice\"")
            }
        }
        for (index, keyElement) in dataset.key.enumerated() where mapped[keyElement] == nil {
            let what = elements[keyElement] == nil ? "unknown element" : "element not mapped by this dataset's fields"
            problems.add(node.file, "\(node.path).key[\(index)]", "record key \"\(keyElement)\": \(what)")
        }
        if dataset.open.type == .unconditional, let grade = catalog.grades.first(where: { $0.code == dataset.grade }), !grade.openable {
            problems.add(node.file, "\(node.path).open.type", "grade \(grade.code) (\(grade.name)) may not be opened unconditionally "
                         + "(grades.json: openable false): open type must be conditional or none (measures art. 16)")
        }
        for (name, disclosure) in [("share", dataset.share), ("open", dataset.open)] where disclosure.type != .unconditional {
            if disclosure.reason == nil {
                problems.add(node.file, "\(node.path).\(name).reason",
                             "\(name) type \(disclosure.type.rawValue) needs a reason (measures art. 14)")
            }
            if disclosure.basis == nil {
                problems.add(node.file, "\(node.path).\(name).basis",
                             "\(name) type \(disclosure.type.rawValue) needs a legal basis (measures art. 14)")
            }
        }
    }

    /// The authority of an element must deliver it, or the element has no source in practice.
    private func checkAuthoritiesDeliver() {
        var delivered: Set<String> = []
        for dataset in catalog.datasets {
            for field in dataset.fields { delivered.insert("\(dataset.agency)|\(field.element)") }
        }
        let agencies = Set(catalog.agencies.map(\.code))
        for (element, node) in zip(catalog.elements, elementNodes) where agencies.contains(element.authority) {
            if !delivered.contains("\(element.authority)|\(element.id)") {
                problems.add(node.file, "\(node.path).authority",
                             "authoritative agency \"\(element.authority)\" delivers no dataset with element \"\(element.id)\"")
            }
        }
    }
}
