import Foundation
import Testing
@testable import OneSource

@Suite struct WorkingDayCalendarTests {
    let calendar: WorkingDayCalendar? = try? WorkingDayCalendar.load(
        directory: Paths.packageRoot.appendingPathComponent("Pipelines/calendar").path)

    func d(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    @Test func addsWorkingDaysAsTheStandardsExamplesSay() throws {
        let calendar = try #require(calendar)
        #expect(calendar.adding(workingDays: 7, to: d("2026-09-24")) == d("2026-10-12"))
        #expect(calendar.adding(workingDays: 3, to: d("2026-02-12")) == d("2026-02-24"))
        #expect(calendar.adding(workingDays: 0, to: d("2026-02-15")) == d("2026-02-15"))
        #expect(calendar.adding(workingDays: 1, to: d("2026-02-13")) == d("2026-02-14"))   // Saturday, 调休 working day
    }

    @Test func bothYearsHave248WorkingDays() throws {
        let calendar = try #require(calendar)
        var count2025 = 0, count2026 = 0
        var day = d("2025-01-01")
        while day <= d("2025-12-31") { if calendar.isWorkingDay(day) { count2025 += 1 }; day = day.adding(days: 1) }
        day = d("2026-01-01")
        while day <= d("2026-12-31") { if calendar.isWorkingDay(day) { count2026 += 1 }; day = day.adding(days: 1) }
        #expect(count2025 == 248)
        #expect(count2026 == 248)
        #expect(calendar.workingDays(from: d("2025-12-31"), to: d("2026-12-31")) == 248)
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
            #expect(calendar.kind(of: d(first)) == .holiday(name))
            #expect(calendar.kind(of: d(last)) == .holiday(name))
            let before = calendar.kind(of: d(first).adding(days: -1)), after = calendar.kind(of: d(last).adding(days: 1))
            #expect(before != .holiday(name) && after != .holiday(name), "\(name) \(first)")
        }
        for (date, name) in [("2025-01-26", "春节调休上班"), ("2025-02-08", "春节调休上班"), ("2025-04-27", "劳动节调休上班"),
                             ("2025-09-28", "国庆节调休上班"), ("2025-10-11", "国庆节调休上班"), ("2026-01-04", "元旦调休上班"),
                             ("2026-02-14", "春节调休上班"), ("2026-02-28", "春节调休上班"), ("2026-05-09", "劳动节调休上班"),
                             ("2026-09-20", "中秋节调休上班"), ("2026-10-10", "国庆节调休上班")] {
            #expect(calendar.kind(of: d(date)) == .adjustedWorkday(name))
            #expect(d(date).isWeekend)
        }
        #expect(calendar.kind(of: d("2026-11-28")) == .weekend)
        #expect(calendar.kind(of: d("2026-11-30")) == .workday)
    }

    @Test func aYearWithoutItsNoticeGetsAProvisionalCalendarOfStatutoryHolidays() throws {
        let calendar = try #require(calendar)
        #expect(!calendar.isOfficial(2027))
        // The night of 23 December 2026 raises tasks due in 2027: a provisional date, never a failure.
        #expect(calendar.deadline(workingDays: 7, after: d("2026-12-23")) == .init(date: d("2027-01-04"), provisional: true))
        #expect(calendar.deadline(workingDays: 7, after: d("2026-12-21")) == .init(date: d("2026-12-30"), provisional: false))
        #expect(calendar.kind(of: d("2027-01-01")) == .holiday("元旦，暂定"))
        // 春节 is 除夕 to 正月初三: 2027-02-05 (Friday) to 2027-02-08 (Monday), from the lunar table.
        #expect(calendar.kind(of: d("2027-02-04")) == .workday)
        #expect(calendar.kind(of: d("2027-02-05")) == .holiday("春节，暂定"))
        #expect(calendar.kind(of: d("2027-02-08")) == .holiday("春节，暂定"))
        #expect(calendar.kind(of: d("2027-02-09")) == .workday)
        #expect(calendar.kind(of: d("2027-04-05")) == .holiday("清明节，暂定"))
        #expect(calendar.kind(of: d("2027-05-02")) == .holiday("劳动节，暂定"))
        #expect(calendar.kind(of: d("2027-05-03")) == .workday)
        #expect(calendar.kind(of: d("2027-06-09")) == .holiday("端午节，暂定"))
        #expect(calendar.kind(of: d("2027-09-15")) == .holiday("中秋节，暂定"))
        #expect(calendar.kind(of: d("2027-10-03")) == .holiday("国庆节，暂定"))
        #expect(calendar.kind(of: d("2027-10-04")) == .workday)
        // 365 days - 104 weekend days - 7 holidays on weekdays; no 调休 can be predicted.
        #expect(calendar.workingDays(from: d("2026-12-31"), to: d("2027-12-31")) == 254)
        #expect(calendar.coverage(of: 2027) == "2027年：暂定日历（国务院放假安排尚未发布；按法定节假日推算，春节、清明、端午、中秋按农历及节气推算，不含调休）")
        #expect(calendar.coverage(of: 2026) == "2026年：国务院办公厅关于2026年部分节假日安排的通知")
    }

