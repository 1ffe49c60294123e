/// A proleptic Gregorian calendar date in UTC, converted from and to days since 1970-01-01.
struct CivilDate: Hashable {
    var year: Int64
    /// 1…12.
    var month: Int
    /// 1…31.
    var day: Int
    /// 0 = Sunday … 6 = Saturday.
    var weekday: Int

    /// The date `days` days after 1970-01-01 (negative before it).
    init(daysSinceEpoch days: Int64) {
        // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
        let shifted = days + 719_468
        let era = CronSchedule.floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097  // 0…146096
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365  // 0…399
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // 0…365, from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153  // 0…11
        day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        month = Int(monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9)
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        weekday = Int(CronSchedule.floorDivide(days + 4, 7) * -7 + days + 4)  // 1970-01-01 was a Thursday
    }

    /// Days since 1970-01-01 of `year-month-day`.
    static func daysSinceEpoch(year: Int64, month: Int, day: Int) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = CronSchedule.floorDivide(marchYear, 400)
        let yearOfEra = marchYear - era * 400
        let monthFromMarch = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days since the epoch of the first day of the month after `date`'s.
    static func firstDayOfNextMonth(after date: CivilDate) -> Int64 {
        date.month == 12
            ? daysSinceEpoch(year: date.year + 1, month: 1, day: 1)
            : daysSinceEpoch(year: date.year, month: date.month + 1, day: 1)
    }

    /// The most days `month` can have in any year (29 for February).
    static func maxDays(inMonth month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
