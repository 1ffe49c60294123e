/// The most recent messages of the chat, bounded, oldest first.
///
/// In memory for now; the hot store and archive (issue 5) replace it behind the same shape.
public struct MessageHistory: Sendable {
    /// How many messages are kept; older ones are dropped.
    public let capacity: Int
    private var ring: [ChatMessage] = []
    private var start = 0

    /// Creates an empty history that keeps at most `capacity` messages (at least 1).
    public init(capacity: Int = 1_000) {
        self.capacity = max(1, capacity)
        ring.reserveCapacity(min(self.capacity, 1_024))
    }

    /// The number of messages held.
    public var count: Int { ring.count }

    /// Appends a message, dropping the oldest when full.
    public mutating func append(_ message: ChatMessage) {
        if ring.count < capacity {
            ring.append(message)
        } else {
            ring[start] = message
            start = (start + 1) % capacity
        }
    }

    /// The newest `limit` messages, oldest first.
    public func latest(_ limit: Int) -> [ChatMessage] {
        let n = min(max(0, limit), ring.count)
        var result: [ChatMessage] = []
        result.reserveCapacity(n)
        for offset in (ring.count - n)..<ring.count {
            result.append(ring[(start + offset) % ring.count])
        }
        return result
    }
}
