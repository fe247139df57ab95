import Foundation

/// Reads the catalog's JSON files and collects every problem with its file and JSON path.
struct CatalogLoader {
    let directory: String

    /// Collects problems while decoding; a class so nested helpers can append.
    final class Problems {
        var list: [CatalogProblem] = []
        func add(_ file: String, _ path: String, _ message: String) {
            list.append(CatalogProblem(file: file, path: path, message: message))
        }
    }

    /// A JSON object being decoded, with where it is.
    struct Node {
        let file: String
        let path: String
        let object: [String: Any]
        let problems: Problems

        func string(_ key: String, required: Bool = true) -> String? {
            guard let value = object[key] else {
                if required { problems.add(file, path, "missing required property \"\(key)\"") }
                return nil
            }
            guard let text = value as? String, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                problems.add(file, "\(path).\(key)", "must be a non-empty string")
                return nil
            }
            return text
        }

        func bool(_ key: String, default value: Bool) -> Bool {
            guard let raw = object[key] else { return value }
            guard let flag = raw as? Bool, isJSONBool(raw) else {
                problems.add(file, "\(path).\(key)", "must be true or false")
                return value
            }
            return flag
        }

        func objects(_ key: String, required: Bool = true) -> [Node] {
            guard let value = object[key] else {
                if required { problems.add(file, path, "missing required property \"\(key)\"") }
                return []
            }
            guard let array = value as? [Any] else {
                problems.add(file, "\(path).\(key)", "must be an array")
                return []
            }
            var nodes: [Node] = []
            for (index, item) in array.enumerated() {
                guard let object = item as? [String: Any] else {
                    problems.add(file, "\(path).\(key)[\(index)]", "must be an object")
                    continue
                }
                nodes.append(Node(file: file, path: "\(path).\(key)[\(index)]", object: object, problems: problems))
            }
            return nodes
        }

        func child(_ key: String) -> Node? {
            guard let value = object[key] else {
                problems.add(file, path, "missing required property \"\(key)\"")
                return nil
            }
            guard let object = value as? [String: Any] else {
                problems.add(file, "\(path).\(key)", "must be an object")
                return nil
            }
            return Node(file: file, path: "\(path).\(key)", object: object, problems: problems)
        }

        /// Flags properties the catalog does not know, so a typo never passes silently.
        func allowOnly(_ keys: Set<String>) {
            for key in object.keys.sorted() where !keys.contains(key) {
                problems.add(file, "\(path).\(key)", "unknown property (allowed: \(keys.sorted().joined(separator: ", ")))")
            }
        }

