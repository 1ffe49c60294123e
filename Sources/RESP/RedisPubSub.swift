import NIOCore

/// A family of Redis pub/sub subscriptions.
public enum RedisSubscriptionKind: Sendable, Hashable, CaseIterable {
    /// `SUBSCRIBE` / `UNSUBSCRIBE`: exact channel names.
    case channel
    /// `PSUBSCRIBE` / `PUNSUBSCRIBE`: glob-style patterns.
    case pattern
    /// `SSUBSCRIBE` / `SUNSUBSCRIBE`: shard channels (Redis 7).
    case shardChannel

    /// The command that adds subscriptions of this kind.
    public var subscribeCommand: String {
        switch self {
        case .channel: "SUBSCRIBE"
        case .pattern: "PSUBSCRIBE"
        case .shardChannel: "SSUBSCRIBE"
        }
    }

    /// The command that removes subscriptions of this kind.
    public var unsubscribeCommand: String {
        switch self {
        case .channel: "UNSUBSCRIBE"
        case .pattern: "PUNSUBSCRIBE"
        case .shardChannel: "SUNSUBSCRIBE"
        }
    }
}

/// A message published to a channel the connection is subscribed to.
public struct RedisPubSubMessage: Sendable, Hashable {
    /// The subscription family that matched: ``RedisSubscriptionKind/pattern`` for `pmessage`.
    public var kind: RedisSubscriptionKind
    /// The channel the message was published to.
    public var channel: String
    /// The pattern that matched, for pattern subscriptions.
    public var pattern: String?
    /// The published bytes.
    public var payload: ByteBuffer

    /// Creates a message.
    public init(kind: RedisSubscriptionKind, channel: String, pattern: String? = nil, payload: ByteBuffer) {
        self.kind = kind
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
    }
}

/// Out-of-band data a connection hands to its owner rather than to a pending command.
public enum RedisPush: Sendable, Hashable {
    /// A pub/sub message.
    case message(RedisPubSubMessage)
    /// The server ended a subscription on its own (e.g. a shard channel whose slot moved).
    case unsubscribed(RedisSubscriptionKind, channel: String)
    /// Any other RESP3 push, such as client-side caching `invalidate`.
    case other(RESPValue)
}
