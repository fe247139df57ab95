/// A calendar date without time zone (proleptic Gregorian), as the standards use it.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A date, or nil when it does not exist (2023-02-30).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= CivilDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `yyyy-MM-dd`.
    public var description: String {
        // Written into the string's own bytes (no array on the heap): this runs for every date of every record.
        String(unsafeUninitializedCapacity: 10) { bytes in
            bytes[0] = UInt8(0x30 + year / 1000 % 10)
            bytes[1] = UInt8(0x30 + year / 100 % 10)
            bytes[2] = UInt8(0x30 + year / 10 % 10)
            bytes[3] = UInt8(0x30 + year % 10)
            bytes[4] = 0x2D
            bytes[5] = UInt8(0x30 + month / 10)
            bytes[6] = UInt8(0x30 + month % 10)
            bytes[7] = 0x2D
            bytes[8] = UInt8(0x30 + day / 10)
            bytes[9] = UInt8(0x30 + day % 10)
            return 10
        }
    }

    /// `yyyyMMdd` as in identity numbers.
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The date `days` after this one.
    public func adding(days: Int) -> CivilDate {
        CivilDate.fromDays(daysSinceEpoch + days)
    }

    /// The date for a day count since 1970-01-01.
    public static func fromDays(_ z0: Int) -> CivilDate {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return CivilDate(uncheckedYear: y, month: m, day: d)
    }

    private init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `yyyy-MM-dd` strictly.
    public init?(iso text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}

import Foundation

extension CivilDate {
    /// The city's time zone: runs, deadlines and "today" are Beijing time.
    public static let cityTimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// The date of `instant` in the city.
    public static func of(_ instant: Date, in zone: TimeZone = cityTimeZone) -> CivilDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CivilDate.fromDays(0)
    }
}
