/// One of the five cron fields: its bounds and names.
enum CronField {
    case minute, hour, dayOfMonth, month, dayOfWeek

    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Names allowed in place of numbers, mapped to their numbers.
    var names: [String: Int] {
        switch self {
        case .month:
            ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
             "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
        case .dayOfWeek:
            ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
        case .minute, .hour, .dayOfMonth:
            [:]
        }
    }

    /// Parses a comma-separated list into a bit set (bit `n` for value `n`).
    func parse(_ text: Substring, in expression: String) throws(ChatStoreError) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            bits |= try parseItem(item, in: expression)
        }
        return bits
    }

    private func parseItem(_ item: Substring, in expression: String) throws(ChatStoreError) -> UInt64 {
        guard !item.isEmpty else { throw error("empty list item", expression) }
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw error("\"\(item)\" has more than one '/'", expression) }
        var step = 1
        if parts.count == 2 {
            guard let value = Self.number(parts[1]), value >= 1, value <= bounds.upperBound + 1 else {
                throw error("step \"\(parts[1])\" is not a number in 1…\(bounds.upperBound + 1)", expression)
            }
            step = value
        }
        let rangeText = parts[0]
        let range: ClosedRange<Int>
        if rangeText == "*" {
            range = bounds
        } else if let dash = rangeText.firstIndex(of: "-") {
            let low = try value(rangeText[rangeText.startIndex..<dash], in: expression)
            let high = try value(rangeText[rangeText.index(after: dash)...], in: expression)
            guard low <= high else { throw error("range \"\(rangeText)\" runs backwards", expression) }
            range = low...high
        } else {
            let start = try value(rangeText, in: expression)
            // `a/n` means from `a` to the end of the field.
            range = parts.count == 2 ? start...bounds.upperBound : start...start
        }
        var bits: UInt64 = 0
        for value in stride(from: range.lowerBound, through: range.upperBound, by: step) {
            bits |= 1 << UInt64(value)
        }
        return bits
    }

    private func value(_ text: Substring, in expression: String) throws(ChatStoreError) -> Int {
        if let named = names[text.lowercased()] { return named }
        guard let number = Self.number(text) else {
            throw error("\"\(text)\" is not a \(name) value", expression)
        }
        guard bounds.contains(number) else {
            throw error("\(number) is outside \(bounds.lowerBound)…\(bounds.upperBound)", expression)
        }
        return number
    }

    /// One to three ASCII digits, nothing else.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 3,
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int(text)
    }

    private func error(_ detail: String, _ expression: String) -> ChatStoreError {
        ChatStoreError(.invalidCronExpression, "\(name) field of \"\(expression)\": \(detail)")
    }
}
