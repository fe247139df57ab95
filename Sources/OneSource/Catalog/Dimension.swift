/// The data quality dimensions of GB/T 36344-2018 that a rule measures.
public enum Dimension: String, Sendable, CaseIterable, Comparable {
    case conformity, completeness, accuracy, consistency, timeliness, accessibility

    /// 规范性, 完整性, 准确性, 一致性, 时效性, 可访问性.
    public var chineseName: String {
        switch self {
        case .conformity: return "规范性"
        case .completeness: return "完整性"
        case .accuracy: return "准确性"
        case .consistency: return "一致性"
        case .timeliness: return "时效性"
        case .accessibility: return "可访问性"
        }
    }

    public static func < (lhs: Dimension, rhs: Dimension) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// How serious a finding is. Records with an error-level finding do not enter a base table.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case notice, warning, error

    public var chineseName: String {
        switch self {
        case .notice: return "提示"
        case .warning: return "警告"
        case .error: return "错误"
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
