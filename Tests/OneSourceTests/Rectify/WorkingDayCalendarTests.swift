import Testing
@testable import OneSource

@Suite struct WorkingDayCalendarTests {
    let calendar: WorkingDayCalendar? = try? WorkingDayCalendar.load(
        directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path)

    func d(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test func addsWorkingDaysAsTheStandardsExamplesSay() throws {
        let calendar = try #require(calendar)
        #expect(try calendar.adding(workingDays: 7, to: d("2026-09-24")) == d("2026-10-12"))
        #expect(try calendar.adding(workingDays: 3, to: d("2026-02-12")) == d("2026-02-24"))
        #expect(try calendar.adding(workingDays: 0, to: d("2026-02-15")) == d("2026-02-15"))
        #expect(try calendar.adding(workingDays: 1, to: d("2026-02-13")) == d("2026-02-14"))   // Saturday, 调休 working day
    }

    @Test func bothYearsHave248WorkingDays() throws {
        let calendar = try #require(calendar)
        var count2025 = 0, count2026 = 0
        var day = d("2025-01-01")
        while day <= d("2025-12-31") { if try calendar.isWorkingDay(day) { count2025 += 1 }; day = day.adding(days: 1) }
        day = d("2026-01-01")
        while day <= d("2026-12-31") { if try calendar.isWorkingDay(day) { count2026 += 1 }; day = day.adding(days: 1) }
        #expect(count2025 == 248)
        #expect(count2026 == 248)
        #expect(try calendar.workingDays(from: d("2025-12-31"), to: d("2026-12-31")) == 248)
    }

    @Test func knowsEveryHolidayBoundaryOfBothYears() throws {
        let calendar = try #require(calendar)
        // (first day off, last day off) of every holiday: the day before and after are working days or weekends.
        let holidays: [(String, String, String)] = [
            ("元旦", "2025-01-01", "2025-01-01"), ("春节", "2025-01-28", "2025-02-04"), ("清明节", "2025-04-04", "2025-04-06"),
            ("劳动节", "2025-05-01", "2025-05-05"), ("端午节", "2025-05-31", "2025-06-02"), ("国庆节、中秋节", "2025-10-01", "2025-10-08"),
            ("元旦", "2026-01-01", "2026-01-03"), ("春节", "2026-02-15", "2026-02-23"), ("清明节", "2026-04-04", "2026-04-06"),
            ("劳动节", "2026-05-01", "2026-05-05"), ("端午节", "2026-06-19", "2026-06-21"), ("中秋节", "2026-09-25", "2026-09-27"),
            ("国庆节", "2026-10-01", "2026-10-07"),
        ]
        for (name, first, last) in holidays {
            #expect(try calendar.kind(of: d(first)) == .holiday(name))
            #expect(try calendar.kind(of: d(last)) == .holiday(name))
            // The day before 2025-01-01 is in 2024, which has no calendar file.
            let before = try? calendar.kind(of: d(first).adding(days: -1)), after = try calendar.kind(of: d(last).adding(days: 1))
            #expect(before != .holiday(name) && after != .holiday(name), "\(name) \(first)")
        }
        for (date, name) in [("2025-01-26", "春节调休上班"), ("2025-02-08", "春节调休上班"), ("2025-04-27", "劳动节调休上班"),
                             ("2025-09-28", "国庆节调休上班"), ("2025-10-11", "国庆节调休上班"), ("2026-01-04", "元旦调休上班"),
                             ("2026-02-14", "春节调休上班"), ("2026-02-28", "春节调休上班"), ("2026-05-09", "劳动节调休上班"),
                             ("2026-09-20", "中秋节调休上班"), ("2026-10-10", "国庆节调休上班")] {
            #expect(try calendar.kind(of: d(date)) == .adjustedWorkday(name))
            #expect(d(date).isWeekend)
        }
        #expect(try calendar.kind(of: d("2026-11-28")) == .weekend)
        #expect(try calendar.kind(of: d("2026-11-30")) == .workday)
    }

    @Test func aYearWithoutACalendarIsAnError() throws {
        let calendar = try #require(calendar)
        #expect(throws: CalendarError.missingYear(2027)) { try calendar.isWorkingDay(d("2027-01-04")) }
        // Adding across the year end needs the next year's notice too.
        #expect(throws: CalendarError.missingYear(2027)) { try calendar.adding(workingDays: 7, to: d("2026-12-28")) }
        #expect(CalendarError.missingYear(2027).description
                == "no working-day calendar for 2027: add Pipelines/calendar/2027.json from the State Council's holiday notice")
    }
}
