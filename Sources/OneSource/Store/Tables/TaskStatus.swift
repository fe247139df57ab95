/// Where a rectification task stands; the raw value is what the store keeps.
public enum TaskStatus: String, Sendable, CaseIterable, Comparable {
    /// Issued, waiting for the agency.
    case open
    /// Found again after it was resolved, or after the agency replied 已更正.
    case reopened
    /// The agency replied 已更正; the next delivery verifies it.
    case corrected
    /// The agency replied 有异议; the data bureau decides (`onesource tasks decide`).
    case disputed
    /// The bureau accepted the dispute: an exception for that record and value.
    case accepted
    /// Delivered again without the problem (核销).
    case resolved

    /// 中文名称, as agencies read it.
    public var chineseName: String {
        switch self {
        case .open: return "待整改"
        case .reopened: return "重新打开"
        case .corrected: return "已更正待核验"
        case .disputed: return "有异议待裁定"
        case .accepted: return "异议成立（例外）"
        case .resolved: return "已核销"
        }
    }

    /// The agency still has to act: counts as open, and overdue once past its due date.
    public var awaitsAgency: Bool { self == .open || self == .reopened }

    /// Not finished: a later run may still resolve it or find it again.
    public var isLive: Bool { self != .resolved && self != .accepted }

    /// The statuses as an SQL list, for `IN (...)`.
    static func sqlList(_ statuses: [TaskStatus]) -> String { statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ") }

    /// The statuses that await the agency, and the live ones, as SQL lists.
    static let awaitingSQL = sqlList(allCases.filter(\.awaitsAgency))
    static let liveSQL = sqlList(allCases.filter(\.isLive))

    public static func < (lhs: TaskStatus, rhs: TaskStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
