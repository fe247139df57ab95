/// The standard one element follows in one dataset, ready to apply to raw values.
public struct ElementStandard: Sendable {
    enum Kind: Sendable {
        case identityNumber, creditCode, divisionCode, phone, personName, text, address, licenceID, money
        case integer, documentNumber
        case date(DateStandard.Forms?)
        case datetime(DateStandard.Forms?)
        case code(CodeLookup)
    }

    let kind: Kind
    /// The standard's name (as in the catalog, or the code table's id).
    public let name: String

    /// The standard of `element` as delivered in `dataset`.
    public init?(element: DataElement, dataset: Dataset?, catalog: Catalog) {
        let forms = dataset?.dateForms.map(DateStandard.Forms.init)
        switch element.standard {
        case "code":
            guard let id = element.codeTable, let table = catalog.codeTable(id) else { return nil }
            kind = .code(CodeLookup(table))
        case "date": kind = .date(forms)
        case "datetime": kind = .datetime(forms)
        default:
            guard let simple = ElementStandard.simpleKinds[element.standard] else { return nil }
            kind = simple
        }
        name = element.standard == "code" ? (element.codeTable ?? "code") : element.standard
    }

    private init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    private static let simpleKinds: [String: Kind] = [
        "identity_number": .identityNumber, "credit_code": .creditCode, "division_code": .divisionCode,
        "phone": .phone, "person_name": .personName, "text": .text, "address": .address,
        "licence_id": .licenceID, "money": .money, "integer": .integer, "document_number": .documentNumber,
    ]

    /// A standard by its name: a catalog standard (`identity_number`, `date` …) or a code table id.
    /// Dates accept every form here (an engineer asking "is this a date?").
    public static func named(_ name: String, catalog: Catalog) -> ElementStandard? {
        if let simple = simpleKinds[name] { return ElementStandard(kind: simple, name: name) }
        if name == "date" { return ElementStandard(kind: .date(DateStandard.Forms(DateStandard.Form.allCases)), name: name) }
        if name == "datetime" { return ElementStandard(kind: .datetime(DateStandard.Forms(DateStandard.Form.allCases)), name: name) }
        if let table = catalog.codeTable(name) { return ElementStandard(kind: .code(CodeLookup(table)), name: name) }
        return nil
    }

    /// Every name `named` accepts.
    public static func names(catalog: Catalog) -> [String] {
        (Array(simpleKinds.keys) + ["date", "datetime"]).sorted() + catalog.codeTables.map(\.id)
    }

    public var isIdentityNumber: Bool { if case .identityNumber = kind { return true } else { return false } }

    /// Whether the standard's values are few, so that one record's value is often the one before's: code tables, dates,
    /// divisions. Identifiers, names, addresses, phones and amounts are nearly all different.
    public var hasFewValues: Bool {
        switch kind {
        case .code, .date, .datetime, .divisionCode: return true
        default: return false
        }
    }
    public var isDate: Bool {
        switch kind { case .date, .datetime: return true; default: return false }
    }

    /// Applies the standard to one raw value.
    public func standardize(_ raw: String, context: StandardContext) -> StandardResult {
        switch kind {
        case .identityNumber: return raw.isEmpty ? .empty : IdentityNumber.standardize(raw, context: context).emptyIfBlank(raw)
        case .creditCode: return blank(raw) ? .empty : CreditCode.standardize(raw, context: context)
        case .divisionCode: return TextStandards.divisionCode(raw, context: context)
        case .phone: return PhoneNumber.standardize(raw)
        case .personName: return TextStandards.personName(raw)
        case .text: return TextStandards.text(raw)
        case .address: return TextStandards.address(raw)
        case .licenceID: return blank(raw) ? .empty : LicenceIdentifier.standardize(raw, context: context)
        case .money: return TextStandards.money(raw)
        case .integer: return TextStandards.integer(raw)
        case .documentNumber: return TextStandards.documentNumber(raw)
        case .date(let forms): return DateStandard.standardize(raw, forms: forms)
        case .datetime(let forms): return DateStandard.standardize(raw, forms: forms, keepTime: true)
        case .code(let lookup): return lookup.standardize(raw)
        }
    }

    private func blank(_ raw: String) -> Bool { TextNormalizer.trim(raw).isEmpty }

    /// What a record is known by when its key value is not valid: a code cleaned as the standard cleans it (white
    /// space anywhere removed, full-width folded, letters upper-cased), so the same person or company matches
    /// across agencies even then; any other value trimmed.
    public func cleanedKey(_ raw: String) -> String {
        switch kind {
        case .identityNumber, .creditCode, .licenceID: return TextNormalizer.normalizeCode(raw).text.uppercased()
        case .divisionCode, .phone: return TextNormalizer.normalizeCode(raw).text
        default: return TextNormalizer.trim(raw)
        }
    }
}

extension StandardResult {
    /// A value that was only white space is empty, not a failure.
    func emptyIfBlank(_ raw: String) -> StandardResult {
        failure != nil && TextNormalizer.trim(raw).isEmpty ? .empty : self
    }
}
