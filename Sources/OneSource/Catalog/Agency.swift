/// A public body that supplies data (公安局, 人社局 …).
public struct Agency: Sendable, Equatable {
    /// Short stable code used everywhere else in the catalog (`gongan`).
    public let code: String
    /// Full Chinese name (泰州市公安局).
    public let name: String
}

/// A classification level for data (e.g. L1 不敏感 … L4 敏感), configurable per catalog.
public struct Grade: Sendable, Equatable {
    public let code: String
    public let name: String
    /// Whether data of this grade may be opened or shared without conditions.
    public let openable: Bool
}

/// A code table such as gender (GB/T 2261.1): code → meaning, with the other spellings agencies use.
public struct CodeTable: Sendable, Equatable {
    /// One code of the table.
    public struct Code: Sendable, Equatable {
        public let code: String
        public let meaning: String
        /// Other spellings that mean this code (男 for 1 男性).
        public let aliases: [String]
    }

    public let id: String
    public let name: String
    public let standard: String?
    public let codes: [Code]
}