        func oneOf<T: RawRepresentable>(_ key: String, _ type: T.Type, required: Bool = true) -> T?
        where T.RawValue == String, T: CaseIterable {
            guard let text = string(key, required: required) else { return nil }
            guard let value = T(rawValue: text) else {
                let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
                problems.add(file, "\(path).\(key)", "unknown value \"\(text)\"" + CatalogChecks.hint(text, Set(T.allCases.map(\.rawValue)))
                             + " (allowed: \(allowed))")
                return nil
            }
            return value
        }
    }

    func load() -> (Catalog?, [CatalogProblem]) {
        let problems = Problems()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            problems.add(directory, "$", "catalog directory not found")
            return (nil, problems.list)
        }
        let agencies = loadAgencies(problems)
        let grades = loadGrades(problems)
        let codeTables = loadCodeTables(problems)
        let elements = loadElements(problems)
        let datasets = loadDatasets(problems)
        let ruleBook = loadRules(problems, elements: Set(elements.map(\.0.id)))
        let bases = loadBases(problems, elements: Set(elements.map(\.0.id)))
        let associations = loadAssociations(problems, elements: Set(elements.map(\.0.id)),
                                            datasets: Set(datasets.map(\.0.id)), bases: Set(bases.map(\.id)))
        let catalog = Catalog(directory: directory, agencies: agencies.map(\.0), grades: grades.map(\.0),
                              elements: elements.map(\.0), codeTables: codeTables.map(\.0), datasets: datasets.map(\.0),
                              ruleBook: ruleBook, bases: bases, associations: associations)
        for (dataset, node) in datasets where catalog.base(of: dataset) == nil {
            problems.add(node.file, "\(node.path).key",
                         "no base in bases.json has entity \(dataset.entity.rawValue) and key \(dataset.key.first ?? "")")
        }
        CatalogChecks(catalog: catalog, agencyNodes: agencies.map(\.1), gradeNodes: grades.map(\.1),
                      elementNodes: elements.map(\.1), codeTableNodes: codeTables.map(\.1),
                      datasetNodes: datasets.map(\.1), problems: problems).run()
        return (catalog, problems.list.sorted())
    }

    private func root(_ name: String, _ problems: Problems) -> Node? {
        let path = (directory as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else {
            problems.add(name, "$", "file not found in \(directory)")
            return nil
        }
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            guard let object = value as? [String: Any] else {
                problems.add(name, "$", "must be a JSON object")
                return nil
            }
            return Node(file: name, path: "$", object: object, problems: problems)
        } catch {
            problems.add(name, "$", "not valid JSON: \(error.localizedDescription)")
            return nil
        }
    }

    private func loadAgencies(_ problems: Problems) -> [(Agency, Node)] {
        guard let root = root("agencies.json", problems) else { return [] }
        root.allowOnly(["agencies"])
        return root.objects("agencies").compactMap { node in
            node.allowOnly(["code", "name"])
            guard let code = node.string("code"), let name = node.string("name") else { return nil }
            return (Agency(code: code, name: name), node)
        }
    }

    private func loadGrades(_ problems: Problems) -> [(Grade, Node)] {
        guard let root = root("grades.json", problems) else { return [] }
        root.allowOnly(["grades"])
        return root.objects("grades").compactMap { node in
            node.allowOnly(["code", "name", "openable"])
            guard let code = node.string("code"), let name = node.string("name") else { return nil }
            return (Grade(code: code, name: name, openable: node.bool("openable", default: false)), node)
        }
    }

    private func loadCodeTables(_ problems: Problems) -> [(CodeTable, Node)] {
        guard let root = root("codetables.json", problems) else { return [] }
        root.allowOnly(["codeTables"])
        return root.objects("codeTables").compactMap { node in
            node.allowOnly(["id", "name", "standard", "codes"])
            guard let id = node.string("id"), let name = node.string("name") else { return nil }
            let codes: [CodeTable.Code] = node.objects("codes").compactMap { entry in
                entry.allowOnly(["code", "meaning", "aliases"])
                guard let code = entry.string("code"), let meaning = entry.string("meaning") else { return nil }
                var aliases: [String] = []
                if let list = entry.object["aliases"] {
                    if let strings = list as? [String] { aliases = strings } else {
                        entry.problems.add(entry.file, "\(entry.path).aliases", "must be an array of strings")
                    }
                }
                return CodeTable.Code(code: code, meaning: meaning, aliases: aliases)
            }
            return (CodeTable(id: id, name: name, standard: node.string("standard", required: false), codes: codes), node)
        }
    }

    private func loadElements(_ problems: Problems) -> [(DataElement, Node)] {
        guard let root = root("elements.json", problems) else { return [] }
        root.allowOnly(["elements"])
        return root.objects("elements").compactMap { node in
            node.allowOnly(["id", "name", "standard", "codeTable", "authority", "grade", "personal", "allowFuture"])
            let authority: String
            switch node.object["authority"] {
            case nil:
                problems.add(node.file, node.path, "element has no authoritative agency (\"authority\"): one number, one source")
                authority = ""
            case let single as String:
                authority = single
            case let several as [Any] where several.count == 1:
                authority = several[0] as? String ?? ""
            case let several as [Any]:
                problems.add(node.file, "\(node.path).authority",
                             several.isEmpty ? "element has no authoritative agency"
                                             : "element names \(several.count) authoritative agencies; exactly one may be the source")
                authority = ""
            default:
                problems.add(node.file, "\(node.path).authority", "must be an agency code")
                authority = ""
            }
            guard let id = node.string("id"), let name = node.string("name"), let standard = node.string("standard"),
                  let grade = node.string("grade") else { return nil }
            let element = DataElement(id: id, name: name, standard: standard,
                                      codeTable: node.string("codeTable", required: false), authority: authority,
                                      grade: grade, personal: node.string("personal", required: false),
                                      allowFuture: node.bool("allowFuture", default: false))
            return (element, node)
        }
    }

    private func loadRules(_ problems: Problems, elements: Set<String>) -> RuleBook {
        guard let root = root("rules.json", problems) else { return .empty }
        root.allowOnly(["rules", "entityRules", "divisionSuccessors"])
        var definitions: [RuleDefinition] = []
        var seen: Set<String> = []
        for node in root.objects("rules") {
            node.allowOnly(["id", "name", "dimension", "severity", "message", "params"])
            let params = node.object["params"] as? [String: String] ?? [:]
            if node.object["params"] != nil && node.object["params"] as? [String: String] == nil {
                problems.add(node.file, "\(node.path).params", "must map parameter names to element ids")
            }
            guard let id = node.string("id"), let name = node.string("name"), let message = node.string("message"),
                  let dimension = node.oneOf("dimension", Dimension.self), let severity = node.oneOf("severity", Severity.self)
            else { continue }
            if !seen.insert(id).inserted { problems.add(node.file, "\(node.path).id", "duplicate rule id \"\(id)\"") }
            if !RuleBook.builtIn.contains(id) {
                problems.add(node.file, "\(node.path).id", "unknown rule \"\(id)\" (rules: \(RuleBook.builtIn.joined(separator: ", ")))")
            }
            for name in RuleBook.requiredParams[id] ?? [] where params[name] == nil {
                problems.add(node.file, "\(node.path).params", "rule \(id) needs parameter \"\(name)\"")
            }
            for (name, element) in params.sorted(by: { $0.key < $1.key }) where !elements.contains(element) {
                problems.add(node.file, "\(node.path).params.\(name)", "unknown element \"\(element)\"")
            }
            definitions.append(RuleDefinition(id: id, name: name, dimension: dimension, severity: severity, message: message, params: params))
        }
        for id in RuleBook.builtIn where !seen.contains(id) {
            if let fallback = RuleBook.defaultDefinitions[id] { definitions.append(fallback); continue }
            problems.add(root.file, "$.rules", "rule \"\(id)\" is not declared")
        }
        var entityRules: [Dataset.Entity: [String]] = [:]
        if let map = root.object["entityRules"] as? [String: Any] {
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                guard let entity = Dataset.Entity(rawValue: key) else {
                    problems.add(root.file, "$.entityRules.\(key)", "unknown entity kind")
                    continue
                }
                let ids = value as? [String] ?? []
                for (index, id) in ids.enumerated() where !RuleBook.crossField.contains(id) {
                    problems.add(root.file, "$.entityRules.\(key)[\(index)]", "\"\(id)\" is not a cross-field rule")
                }
                entityRules[entity] = ids
            }
        } else {
            problems.add(root.file, "$", "missing required property \"entityRules\"")
        }
        let successors = root.object["divisionSuccessors"] as? [String: String] ?? [:]
        return RuleBook(rules: definitions, entityRules: entityRules, divisionSuccessors: successors)
    }

    private func loadBases(_ problems: Problems, elements: Set<String>) -> [BaseDefinition] {
        guard let root = root("bases.json", problems) else { return [] }
        root.allowOnly(["bases"])
        var seen: Set<String> = []
        return root.objects("bases").compactMap { node in
            node.allowOnly(["id", "name", "entity", "key"])
            guard let id = node.string("id"), let name = node.string("name"), let entity = node.oneOf("entity", Dataset.Entity.self),
                  let key = node.string("key") else { return nil }
            if !seen.insert(id).inserted { problems.add(node.file, "\(node.path).id", "duplicate base id \"\(id)\"") }
            if id.range(of: "^[a-z][a-z0-9_]{0,40}$", options: .regularExpression) == nil {
                problems.add(node.file, "\(node.path).id", "base id must be lower-case letters, digits and _ (it names a table)")
            }
            if !elements.contains(key) { problems.add(node.file, "\(node.path).key", "unknown element \"\(key)\"") }
            return BaseDefinition(id: id, name: name, entity: entity, key: key)
        }
    }

    private func loadAssociations(_ problems: Problems, elements: Set<String>, datasets: Set<String>, bases: Set<String>) -> [AssociationRule] {
        guard let root = root("associations.json", problems) else { return [] }
        root.allowOnly(["rules"])
        var seen: Set<String> = []
        return root.objects("rules").compactMap { node in
            node.allowOnly(["id", "name", "dimension", "severity", "kind", "message", "params", "sql"])
            guard let id = node.string("id"), let name = node.string("name"), let kind = node.string("kind"),
                  let message = node.string("message"), let dimension = node.oneOf("dimension", Dimension.self),
                  let severity = node.oneOf("severity", Severity.self) else { return nil }
            if !seen.insert(id).inserted { problems.add(node.file, "\(node.path).id", "duplicate rule id \"\(id)\"") }
            let params = node.object["params"] as? [String: String] ?? [:]
            guard let needed = AssociationRule.kinds[kind] else {
                problems.add(node.file, "\(node.path).kind", "unknown kind \"\(kind)\" (kinds: \(AssociationRule.kinds.keys.sorted().joined(separator: ", ")))")
                return nil
            }
            for name in needed where params[name] == nil {
                problems.add(node.file, "\(node.path).params", "kind \(kind) needs parameter \"\(name)\"")
            }
            let sql = kind == "sql" ? node.string("sql") : nil
            if kind != "sql" && node.object["sql"] != nil {
                problems.add(node.file, "\(node.path).sql", "only rules of kind sql have SQL")
            }
            for name in params.keys.sorted() where !needed.contains(name) && !(AssociationRule.optionalParams[kind] ?? []).contains(name) {
                problems.add(node.file, "\(node.path).params.\(name)",
                             "kind \(kind) has no parameter \"\(name)\" (it takes: \((needed + (AssociationRule.optionalParams[kind] ?? [])).joined(separator: ", ")))")
            }
            for (name, value) in params.sorted(by: { $0.key < $1.key }) {
                switch name {
                case "dataset": if !datasets.contains(value) { problems.add(node.file, "\(node.path).params.dataset", "unknown dataset \"\(value)\"") }
                case "base": if !bases.contains(value) { problems.add(node.file, "\(node.path).params.base", "unknown base \"\(value)\"") }
                case "activeValues", "inactiveValues": break
                default: if !elements.contains(value) { problems.add(node.file, "\(node.path).params.\(name)", "unknown element \"\(value)\"") }
                }
            }
            return AssociationRule(id: id, name: name, dimension: dimension, severity: severity, kind: kind, message: message, params: params,
                                   sql: sql)
        }
    }

    private func loadDatasets(_ problems: Problems) -> [(Dataset, Node)] {
        let folder = (directory as NSString).appendingPathComponent("datasets")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            problems.add("datasets/", "$", "folder of dataset files not found in \(directory)")
            return []
        }
        var result: [(Dataset, Node)] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            guard let node = root("datasets/\(name)", problems) else { continue }
            if let dataset = decodeDataset(node) { result.append((dataset, node)) }
        }
        return result
    }

    private func disclosure(_ node: Node, _ key: String) -> Dataset.Disclosure? {
        guard let child = node.child(key) else { return nil }
        child.allowOnly(["type", "reason", "basis"])
        guard let type = child.oneOf("type", Dataset.DisclosureType.self) else { return nil }
        return Dataset.Disclosure(type: type, reason: child.string("reason", required: false),
                                  basis: child.string("basis", required: false))
    }

    private func decodeDataset(_ node: Node) -> Dataset? {
        node.allowOnly(["id", "name", "agency", "entity", "file", "format", "encoding", "delimiter", "recordPath",
                        "key", "fields", "share", "open", "grade", "frequency", "dateForms", "rules", "missingKey",
                        "recordCountDrop", "multilineFields", "reviewOn", "openList"])
        var recordCountDrop = Dataset.defaultRecordCountDrop
        if let raw = node.object["recordCountDrop"] {
            if let share = raw as? Double, !isJSONBool(raw), share > 0, share <= 1 { recordCountDrop = share } else {
                node.problems.add(node.file, "\(node.path).recordCountDrop",
                                  "must be a number above 0 and at most 1: the share of the previous delivery's records a drop may reach before it is reported")
            }
        }
        var missingKey = Dataset.MissingKeyPolicy.standard
        if let policy = node.object["missingKey"] {
            if let map = policy as? [String: String], let level = map["severity"],
               level == "off" || Severity(rawValue: level) != nil, ["self", "authority"].contains(map["addressee"] ?? "self") {
                missingKey = Dataset.MissingKeyPolicy(severity: Severity(rawValue: level), addressedToSelf: (map["addressee"] ?? "self") == "self")
            } else {
                node.problems.add(node.file, "\(node.path).missingKey",
                                  "must be {\"severity\": \"off\"|\"notice\"|\"warning\"|\"error\", \"addressee\": \"self\"|\"authority\"}")
            }
        }
        var dateForms: Set<DateStandard.Form>?
        if let raw = node.object["dateForms"] {
            let list = raw as? [String] ?? []
            if list.isEmpty { node.problems.add(node.file, "\(node.path).dateForms", "must be a non-empty array of date forms") }
            var forms: Set<DateStandard.Form> = []
            for (index, name) in list.enumerated() {
                if let form = DateStandard.Form(rawValue: name) { forms.insert(form) } else {
                    node.problems.add(node.file, "\(node.path).dateForms[\(index)]",
                                      "unknown date form \"\(name)\" (known: \(DateStandard.Form.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            dateForms = forms
        }
        var rules: [String: String] = [:]
        if let raw = node.object["rules"] {
            if let map = raw as? [String: String] { rules = map } else {
                node.problems.add(node.file, "\(node.path).rules", "must map rule ids to \"on\", \"off\" or a severity")
            }
        }
        let fields: [Dataset.Field] = node.objects("fields").compactMap { field in
            field.allowOnly(["source", "element", "required", "agreedChanges", "rules"])
            guard let source = field.string("source"), let element = field.string("element") else { return nil }
            var agreed: Set<StandardChange> = []
            for (index, name) in (field.object["agreedChanges"] as? [String] ?? []).enumerated() {
                if let change = StandardChange(rawValue: name) { agreed.insert(change) } else {
                    field.problems.add(field.file, "\(field.path).agreedChanges[\(index)]",
                                       "unknown change \"\(name)\" (known: \(StandardChange.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            let fieldRules = field.object["rules"] as? [String: String] ?? [:]
            if field.object["rules"] != nil && field.object["rules"] as? [String: String] == nil {
                field.problems.add(field.file, "\(field.path).rules", "must map rule ids to \"on\", \"off\" or a severity")
            }
            return Dataset.Field(source: source, element: element, required: field.bool("required", default: false),
                                 agreedChanges: agreed, rules: fieldRules)
        }
        var key: [String] = []
        switch node.object["key"] {
        case nil:
            node.problems.add(node.file, node.path, "dataset has no record key (\"key\")")
        case let list as [Any]:
            key = list.compactMap { $0 as? String }
            if key.isEmpty || key.count != list.count {
                node.problems.add(node.file, "\(node.path).key", "record key must be a non-empty array of element ids")
            }
        default:
            node.problems.add(node.file, "\(node.path).key", "record key must be a non-empty array of element ids")
        }
        var delimiter: UInt8 = 0x2C
        if let value = node.object["delimiter"] {
            // A tab may be written as a real tab ("\t" in JSON), as "\\t" or as "tab".
            let text = value as? String ?? ""
            let bytes = Array(text == "\\t" || text == "tab" ? "\t".utf8 : text.utf8)
            if bytes.count == 1, bytes[0] < 0x80, bytes[0] != 0x22, bytes[0] != 0x0A, bytes[0] != 0x0D { delimiter = bytes[0] } else {
                node.problems.add(node.file, "\(node.path).delimiter",
                                  "must be one ASCII character other than a quote or a line break (e.g. \",\", \";\", \"|\", or a tab: \"\\t\" or \"tab\")")
            }
        }
        let share = disclosure(node, "share")
        let open = disclosure(node, "open")
        // Invalid enumerations fall back to a placeholder (the problem is already recorded) so that the
        // cross-file checks still run and every problem is reported at once.
        let entity = node.oneOf("entity", Dataset.Entity.self) ?? .person
        let format = node.oneOf("format", Dataset.Format.self) ?? .csv
        let frequency = node.oneOf("frequency", Dataset.Frequency.self) ?? .daily
        let placeholder = Dataset.Disclosure(type: .unconditional, reason: nil, basis: nil)
        guard let id = node.string("id"), let name = node.string("name"), let agency = node.string("agency"),
              let file = node.string("file"), let grade = node.string("grade") else { return nil }
        return Dataset(id: id, name: name, agency: agency, entity: entity, file: file, format: format,
                       encoding: node.string("encoding", required: false) ?? "utf-8", delimiter: delimiter,
                       recordPath: node.string("recordPath", required: false), key: key, fields: fields,
                       share: share ?? placeholder, open: open ?? placeholder, grade: grade, frequency: frequency,
                       dateForms: dateForms, rules: rules, missingKey: missingKey, recordCountDrop: recordCountDrop,
                       multilineFields: node.bool("multilineFields", default: false), reviewOn: reviewOn(node), openList: openList(node), sourceFile: node.file)
    }

    private func reviewOn(_ node: Node) -> String? {
        guard let value = node.object["reviewOn"] else { return nil }
        guard let text = value as? String, CivilDate(iso: text) != nil else {
            node.problems.add(node.file, "\(node.path).reviewOn", "must be a date, yyyy-MM-dd (the next periodic evaluation, measures art. 17)")
            return nil
        }
        return text
    }

    private func openList(_ node: Node) -> [Int] {
        guard let value = node.object["openList"] else { return [] }
        guard let list = value as? [Any], list.allSatisfy({ wholeNumber($0).map { (2000...2100).contains($0) } == true }) else {
            node.problems.add(node.file, "\(node.path).openList", "must be an array of years, e.g. [2026] (the key open lists that carry it)")
            return []
        }
        return list.compactMap { wholeNumber($0) }
    }
}

/// `JSONSerialization` gives booleans as `NSNumber`; only a real JSON `true`/`false` counts as one.
private func isJSONBool(_ value: Any) -> Bool {
    guard let number = value as? NSNumber else { return false }
    return String(cString: number.objCType) == "c"
}
