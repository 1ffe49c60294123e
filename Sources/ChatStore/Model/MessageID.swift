/// A server-assigned, time-ordered message identifier.
///
/// The raw value packs the creation time in milliseconds since the Unix epoch into the high 41+ bits and a
/// per-millisecond sequence number into the low ``sequenceBits`` bits, so that ordering raw values orders
/// messages by time, then by arrival. Its text form is `"<milliseconds>-<sequence>"`, the same shape as a
/// Redis stream entry ID, and is what clients use as a history cursor.
public struct MessageID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Number of low bits that hold the sequence number (at most 4 194 303 messages per millisecond).
    public static let sequenceBits = 22
    /// The largest sequence number that fits.
    public static let maxSequence: UInt64 = (1 << UInt64(sequenceBits)) - 1
    /// The largest millisecond timestamp that fits (year 2248 or so).
    public static let maxMilliseconds: UInt64 = UInt64(Int64.max) >> UInt64(sequenceBits)

    /// The packed value: `milliseconds << sequenceBits | sequence`. Never negative.
    public let rawValue: Int64

    /// Wraps a packed value; `nil` when it is negative.
    public init?(rawValue: Int64) {
        guard rawValue >= 0 else { return nil }
        self.rawValue = rawValue
    }

    /// Builds an ID from its parts; `nil` when either part does not fit.
    public init?(milliseconds: UInt64, sequence: UInt64) {
        guard milliseconds <= Self.maxMilliseconds, sequence <= Self.maxSequence else { return nil }
        self.rawValue = Int64(milliseconds << UInt64(Self.sequenceBits) | sequence)
    }

    /// Parses the text form `"<milliseconds>-<sequence>"` (both decimal, no sign, no spaces); `nil` if malformed
    /// or out of range.
    public init?(_ text: some StringProtocol) {
        guard let dash = text.firstIndex(of: "-") else { return nil }
        let millisecondsText = text[text.startIndex..<dash]
        let sequenceText = text[text.index(after: dash)...]
        guard let milliseconds = Self.parseDecimal(millisecondsText),
            let sequence = Self.parseDecimal(sequenceText)
        else { return nil }
        self.init(milliseconds: milliseconds, sequence: sequence)
    }

    /// The creation time in milliseconds since the Unix epoch.
    public var milliseconds: UInt64 { UInt64(rawValue) >> UInt64(Self.sequenceBits) }

    /// The sequence number within ``milliseconds``.
    public var sequence: UInt64 { UInt64(rawValue) & Self.maxSequence }

    /// `"<milliseconds>-<sequence>"`.
    public var description: String { "\(milliseconds)-\(sequence)" }

    /// The smallest possible ID.
    public static let zero = MessageID(rawValue: 0)!

    public static func < (lhs: MessageID, rhs: MessageID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func parseDecimal(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20 else { return nil }
        var value: UInt64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}

/// Hands out strictly increasing ``MessageID``s from a wall clock that may stand still or step back.
///
/// Pure: the caller passes the current time. When the clock has not advanced past the last ID's millisecond,
/// the next ID keeps that millisecond and increments the sequence; when the sequence is exhausted it borrows
/// the next millisecond.
public struct MessageIDGenerator: Sendable {
    /// The last ID handed out, if any.
    public private(set) var last: MessageID?

    /// Starts after `last` (for example the newest stored ID after a restart).
    public init(after last: MessageID? = nil) {
        self.last = last
    }

    /// Returns the next ID for a message created at `nowMilliseconds` (ms since the Unix epoch).
    public mutating func next(nowMilliseconds: UInt64) -> MessageID {
        let now = min(nowMilliseconds, MessageID.maxMilliseconds)
        let id: MessageID
        if let last, now <= last.milliseconds {
            if last.sequence < MessageID.maxSequence {
                id = MessageID(milliseconds: last.milliseconds, sequence: last.sequence + 1)!
            } else {
                id = MessageID(milliseconds: last.milliseconds + 1, sequence: 0)!
            }
        } else {
            id = MessageID(milliseconds: now, sequence: 0)!
        }
        last = id
        return id
    }
}
