import Foundation

/// The working-day calendar: weekends and public holidays are off, weekend days declared working days (调休)
/// are on. One JSON file per year under `Pipelines/calendar/`, from the State Council notices.
///
/// A year without its notice gets a provisional calendar, so a night never fails because the notice is late:
/// weekends plus the statutory holidays of 全国年节及纪念日放假办法 (国务院令第795号, from 2025): 元旦 1 Jan,
/// 春节 除夕 to 正月初三, 清明, 劳动节 1-2 May, 端午, 中秋, 国庆 1-3 Oct. The movable dates come from
/// `festivals.tsv` (lunar dates from the HKO tables, Qingming by its solar-term formula); a year the table
/// does not cover gets the fixed-date holidays only, and says so. Bridging days and 调休 cannot be predicted:
/// a provisional calendar has none. Deadlines computed on it are marked provisional and recomputed once the
/// notice's file is added.
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

    /// The dates of the movable statutory holidays of one year.
    public struct Festivals: Sendable, Equatable {
        public let chuxi: CivilDate, chunjie: CivilDate, qingming: CivilDate, duanwu: CivilDate, zhongqiu: CivilDate
    }

    /// A due date, and whether a provisional year's days were counted to reach it.
    public struct Deadline: Sendable, Equatable {
        public let date: CivilDate
        public let provisional: Bool
    }

    private let holidays: [CivilDate: String]
    private let adjusted: [CivilDate: String]
    /// The years with an official calendar file, and the notice each came from.
    public let sources: [Int: String]
    private let festivals: [Int: Festivals]

    public init(holidays: [CivilDate: String], adjusted: [CivilDate: String], sources: [Int: String],
                festivals: [Int: Festivals] = [:]) {
        self.holidays = holidays
        self.adjusted = adjusted
        self.sources = sources
        self.festivals = festivals
    }

    /// The name of the table of movable holidays in a calendar folder.
    public static let festivalsFile = "festivals.tsv"

    /// Loads every `YYYY.json` in `directory`, and `festivals.tsv` when it is there.
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
        let table = (directory as NSString).appendingPathComponent(festivalsFile)
        let festivals = FileManager.default.fileExists(atPath: table) ? try loadFestivals(path: table) : [:]
        return WorkingDayCalendar(holidays: holidays, adjusted: adjusted, sources: sources, festivals: festivals)
    }

    /// Reads `festivals.tsv`: `year, chuxi, chunjie, qingming, duanwu, zhongqiu` after a header, `#` lines ignored.
    static func loadFestivals(path: String) throws -> [Int: Festivals] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CalendarError.invalidFile(path: path, message: "cannot be read") }
        var result: [Int: Festivals] = [:]
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("year\t") { continue }
            let cells = line.split(separator: "\t").map(String.init)
            let dates = cells.dropFirst().compactMap(CivilDate.init(iso:))
            guard cells.count == 6, let year = Int(cells[0]), dates.count == 5, dates.allSatisfy({ $0.year == year }) else {
                throw CalendarError.invalidFile(path: path, message: "line \(number + 1): needs a year and five dates of that year")
            }
            result[year] = Festivals(chuxi: dates[0], chunjie: dates[1], qingming: dates[2], duanwu: dates[3], zhongqiu: dates[4])
        }
        return result
    }

    /// Whether `year` has the State Council's notice (an official file); otherwise its days are provisional.
    public func isOfficial(_ year: Int) -> Bool { sources[year] != nil }

    /// Where the days of `year` come from, in words (Chinese, for people).
    public func coverage(of year: Int) -> String {
        if let source = sources[year] { return "\(year)年：\(source)" }
        let lunar = festivals[year] == nil
            ? "春节、清明、端午、中秋日期未知，暂未计入" : "春节、清明、端午、中秋按农历及节气推算"
        return "\(year)年：暂定日历（国务院放假安排尚未发布；按法定节假日推算，\(lunar)，不含调休）"
    }

    /// What kind of day `date` is; in a year without its notice, as the provisional calendar says.
    public func kind(of date: CivilDate) -> DayKind {
        if isOfficial(date.year) {
            if let name = holidays[date] { return .holiday(name) }
            if let name = adjusted[date] { return .adjustedWorkday(name) }
            return date.isWeekend ? .weekend : .workday
        }
        if let name = provisionalHoliday(date) { return .holiday(name + "，暂定") }
        return date.isWeekend ? .weekend : .workday
    }

    /// The statutory holiday `date` falls on in a year without a notice, if any.
    private func provisionalHoliday(_ date: CivilDate) -> String? {
        switch (date.month, date.day) {
        case (1, 1): return "元旦"
        case (5, 1), (5, 2): return "劳动节"
        case (10, 1), (10, 2), (10, 3): return "国庆节"
        default: break
        }
        guard let movable = festivals[date.year] else { return nil }
        if date >= movable.chuxi && date <= movable.chunjie.adding(days: 2) { return "春节" }
        if date == movable.qingming { return "清明节" }
        if date == movable.duanwu { return "端午节" }
        if date == movable.zhongqiu { return "中秋节" }
        return nil
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool { kind(of: date).isWorkingDay }

    /// The date `n` working days after `date`, counting from the day after it.
    public func adding(workingDays n: Int, to date: CivilDate) -> CivilDate {
        deadline(workingDays: n, after: date).date
    }

    /// The date `n` working days after `date`, and whether a day of a provisional year was counted.
    public func deadline(workingDays n: Int, after date: CivilDate) -> Deadline {
        var day = date
        var left = n
        var provisional = false
        while left > 0 {
            day = day.adding(days: 1)
            if !isOfficial(day.year) { provisional = true }
            if isWorkingDay(day) { left -= 1 }
        }
        return Deadline(date: day, provisional: provisional)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`).
    public func workingDays(from: CivilDate, to: CivilDate) -> Int {
        var count = 0
        var day = from
        while day < to {
            day = day.adding(days: 1)
            if isWorkingDay(day) { count += 1 }
        }
        return count
    }

    /// A warning when the calendar has no notice for the year of `today`, or, from 1 December, for the next
    /// year; nil when both are there.
    public func missingNoticeWarning(today: CivilDate) -> String? {
        var missing: [Int] = []
        if !isOfficial(today.year) { missing.append(today.year) }
        if today.month == 12 && !isOfficial(today.year + 1) { missing.append(today.year + 1) }
        guard !missing.isEmpty else { return nil }
        let years = missing.map(String.init).joined(separator: ", ")
        return "no official working-day calendar for \(years): deadlines there are provisional (statutory holidays only, no 调休) "
            + "until Pipelines/calendar/YEAR.json is added from the State Council's holiday notice (see README, Working days)"
    }
}

/// Problems with the calendar data.
public enum CalendarError: Error, CustomStringConvertible, Equatable {
    case noCalendar(directory: String)
    case invalidFile(path: String, message: String)

    public var description: String {
        switch self {
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