    @Test func aYearBeyondTheLunarTableKeepsOnlyTheFixedHolidaysAndSaysSo() throws {
        let calendar = try #require(calendar)
        #expect(calendar.kind(of: d("2099-01-01")) == .holiday("元旦，暂定"))
        #expect(calendar.kind(of: d("2099-10-02")) == .holiday("国庆节，暂定"))
        #expect(calendar.coverage(of: 2099).contains("春节、清明、端午、中秋日期未知，暂未计入"))
    }

    @Test func warnsFromTheFirstOfDecemberWhenNextYearsNoticeIsMissing() throws {
        let calendar = try #require(calendar)
        #expect(calendar.missingNoticeWarning(today: d("2026-11-30")) == nil)
        let december = try #require(calendar.missingNoticeWarning(today: d("2026-12-01")))
        #expect(december.hasPrefix("no official working-day calendar for 2027: deadlines there are provisional"))
        #expect(calendar.missingNoticeWarning(today: d("2027-01-05"))?.hasPrefix("no official working-day calendar for 2027:") == true)
        #expect(calendar.missingNoticeWarning(today: d("2025-12-01")) == nil)
    }

    @Test func theOfficialFileWinsOverTheProvisionalDays() throws {
        // A folder with a notice for 2027 (written here for the test: a hypothetical schedule, not the real one).
        let folder = try Paths.temporaryDirectory()
        for name in ["2026.json", WorkingDayCalendar.festivalsFile] {
            try FileManager.default.copyItem(at: Paths.packageRoot.appendingPathComponent("Pipelines/calendar/" + name),
                                             to: folder.appendingPathComponent(name))
        }
        try #"{"year": 2027, "source": "test notice", "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-04"}], "workingWeekendDays": [{"date": "2027-01-09", "name": "元旦调休上班"}]}"#
            .write(to: folder.appendingPathComponent("2027.json"), atomically: true, encoding: .utf8)
        let official = try WorkingDayCalendar.load(directory: folder.path)
        #expect(official.deadline(workingDays: 7, after: d("2026-12-23")) == .init(date: d("2027-01-05"), provisional: false))
        #expect(official.kind(of: d("2027-02-08")) == .workday)   // the notice is all there is for its year
        #expect(official.kind(of: d("2027-01-09")) == .adjustedWorkday("元旦调休上班"))
        #expect(official.missingNoticeWarning(today: d("2026-12-01")) == nil)
    }

    @Test func aFestivalTableWithABadLineIsRefusedWithItsLine() throws {
        let folder = try Paths.temporaryDirectory()
        try "year\tchuxi\tchunjie\tqingming\tduanwu\tzhongqiu\n2027\t2027-02-05\t2027-02-06\t2027-04-05\t2027-06-09\n"
            .write(to: folder.appendingPathComponent(WorkingDayCalendar.festivalsFile), atomically: true, encoding: .utf8)
        #expect(throws: CalendarError.invalidFile(path: folder.appendingPathComponent(WorkingDayCalendar.festivalsFile).path,
                                                  message: "line 2: needs a year and five dates of that year")) {
            try WorkingDayCalendar.load(directory: folder.path)
        }
    }
}
