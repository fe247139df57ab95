import Testing
@testable import OneSource

@Suite struct CivilDateTests {
    /// Four digits of year whatever its size, two of month and day, leap days, and back again.
    @Test func writesEveryDateAsYearMonthDay() throws {
        let cases: [(Int, Int, Int, String)] = [(1, 1, 1, "0001-01-01"), (999, 9, 9, "0999-09-09"), (2024, 2, 29, "2024-02-29"),
                                                 (2000, 2, 29, "2000-02-29"), (9999, 12, 31, "9999-12-31"), (1978, 10, 3, "1978-10-03")]
        for (year, month, day, text) in cases {
            let date = try #require(CivilDate(year: year, month: month, day: day))
            #expect(date.description == text)
            #expect(date.compact == text.replacingOccurrences(of: "-", with: ""))
            #expect(CivilDate(iso: text) == date)
        }
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
    }
}
