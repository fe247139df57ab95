/// One kind of value (数据元), e.g. `person.id_number`, with one standard and one authoritative agency.
public struct DataElement: Sendable, Equatable {
    /// Standards an element may declare; the standardize stage implements each.
    public static let standards: Set<String> = [
        "identity_number", "credit_code", "division_code", "date", "datetime", "phone", "person_name",
        "text", "address", "licence_id", "money", "code", "integer", "document_number",
    ]
    /// Kinds of personal data, which decide how a value is masked.
    public static let personalKinds: Set<String> = ["id_number", "name", "phone", "address"]

    public let id: String
    public let name: String
    public let standard: String
    /// For `code` standards: the code table's id.
    public let codeTable: String?
    /// The agency whose value wins (一数一源).
    public let authority: String
    public let grade: String
    /// How the value is masked when shown to a person, if it is personal data.
    public let personal: String?
    /// For dates: whether a date after today is normal (an expiry date), so the not-in-future rule skips it.
    public let allowFuture: Bool
}
