import Foundation

/// Time and identity stamps for the ledger and the audit trail.
public enum Clock {
    /// The current time, ISO 8601 in Beijing time with its offset (the city works in UTC+8).
    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = CivilDate.cityTimeZone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    public static func userName() -> String {
        if let user = ProcessInfo.processInfo.environment["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

    public static func hostName() -> String { ProcessInfo.processInfo.hostName }
}
