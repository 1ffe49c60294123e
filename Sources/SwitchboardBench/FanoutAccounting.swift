import NIOCore

/// The body of a fan-out message: `"<sender>:<sequence>:<sent ns>:<padding>"`, a JSON string so any
/// server passes it through untouched. Written and read without allocating.
enum FanoutPayload {
    /// Writes the JSON string (with quotes).
    static func write(sender: Int, sequence: UInt64, sentNanos: UInt64, padding: ByteBuffer, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        Decimal.write(UInt64(sender), into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        Decimal.write(sequence, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        Decimal.write(sentNanos, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        var pad = padding
        buffer.writeBuffer(&pad)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// The encoded length of ``write(sender:sequence:sentNanos:padding:into:)``.
    static func length(sender: Int, sequence: UInt64, sentNanos: UInt64, paddingLength: Int) -> Int {
        2 + Decimal.length(of: UInt64(sender)) + 1 + Decimal.length(of: sequence) + 1
            + Decimal.length(of: sentNanos) + 1 + paddingLength
    }

    /// The `bcast` event's arguments prefix, `["bcast","`.
    static let eventPrefix: [UInt8] = Array(#"["bcast",""#.utf8)

    /// Reads sender, sequence and send time from the arguments of a `bcast` event
    /// (`["bcast","s:q:t:…"]`); `nil` if it is not one.
    static func parse(arguments: ByteBuffer) -> (sender: Int, sequence: UInt64, sentNanos: UInt64)? {
        var buffer = arguments
        guard let prefix = buffer.readBytes(length: eventPrefix.count), prefix == eventPrefix else { return nil }
        guard let sender = Decimal.read(from: &buffer), buffer.readInteger(as: UInt8.self) == UInt8(ascii: ":"),
              let sequence = Decimal.read(from: &buffer), buffer.readInteger(as: UInt8.self) == UInt8(ascii: ":"),
              let sent = Decimal.read(from: &buffer), buffer.readInteger(as: UInt8.self) == UInt8(ascii: ":"),
              sender <= UInt64(Int.max)
        else { return nil }
        return (Int(sender), sequence, sent)
    }
}

/// What one receiver has seen from each sender: the highest sequence number so far, and how many
/// arrived out of order (a sequence number not above the highest seen from that sender).
struct FanoutReceiverLedger: Sendable {
    private var highest: [UInt64]
    private var seen: [Bool]
    /// Deliveries counted, all senders.
    private(set) var received: UInt64 = 0
    /// Order violations per sender.
    private(set) var orderViolations: [UInt64]

    init(senderCount: Int) {
        highest = Array(repeating: 0, count: senderCount)
        seen = Array(repeating: false, count: senderCount)
        orderViolations = Array(repeating: 0, count: senderCount)
    }

    /// Records one delivery. Returns `false` for an unknown sender (not counted).
    mutating func record(sender: Int, sequence: UInt64) -> Bool {
        guard sender >= 0, sender < highest.count else { return false }
        received += 1
        if seen[sender], sequence <= highest[sender] {
            orderViolations[sender] += 1
        } else {
            highest[sender] = sequence
            seen[sender] = true
        }
        return true
    }
}

/// Totals for a fan-out run.
struct FanoutTotals: Hashable, Sendable {
    /// Messages emitted by all senders.
    var sent: UInt64
    /// Members of the room (every client joins, senders included).
    var roomSize: UInt64
    /// Deliveries observed by all receivers.
    var received: UInt64

    /// Deliveries the server owed: every sent message to every member, sender included.
    var expected: UInt64 { sent * roomSize }

    /// `received / expected`, or 1 when nothing was expected.
    var deliveryRatio: Double {
        expected == 0 ? 1 : Double(received) / Double(expected)
    }
}
