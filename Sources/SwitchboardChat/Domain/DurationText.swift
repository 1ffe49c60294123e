/// Parses durations written for humans on the command line: `90` (seconds), `45s`, `30m`, `12h`, `7d`.
public enum DurationText {
    /// The number of seconds `text` stands for; `nil` when malformed, zero, negative or absurdly large.
    public static func seconds(_ text: String) -> Int64? {
        let trimmed = text.trimmedWhitespace.lowercased()
        guard let last = trimmed.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        let (digits, unit) = units[last].map { (trimmed.dropLast(), $0) } ?? (Substring(trimmed), 1)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int64(digits), value > 0 else { return nil }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, seconds <= 10 * 365 * 86_400 else { return nil }
        return seconds
    }
}
