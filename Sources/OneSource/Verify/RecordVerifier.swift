/// Standardizes and verifies the records of one dataset: per element its standard and rules, plus the
/// cross-field rules the catalog switches on for the dataset's entity kind. Pure and `Sendable`, so
/// chunks of records are verified on several threads with identical results.
public struct RecordVerifier: Sendable {
    /// A record as read from staging.
    public struct Input: Sendable {
        public var fileID: Int64
        public var line: Int
        public var recordIndex: Int
        public var values: [String?]
        /// Bit `i` set: `values[i]` is byte for byte the value column `i` had in the record this input held before, when
        /// that record was verified through `verify(_:)` with `inout` (whoever refills an input from one record to the
        /// next sets it; see `repeatableColumns`). Its standard's result is then taken from that record's.
        var repeats: UInt64 = 0
        /// The standards' results of the record this input held before, for the columns in `repeatableColumns`; kept
        /// only once the filler has sized it to the columns (`prepareMemo`).
        var memo: [StandardResult?] = []

        public init(fileID: Int64, line: Int, recordIndex: Int, values: [String?]) {
            self.fileID = fileID
            self.line = line
            self.recordIndex = recordIndex
            self.values = values
        }

        /// Makes room for the results to be kept from one record to the next (call once per reused input).
        mutating func prepareMemo(columns: Int) {
            if memo.count != columns { memo = Array(repeating: nil, count: columns) }
        }
    }

    /// A record after verification.
    public struct Output: Sendable {
        /// Canonical values (nil where empty or not conforming).
        public var values: [String?]
        public var recordKey: String
        public var hasError: Bool
        public var findings: [Finding]
        /// Bit `i` set: the canonical value of column `i` is exactly the delivered one (columns past 63 never set),
        /// so a writer holding the delivered bytes can bind those instead.
        public var asDelivered: UInt64 = 0
    }

    /// One column's plan; a class so the hot loop shares it instead of copying its many references.
    private final class Column: @unchecked Sendable {   // fieldRules is set once, before the plan is shared
        let element: DataElement
        let standard: ElementStandard
        let required: Bool
        let responsible: String
        let agreed: Set<StandardChange>
        let isDivision: Bool
        let checksFuture: Bool
        let isCode: Bool
        /// Whether the column's values repeat from record to record (see `repeatableColumns`).
        let repeats: Bool
        let isIdentityNumber: Bool
        /// Field-level rule switches, which win over the dataset's.
        var fieldRules: [String: String] = [:]

        /// The column's standard applied to `raw` (empty when absent). A method, so the standard is used where it lies:
        /// `column.standard.standardize(…)` in the loop copied the standard out first, counting references to its
        /// name and code table for every value of every record.
        func standardize(_ raw: String?, context: StandardContext) -> StandardResult {
            guard let raw else { return .empty }
            return standard.standardize(raw, context: context)
        }

        init(element: DataElement, standard: ElementStandard, required: Bool, responsible: String,
             agreed: Set<StandardChange>, isDivision: Bool, checksFuture: Bool) {
            self.element = element
            self.standard = standard
            self.required = required
            self.responsible = responsible
            self.agreed = agreed
            self.isDivision = isDivision
            self.checksFuture = checksFuture
            self.isCode = element.standard == "code"
            self.repeats = standard.hasFewValues
            self.isIdentityNumber = standard.isIdentityNumber
        }
    }

    /// A cross-field rule with its columns resolved, so the hot loop neither hashes parameter names nor copies
    /// the rule's definition.
    private struct CrossRule: Sendable {
        enum Kind: Sendable { case birthDate, gender, region, expiry }
        let kind: Kind
        let id: String
        let severity: Severity
        /// The identity column (birth date, gender, region) or the `from` column (expiry).
        let first: Int
        /// The compared column: birth date, gender, division, or `to`.
        let second: Int
    }

