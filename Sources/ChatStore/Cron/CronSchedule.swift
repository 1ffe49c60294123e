/// A standard five-field cron schedule (`minute hour day-of-month month day-of-week`), evaluated in UTC.
///
/// Each field takes `*`, numbers, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (from `a` to the field's
/// end), and comma-separated lists of these. Months take `jan`…`dec` and days of week `sun`…`sat`
/// (case-insensitive); day of week 7 is Sunday, like 0. The macros `@yearly`, `@annually`, `@monthly`,
/// `@weekly`, `@daily`, `@midnight` and `@hourly` are accepted.
///
/// As in Vixie cron, when both day of month and day of week are restricted (neither starts with `*`),
/// a day matches if *either* matches; otherwise both must.
public struct CronSchedule: Hashable, Sendable, CustomStringConvertible {
    /// Allowed minutes, bit `n` for minute `n`.
    let minutes: UInt64
    /// Allowed hours, bit `n` for hour `n`.
    let hours: UInt64
    /// Allowed days of month, bit `n` for day `n` (1…31).
    let daysOfMonth: UInt64
    /// Allowed months, bit `n` for month `n` (1…12).
    let months: UInt64
    /// Allowed days of week, bit `n` for day `n` (0 = Sunday … 6).
    let daysOfWeek: UInt64
    /// Whether the day-of-month field started with `*`.
    let dayOfMonthIsStar: Bool
    /// Whether the day-of-week field started with `*`.
    let dayOfWeekIsStar: Bool

    /// The expression as given.
    public let expression: String

    public var description: String { expression }

    /// Parses `expression`; throws ``ChatStoreError/Code/invalidCronExpression`` saying which field is wrong,
    /// or that the schedule can never fire (such as `0 0 30 2 *`).
    public init(_ expression: String) throws(ChatStoreError) {
        self.expression = expression
        var text = expression.trimmingSpaces()
        switch text.lowercased() {
        case "@yearly", "@annually": text = "0 0 1 1 *"
        case "@monthly": text = "0 0 1 * *"
        case "@weekly": text = "0 0 * * 0"
        case "@daily", "@midnight": text = "0 0 * * *"
        case "@hourly": text = "0 * * * *"
        default:
            if text.hasPrefix("@") {
                throw ChatStoreError(.invalidCronExpression, "unknown macro \"\(text)\" in \"\(expression)\"")
            }
        }
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else {
            throw ChatStoreError(
                .invalidCronExpression,
                "\"\(expression)\" has \(fields.count) fields; expected 5 (minute hour day-of-month month day-of-week)"
            )
        }
        minutes = try CronField.minute.parse(fields[0], in: expression)
        hours = try CronField.hour.parse(fields[1], in: expression)
        daysOfMonth = try CronField.dayOfMonth.parse(fields[2], in: expression)
        months = try CronField.month.parse(fields[3], in: expression)
        var weekdays = try CronField.dayOfWeek.parse(fields[4], in: expression)
        if weekdays & (1 << 7) != 0 { weekdays = (weekdays | 1) & ~(1 << 7) }
        daysOfWeek = weekdays
        dayOfMonthIsStar = fields[2].hasPrefix("*")
        dayOfWeekIsStar = fields[4].hasPrefix("*")

        if !dayOfMonthIsStar && dayOfWeekIsStar {
            let possible = (1...12).contains { month in
                months & (1 << UInt64(month)) != 0
                    && (1...CivilDate.maxDays(inMonth: month)).contains { daysOfMonth & (1 << UInt64($0)) != 0 }
            }
            guard possible else {
                throw ChatStoreError(.invalidCronExpression, "\"\(expression)\" names no day that exists in its months")
            }
        }
    }

    /// The first fire time strictly after `epochMilliseconds`, in milliseconds since the Unix epoch (always
    /// on a whole minute), or `nil` if none within 400 years.
    public func nextFireTime(after epochMilliseconds: Int64) -> Int64? {
        // Start at the next whole minute after the given instant.
        var minuteOfEpoch = Self.floorDivide(epochMilliseconds, 60_000) + 1
        let limitDay = Self.floorDivide(minuteOfEpoch, 1440) + 146_097  // 400 Gregorian years
        while true {
            let day = Self.floorDivide(minuteOfEpoch, 1440)
            guard day <= limitDay else { return nil }
            let date = CivilDate(daysSinceEpoch: day)
            if months & (1 << UInt64(date.month)) == 0 {
                minuteOfEpoch = CivilDate.firstDayOfNextMonth(after: date) * 1440
                continue
            }
            guard matchesDay(date) else {
                minuteOfEpoch = (day + 1) * 1440
                continue
            }
            let minuteOfDay = Int(minuteOfEpoch - day * 1440)
            if let found = firstTime(atOrAfter: minuteOfDay) {
                return (day * 1440 + Int64(found)) * 60_000
            }
            minuteOfEpoch = (day + 1) * 1440
        }
    }

    /// Whether `epochMilliseconds` lies in a minute the schedule fires in.
    public func matches(epochMilliseconds: Int64) -> Bool {
        let minuteOfEpoch = Self.floorDivide(epochMilliseconds, 60_000)
        let day = Self.floorDivide(minuteOfEpoch, 1440)
        let minuteOfDay = Int(minuteOfEpoch - day * 1440)
        let date = CivilDate(daysSinceEpoch: day)
        return months & (1 << UInt64(date.month)) != 0 && matchesDay(date)
            && hours & (1 << UInt64(minuteOfDay / 60)) != 0 && minutes & (1 << UInt64(minuteOfDay % 60)) != 0
    }

    private func matchesDay(_ date: CivilDate) -> Bool {
        let domMatch = daysOfMonth & (1 << UInt64(date.day)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(date.weekday)) != 0
        if dayOfMonthIsStar || dayOfWeekIsStar { return domMatch && dowMatch }
        return domMatch || dowMatch
    }

    /// The first allowed minute of the day at or after `minuteOfDay`.
    private func firstTime(atOrAfter minuteOfDay: Int) -> Int? {
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        while hour < 24 {
            if hours & (1 << UInt64(hour)) != 0 {
                let remaining = minutes >> UInt64(minute)
                if remaining != 0 { return hour * 60 + minute + remaining.trailingZeroBitCount }
            }
            hour += 1
            minute = 0
        }
        return nil
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\n" })
        else { return "" }
        return String(scalars[first...last])
    }
}
