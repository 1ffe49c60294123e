/// Makes server-assigned message ids that sort by time: `<ms base 36, 9 digits>-<sequence base 36>`.
///
/// Ids made in the same millisecond get increasing sequence numbers; a clock that steps back never makes
/// an id sort before one already issued.
public struct MessageIDGenerator: Sendable {
    private var lastMilliseconds: Int64 = 0
    private var sequence: Int = 0

    /// Creates a generator.
    public init() {}

    /// The next id for a message accepted at `nowMilliseconds`, and the timestamp to record with it.
    public mutating func next(nowMilliseconds: Int64) -> (id: String, timestamp: Int64) {
        if nowMilliseconds > lastMilliseconds {
            lastMilliseconds = nowMilliseconds
            sequence = 0
        } else {
            sequence += 1
        }
        let time = String(lastMilliseconds, radix: 36)
        let padded = String(repeating: "0", count: max(0, 9 - time.count)) + time
        let seq = String(sequence, radix: 36)
        let paddedSeq = String(repeating: "0", count: max(0, 4 - seq.count)) + seq
        return ("\(padded)-\(paddedSeq)", lastMilliseconds)
    }
}