    /// The parts of a parsed identity number the cross-field rules compare: the address code and the gender code are
    /// short enough to be stored inline, so copying these takes no reference count.
    private struct IdentityFacts {
        let addressCode: String
        let birthDate: CivilDate
        let genderCode: String

        init(_ number: IdentityNumber) {
            addressCode = number.addressCode
            birthDate = number.birthDate
            genderCode = number.genderCode
        }
    }

    public let dataset: Dataset
    private let columns: [Column]
    /// Bit `i` set: column `i` (below 64) follows a standard whose values are few and repeat from one record to the next
    /// (codes, dates, divisions): a refilled input marks such a value when it is the previous record's (`Input.repeats`),
    /// and its result is the previous one's. Identity numbers, names, addresses and phones, nearly all different, are
    /// not compared at all.
    public let repeatableColumns: UInt64
    private let keyColumns: [Int]
    private let cross: [CrossRule]
    /// The identity columns the cross-field rules read (almost always one).
    private let identityColumnsForCross: [Int]
    private let severities: [String: Severity]   // enabled per-element rules and their severity
    // The same, looked up once: the hot loop reads these instead of hashing rule ids.
    private let required: Severity?, conforms: Severity?, inCodeTable: Severity?, nonstandardForm: Severity?
    private let legacyIdentity: Severity?, identityAddress: Severity?, retiredDivision: Severity?, notInFuture: Severity?
    private let definitions: [String: RuleDefinition]
    /// Retired division codes and the codes that succeeded them; asked twice for every record with a region rule.
    private let successors: FrozenTextTable<String>
    private let context: StandardContext
    private let today: String
    private let catalog: Catalog

    /// - Throws: `VerifyError` when an element's standard cannot be built (e.g. a missing code table).
    public init(dataset: Dataset, catalog: Catalog, context: StandardContext) throws {
        self.dataset = dataset
        self.context = context
        self.catalog = catalog
        self.today = context.today.description
        var columns: [Column] = []
        for field in dataset.fields {
            guard let element = catalog.element(field.element),
                  let standard = ElementStandard(element: element, dataset: dataset, catalog: catalog) else {
                throw VerifyError.noStandard(dataset: dataset.id, element: field.element)
            }
            let column = Column(element: element, standard: standard, required: field.required, responsible: dataset.agency,
                                agreed: field.agreedChanges, isDivision: element.standard == "division_code",
                                checksFuture: standard.isDate && !element.allowFuture)
            column.fieldRules = field.rules
            columns.append(column)
        }
        self.columns = columns
        repeatableColumns = columns.prefix(64).enumerated().reduce(0) { $1.element.repeats ? $0 | 1 << UInt64($1.offset) : $0 }
        keyColumns = dataset.key.compactMap { key in dataset.fields.firstIndex { $0.element == key } }
        let book = catalog.ruleBook
        definitions = book.rules
        successors = FrozenTextTable(book.divisionSuccessors.map { ($0.key, $0.value) })
        func severity(of id: String, enabledByDefault: Bool) -> Severity? {
            book.level(of: id, in: dataset, enabledByDefault: enabledByDefault)
        }
        var enabled: [String: Severity] = [:]
        for id in RuleBook.builtIn where !RuleBook.crossField.contains(id) && !RuleBook.delivery.contains(id) {
            if let level = severity(of: id, enabledByDefault: true) { enabled[id] = level }
        }
        severities = enabled
        required = enabled[BuiltInRule.required.rawValue]; conforms = enabled[BuiltInRule.conforms.rawValue]; inCodeTable = enabled[BuiltInRule.inCodeTable.rawValue]
        nonstandardForm = enabled[BuiltInRule.nonstandardForm.rawValue]; legacyIdentity = enabled[BuiltInRule.legacyIdentityNumber.rawValue]
        identityAddress = enabled[BuiltInRule.identityAddressUnknown.rawValue]; retiredDivision = enabled[BuiltInRule.retiredDivisionCode.rawValue]
        notInFuture = enabled[BuiltInRule.notInFuture.rawValue]
        var cross: [CrossRule] = []
        let switchedOn = Set(book.entityRules[dataset.entity] ?? [])
        for id in RuleBook.builtIn where RuleBook.crossField.contains(id) {
            guard let definition = book[id], let level = severity(of: id, enabledByDefault: switchedOn.contains(id)) else { continue }
            var mapped: [String: Int] = [:]
            for (name, element) in definition.params {
                if let column = dataset.fields.firstIndex(where: { $0.element == element }) { mapped[name] = column }
            }
            // A rule applies only where the dataset delivers every element it compares.
            guard mapped.count == definition.params.count, let names = RuleBook.requiredParams[id], names.count == 2,
                  let first = mapped[names[0]], let second = mapped[names[1]] else { continue }
            let kind: CrossRule.Kind
            switch id {
            case BuiltInRule.birthDateMatchesIdentity.rawValue: kind = .birthDate
            case BuiltInRule.genderMatchesIdentity.rawValue: kind = .gender
            case BuiltInRule.regionMatchesIdentity.rawValue: kind = .region
            case BuiltInRule.expiryNotBeforeIssue.rawValue: kind = .expiry
            default: continue
            }
            cross.append(CrossRule(kind: kind, id: id, severity: level, first: first, second: second))
        }
        self.cross = cross
        identityColumnsForCross = Set(cross.filter { $0.kind != .expiry }.map(\.first)).sorted()
    }

