@testable import ChatStore
import Testing

/// Milliseconds since the epoch of a UTC date and time.
func utc(_ year: Int64, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
    (CivilDate.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000
}

@Suite struct CivilDateTests {
    @Test func knownDatesConvertBothWays() {
        #expect(CivilDate.daysSinceEpoch(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.daysSinceEpoch(year: 2000, month: 3, day: 1) == 11_017)
        #expect(CivilDate.daysSinceEpoch(year: 1969, month: 12, day: 31) == -1)
        let date = CivilDate(daysSinceEpoch: 20_415)  // 2025-11-23, a Sunday
        #expect(date.year == 2025 && date.month == 11 && date.day == 23 && date.weekday == 0)
        let before = CivilDate(daysSinceEpoch: -1)
        #expect(before.year == 1969 && before.month == 12 && before.day == 31 && before.weekday == 3)
    }

    @Test func everyDayOverFourHundredYearsRoundTrips() {
        var weekday = 4
        for days in Int64(-3_000)..<Int64(146_097) {
            let date = CivilDate(daysSinceEpoch: days)
            #expect(CivilDate.daysSinceEpoch(year: date.year, month: date.month, day: date.day) == days)
            let expectedWeekday = ((Int(days % 7) + 4) % 7 + 7) % 7
            if date.weekday != expectedWeekday { Issue.record("weekday of day \(days)"); break }
            weekday = date.weekday
        }
        _ = weekday
    }
}

@Suite struct CronScheduleTests {
    func next(_ expression: String, after time: Int64) throws -> Int64? {
        try CronSchedule(expression).nextFireTime(after: time)
    }

    @Test func everyMinuteFiresAtTheNextWholeMinute() throws {
        #expect(try next("* * * * *", after: utc(2026, 11, 23, 18, 25, 30)) == utc(2026, 11, 23, 18, 26))
        #expect(try next("* * * * *", after: utc(2026, 11, 23, 18, 25)) == utc(2026, 11, 23, 18, 26))
        #expect(try next("* * * * *", after: utc(2026, 12, 31, 23, 59, 59)) == utc(2027, 1, 1, 0, 0))
    }

    @Test func stepsOfFiveMinutes() throws {
        #expect(try next("*/5 * * * *", after: utc(2026, 1, 1, 10, 2)) == utc(2026, 1, 1, 10, 5))
        #expect(try next("*/5 * * * *", after: utc(2026, 1, 1, 10, 55)) == utc(2026, 1, 1, 11, 0))
    }

    @Test func listsRangesAndRangeSteps() throws {
        #expect(try next("0,30 9-17/4 * * *", after: utc(2026, 1, 1, 9, 0)) == utc(2026, 1, 1, 9, 30))
        #expect(try next("0,30 9-17/4 * * *", after: utc(2026, 1, 1, 9, 30)) == utc(2026, 1, 1, 13, 0))
        #expect(try next("0,30 9-17/4 * * *", after: utc(2026, 1, 1, 17, 30)) == utc(2026, 1, 2, 9, 0))
        #expect(try next("10/20 * * * *", after: utc(2026, 1, 1, 0, 31)) == utc(2026, 1, 1, 0, 50))
    }

    @Test func monthAndWeekdayNamesAreCaseInsensitive() throws {
        // 2026-01-01 is a Thursday; the first Monday of February 2026 is the 2nd.
        #expect(try next("0 12 * FEB mon", after: utc(2026, 1, 1)) == utc(2026, 2, 2, 12, 0))
        #expect(try next("0 0 * * Mon-Fri", after: utc(2026, 1, 2, 12)) == utc(2026, 1, 5))
        #expect(try next("0 0 1 jan-mar/2 *", after: utc(2026, 1, 15)) == utc(2026, 3, 1))
    }

    @Test func sundayIsZeroOrSeven() throws {
        #expect(try next("0 0 * * 7", after: utc(2026, 1, 1)) == utc(2026, 1, 4))
        #expect(try next("0 0 * * 0", after: utc(2026, 1, 1)) == utc(2026, 1, 4))
        #expect(try next("0 0 * * 5-7", after: utc(2026, 1, 3, 1)) == utc(2026, 1, 4))
    }

    @Test func restrictedDayOfMonthAndWeekdayMatchEither() throws {
        // The 13th, or any Friday: from Thursday 2026-01-01, Friday the 2nd comes first.
        #expect(try next("0 0 13 * fri", after: utc(2026, 1, 1)) == utc(2026, 1, 2))
        // With a star weekday only the 13th counts.
        #expect(try next("0 0 13 * *", after: utc(2026, 1, 1)) == utc(2026, 1, 13))
        // A stepped star still counts as star for this rule.
        #expect(try next("0 0 13 * */1", after: utc(2026, 1, 1)) == utc(2026, 1, 13))
    }

    @Test func leapDayIsFound() throws {
        #expect(try next("0 0 29 2 *", after: utc(2026, 1, 1)) == utc(2028, 2, 29))
        // Restricted day and weekday: the 29th or any Monday, but only in February.
        #expect(try next("0 0 29 2 mon", after: utc(2026, 3, 1)) == utc(2027, 2, 1))
    }

    @Test func macrosExpand() throws {
        #expect(try next("@hourly", after: utc(2026, 5, 5, 5, 5)) == utc(2026, 5, 5, 6))
        #expect(try next("@daily", after: utc(2026, 5, 5, 5, 5)) == utc(2026, 5, 6))
        #expect(try next("@midnight", after: utc(2026, 5, 5, 5, 5)) == utc(2026, 5, 6))
        #expect(try next("@weekly", after: utc(2026, 1, 1)) == utc(2026, 1, 4))
        #expect(try next("@monthly", after: utc(2026, 1, 1)) == utc(2026, 2, 1))
        #expect(try next("@yearly", after: utc(2026, 1, 1)) == utc(2027, 1, 1))
        #expect(try next("@annually", after: utc(2026, 1, 1)) == utc(2027, 1, 1))
    }

    @Test func surroundingWhitespaceAndTabsAreAllowed() throws {
        #expect(try next("  0\t0  * * *  ", after: utc(2026, 1, 1, 1)) == utc(2026, 1, 2))
    }

    @Test func matchesReportsFiringMinutes() throws {
        let schedule = try CronSchedule("*/15 8 * * *")
        #expect(schedule.matches(epochMilliseconds: utc(2026, 1, 1, 8, 45, 59)))
        #expect(!schedule.matches(epochMilliseconds: utc(2026, 1, 1, 8, 46)))
        #expect(!schedule.matches(epochMilliseconds: utc(2026, 1, 1, 9, 0)))
    }

    @Test func everyResultMatchesAndNothingInBetweenDoes() throws {
        let schedule = try CronSchedule("7-9,40 */7 1,15 * *")
        var time = utc(2026, 1, 1)
        for _ in 0..<20 {
            let fire = try #require(schedule.nextFireTime(after: time))
            #expect(schedule.matches(epochMilliseconds: fire))
            var probe = time + 60_000 - (time % 60_000)
            while probe < fire {
                if schedule.matches(epochMilliseconds: probe) { Issue.record("missed \(probe)"); return }
                probe += 60_000
            }
            time = fire
        }
    }

    @Test(arguments: [
        ("", "has 0 fields"),
        ("* * * *", "has 4 fields"),
        ("* * * * * *", "has 6 fields"),
        ("60 * * * *", "minute field of \"60 * * * *\": 60 is outside 0…59"),
        ("* 24 * * *", "hour field"),
        ("* * 0 * *", "day-of-month field"),
        ("* * 32 * *", "day-of-month field"),
        ("* * * 13 *", "month field"),
        ("* * * * 8", "day-of-week field"),
        ("*/0 * * * *", "step \"0\""),
        ("5-1 * * * *", "runs backwards"),
        ("1,,2 * * * *", "empty list item"),
        ("1/2/3 * * * *", "more than one '/'"),
        ("x * * * *", "\"x\" is not a minute value"),
        ("* * * foo *", "\"foo\" is not a month value"),
        ("* * * * -1", "day-of-week field"),
        ("@reboot", "unknown macro"),
        ("0 0 30 2 *", "names no day that exists"),
        ("0 0 31 4,6 *", "names no day that exists"),
    ])
    func invalidExpressionsAreClearErrors(_ expression: String, _ fragment: String) {
        #expect {
            _ = try CronSchedule(expression)
        } throws: { error in
            guard let error = error as? ChatStoreError, error.code == .invalidCronExpression else { return false }
            return error.message.contains(fragment)
        }
    }

    @Test func impossibleDayWithWeekdayStillFiresOnTheWeekday() throws {
        // Day 30 never exists in February, but a restricted weekday makes the schedule fire on Mondays.
        #expect(try next("0 0 30 2 mon", after: utc(2026, 1, 1)) == utc(2026, 2, 2))
    }
}
