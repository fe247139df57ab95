/// One rule's verdict on one record: what was found, where, and who must act.
public struct Finding: Sendable, Equatable {
    public var ruleID: String
    public var dimension: Dimension
    public var severity: Severity
    /// The agency responsible for the value.
    public var agency: String
    public var datasetID: String
    public var recordKey: String?
    public var element: String?
    public var observed: String?
    public var expected: String?
    /// The detail that fills the template's `{reason}` (a standard's failure, the changes made, the first line).
    public var reason: String?
    public var fileID: Int64?
    public var line: Int?
    public var recordIndex: Int?
    /// The rule's message, filled in (Chinese).
    public var message: String
}
