import Foundation

/// The official working-day calendar: weekends and public holidays are off, weekend days declared working
/// days (调休) are on. One JSON file per year under `Pipelines/calendar/`, from the State Council notices.
/// A date in a year without a file is an error naming the year, never a weekends-only guess.
public struct WorkingDayCalendar: Sendable {
    /// Why a day is or is not a working day.
    public enum DayKind: Sendable, Equatable {
        case workday
        case weekend
        case holiday(String)
        case adjustedWorkday(String)

        public var isWorkingDay: Bool {
            switch self {
            case .workday, .adjustedWorkday: return true
            case .weekend, .holiday: return false
            }
        }

        /// 中文说明.
        public var description: String {
            switch self {
            case .workday: return "工作日"
            case .weekend: return "休息日（周末）"
            case .holiday(let name): return "休息日（\(name)）"
            case .adjustedWorkday(let name): return "工作日（\(name)）"
            }
        }
    }

    private let holidays: [CivilDate: String]
    private let adjusted: [CivilDate: String]
    /// The years with a calendar file, and where each came from.
    public let sources: [Int: String]

    public init(holidays: [CivilDate: String], adjusted: [CivilDate: String], sources: [Int: String]) {
        self.holidays = holidays
        self.adjusted = adjusted
        self.sources = sources
    }

    /// Loads every `YYYY.json` in `directory`.
    /// - Throws: `CalendarError` naming the file and what is wrong with it.
    public static func load(directory: String) throws -> WorkingDayCalendar {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw CalendarError.noCalendar(directory: directory)
        }
        var holidays: [CivilDate: String] = [:], adjusted: [CivilDate: String] = [:], sources: [Int: String] = [:]
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = (directory as NSString).appendingPathComponent(name)
            func bad(_ message: String) -> CalendarError { .invalidFile(path: path, message: message) }
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("not a JSON object") }
            guard let year = object["year"] as? Int, let source = object["source"] as? String else { throw bad("needs \"year\" and \"source\"") }
            guard name == "\(year).json" else { throw bad("file of year \(year) must be named \(year).json") }
            for (index, holiday) in (object["holidays"] as? [[String: String]] ?? []).enumerated() {
                guard let title = holiday["name"], let from = holiday["from"].flatMap(CivilDate.init(iso:)),
                      let to = holiday["to"].flatMap(CivilDate.init(iso:)), from <= to, from.year == year, to.year == year else {
                    throw bad("$.holidays[\(index)]: needs name, and from/to dates in \(year)")
                }
                var day = from
                while day <= to { holidays[day] = title; day = day.adding(days: 1) }
            }
            for (index, entry) in (object["workingWeekendDays"] as? [[String: String]] ?? []).enumerated() {
                guard let title = entry["name"], let date = entry["date"].flatMap(CivilDate.init(iso:)), date.year == year else {
                    throw bad("$.workingWeekendDays[\(index)]: needs name and a date in \(year)")
                }
                guard date.isWeekend else { throw bad("$.workingWeekendDays[\(index)]: \(date) is not a Saturday or Sunday") }
                adjusted[date] = title
            }
            sources[year] = source
        }
        return WorkingDayCalendar(holidays: holidays, adjusted: adjusted, sources: sources)
    }

    /// What kind of day `date` is.
    /// - Throws: `CalendarError.missingYear` when the year has no calendar file.
    public func kind(of date: CivilDate) throws -> DayKind {
        guard sources[date.year] != nil else { throw CalendarError.missingYear(date.year) }
        if let name = holidays[date] { return .holiday(name) }
        if let name = adjusted[date] { return .adjustedWorkday(name) }
        return date.isWeekend ? .weekend : .workday
    }

    public func isWorkingDay(_ date: CivilDate) throws -> Bool { try kind(of: date).isWorkingDay }

    /// The date `n` working days after `date`, counting from the day after it.
    public func adding(workingDays n: Int, to date: CivilDate) throws -> CivilDate {
        var day = date
        var left = n
        while left > 0 {
            day = day.adding(days: 1)
            if try isWorkingDay(day) { left -= 1 }
        }
        return day
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    public func workingDays(from: CivilDate, to: CivilDate) throws -> Int {
        var count = 0
        var day = from
        while day < to {
            day = day.adding(days: 1)
            if try isWorkingDay(day) { count += 1 }
        }
        return count
    }
}

/// Problems with the calendar data.
public enum CalendarError: Error, CustomStringConvertible, Equatable {
    case missingYear(Int)
    case noCalendar(directory: String)
    case invalidFile(path: String, message: String)

    public var description: String {
        switch self {
        case .missingYear(let year):
            return "no working-day calendar for \(year): add Pipelines/calendar/\(year).json from the State Council's holiday notice"
        case .noCalendar(let directory): return "calendar folder \(directory) not found"
        case .invalidFile(let path, let message): return "\(path): \(message)"
        }
    }
}

extension CivilDate {
    /// 0 Monday … 6 Sunday.
    public var weekday: Int { ((daysSinceEpoch % 7) + 7 + 3) % 7 }   // 1970-01-01 was a Thursday
    public var isWeekend: Bool { weekday >= 5 }
}