    /// The same verifier built again, for another thread: its columns, standards and tables are objects of its own.
    /// Threads verifying with one verifier each counted references on the same objects for every field of every
    /// record, and those counts, shared between cores, cost more than the work (1M 公安局 records: two workers took
    /// 5.6-5.8 s of processor time and 3.8-3.9 s, one worker 4.7-5.3 s and 3.3-3.7 s).
    public func forAnotherThread() -> RecordVerifier {
        (try? RecordVerifier(dataset: dataset, catalog: catalog, context: context)) ?? self
    }

    /// The record key from canonical values where available, otherwise from the raw values cleaned as their
    /// standard cleans them (an invalid identity number typed with spaces still matches the same person elsewhere).
    private func key(_ canonical: (Int) -> String?, _ raw: [String?]) -> String {
        func part(_ column: Int) -> String { canonical(column) ?? raw[column].map(columns[column].standard.cleanedKey) ?? "" }
        if keyColumns.count == 1 { return part(keyColumns[0]) }
        return keyColumns.map(part).joined(separator: "|")
    }

    public func verify(_ input: Input) -> Output {
        var input = input
        return verify(&input)
    }

    /// Verifies `input`, taking the results of its `repeats` columns from the record it held before and keeping this
    /// record's for the next (when `prepareMemo` sized the memo): the output is the same either way.
    /// `leavingDeliveredToBytes`: each canonical value equal to the delivered one (its `asDelivered` bit) is left "" in the
    /// output, which still says the column has a value, for ingest's writer, which binds the delivered bytes. Never holding
    /// those strings in the output saves counting a reference to each and letting it go again: most values of most records
    /// (the delivered string is usually the very one the standard returned, and the input is refilled with the next
    /// record's, on this thread, which frees it).
    public func verify(_ input: inout Input, leavingDeliveredToBytes: Bool = false) -> Output {
        let memoizing = input.memo.count == columns.count
        var findings: [Finding] = []
        // Filled with nil through the new buffer: `Array(repeating:count:)` took about 930 instructions a record here.
        var canonical = [String?](unsafeUninitializedCapacity: columns.count) { buffer, count in
            buffer.initialize(repeating: nil)
            count = buffer.count
        }
        // What the cross-field rules read of the parsed identity numbers: almost always one column, kept without an
        // array, and only the parts with no heap storage (a whole `IdentityNumber` copied for each of three rules took
        // four retains and releases of its canonical string a record).
        var firstIdentity: IdentityFacts?
        var otherIdentities: [(column: Int, facts: IdentityFacts)] = []
        // Read through one reference: indexing `input.values` while `input.memo` may change retained and released the
        // values array for every column (callgrind, 50k persons: ten destroys of it a record, now one).
        let values = input.values
        var recordKey = ""
        var unchanged: UInt64 = 0
        var pending: [(rule: String, severity: Severity, column: Int?, observed: String?, expected: String?, standard: String?, reason: String?)] = []

        for (index, column) in columns.enumerated() {
            let raw = values[index]
            let result: StandardResult
            // The column's identity number's address code, when it is one (not the whole number: an optional of it
            // per column cost a call to destroy, for every field of every record).
            var identityAddressCode: String?
            if column.isIdentityNumber, let raw {
                switch IdentityNumber.parse(raw, context: context) {
                case .success(let (number, changes)):
                    identityAddressCode = number.addressCode
                    if let first = identityColumnsForCross.first {
                        if index == first { firstIdentity = IdentityFacts(number) }
                        else if identityColumnsForCross.contains(index) { otherIdentities.append((index, IdentityFacts(number))) }
                    }
                    result = .valid(number.value, changes)
                case .failure(let failure):
                    result = TextNormalizer.trim(raw).isEmpty ? .empty : .invalid(failure.failure, failure.changes)
                }
            } else if memoizing, column.repeats {
                // A column whose values repeat: the previous record's result when the value is that record's.
                if index < 64, input.repeats & (1 << UInt64(index)) != 0, let previous = input.memo[index] {
                    result = previous
                } else {
                    result = column.standardize(raw, context: context)
                    input.memo[index] = result
                }
            } else {
                result = column.standardize(raw, context: context)
            }
            if index < 64, let raw, result.value(is: raw) {
                unchanged |= 1 << UInt64(index)
                canonical[index] = leavingDeliveredToBytes ? "" : result.value
            } else {
                canonical[index] = result.value
            }
            if result.isEmpty {
                if column.required, let level = required {
                    pending.append((BuiltInRule.required.rawValue, level, index, raw, nil, nil, nil))
                }
                continue
            }
            if let failure = result.failure {
                let isCode = column.isCode
                let rule = isCode ? BuiltInRule.inCodeTable.rawValue : BuiltInRule.conforms.rawValue
                if let level = isCode ? inCodeTable : conforms {
                    pending.append((rule, level, index, raw, nil, column.element.standard, failure.message))
                }
                continue
            }
            guard let value = result.value else { continue }
            if result.changes.contains(.legacyUpgraded) {
                if let level = legacyIdentity { pending.append((BuiltInRule.legacyIdentityNumber.rawValue, level, index, raw, value, nil, nil)) }
            } else if !result.changes.isEmpty, result.changes.contains(where: { !column.agreed.contains($0) }), let level = nonstandardForm {
                let reason = result.changes.map(\.message).joined(separator: "；")
                pending.append((BuiltInRule.nonstandardForm.rawValue, level, index, raw, value, nil, reason))
            }
            if let addressCode = identityAddressCode, let level = identityAddress, !context.divisions.isKnown(addressCode) {
                pending.append((BuiltInRule.identityAddressUnknown.rawValue, level, index, raw, nil, nil, addressCode))
            }
            if column.isDivision, let level = retiredDivision, !context.divisions.isCurrent(value) {
                let entries = context.divisions.entries(for: value)
                let reason = entries.map { "\($0.name)，\($0.validFrom.map(String.init) ?? "")—\($0.validTo.map(String.init) ?? "")" }.joined(separator: "；")
                pending.append((BuiltInRule.retiredDivisionCode.rawValue, level, index, raw, successors[value], nil, reason))
            }
            // ISO dates compare as text, so no parsing is needed here.
            if column.checksFuture, let level = notInFuture, value.utf8.count >= 7, TextBytes.prefix(value, 10, isAfter: today) {
                pending.append((BuiltInRule.notInFuture.rawValue, level, index, raw, context.today.description, nil, nil))
            }
        }
        /// Column `column`'s canonical value: the delivered one when it is that (the output may hold "" for it).
        func canonicalValue(_ column: Int) -> String? {
            column < 64 && unchanged & (1 << UInt64(column)) != 0 ? values[column] : canonical[column]
        }
        func identity(_ column: Int) -> IdentityFacts? {
            column == identityColumnsForCross.first ? firstIdentity : otherIdentities.first { $0.column == column }?.facts
        }
        for rule in cross {
            switch rule.kind {
            case .birthDate:
                if let id = identity(rule.first), let value = canonicalValue(rule.second) {
                    let expected = id.birthDate.description
                    if value != expected { pending.append((rule.id, rule.severity, rule.second, value, expected, nil, nil)) }
                }
            case .gender:
                if let id = identity(rule.first), let value = canonicalValue(rule.second), value == "1" || value == "2", value != id.genderCode {
                    pending.append((rule.id, rule.severity, rule.second, value, id.genderCode, nil, nil))
                }
            case .region:
                if let id = identity(rule.first), let value = canonicalValue(rule.second) {
                    // The same code is the same region (most people live where they were born): no look-ups.
                    if TextBytes.equal(id.addressCode, value) { continue }
                    // Retired codes compare by the code that succeeded them (321284 姜堰市 → 321204 姜堰区).
                    let origin = successors[id.addressCode] ?? id.addressCode
                    let current = successors[value] ?? value
                    if origin != current {
                        pending.append((rule.id, rule.severity, rule.second, value, id.addressCode, nil, nil))
                    }
                }
            case .expiry:
                if let start = canonicalValue(rule.first), let end = canonicalValue(rule.second), end < start {
                    pending.append((rule.id, rule.severity, rule.second, end, start, nil, nil))
                }
            }
        }
        recordKey = key(canonicalValue, values)
        var hasError = false
        for item in pending {
            guard let definition = definitions[item.rule] else { continue }
            var severity = item.severity
            if let column = item.column, let setting = columns[column].fieldRules[item.rule] {
                if setting == "off" { continue }
                severity = Severity(rawValue: setting) ?? definition.severity
            }
            if severity == .error { hasError = true }
            let element = item.column.map { columns[$0].element }
            findings.append(Finding(
                ruleID: item.rule, dimension: definition.dimension, severity: severity, agency: dataset.agency,
                datasetID: dataset.id, recordKey: recordKey, element: element?.id, observed: item.observed, expected: item.expected,
                reason: item.reason, fileID: input.fileID, line: input.line, recordIndex: input.recordIndex,
                message: definition.render(element: element?.name, observed: item.observed, expected: item.expected,
                                           standard: item.standard.map(StandardName.of), reason: item.reason)))
        }
        return Output(values: canonical, recordKey: recordKey, hasError: hasError, findings: findings, asDelivered: unchanged)
    }

    /// The finding for a key seen before in the same dataset and run.
    public func duplicateKeyFinding(_ input: Input, key: String, firstLine: Int) -> Finding? {
        guard let level = severities[BuiltInRule.uniqueKey.rawValue], let definition = definitions[BuiltInRule.uniqueKey.rawValue] else { return nil }
        return Finding(ruleID: BuiltInRule.uniqueKey.rawValue, dimension: definition.dimension, severity: level, agency: dataset.agency,
                       datasetID: dataset.id, recordKey: key, element: dataset.key.first, observed: key, expected: nil,
                       reason: String(firstLine), fileID: input.fileID, line: input.line, recordIndex: input.recordIndex,
                       message: definition.render(element: nil, observed: key, expected: nil, reason: String(firstLine)))
    }

}

/// Why verification cannot run for a dataset.
public enum VerifyError: Error, CustomStringConvertible {
    case noStandard(dataset: String, element: String)
    public var description: String {
        switch self {
        case .noStandard(let dataset, let element): return "dataset \(dataset): element \(element) has no usable standard"
        }
    }
}
