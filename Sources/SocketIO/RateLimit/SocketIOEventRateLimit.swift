/// A per-socket limit on inbound events: a token bucket of ``burst`` events refilled at
/// ``eventsPerSecond``. Each socket has its own bucket; one noisy client never slows the others.
///
/// ```swift
/// SocketIOServer.Configuration(eventRateLimit: .init(eventsPerSecond: 10, burst: 20, reaction: .dropWithError))
/// ```
public struct SocketIOEventRateLimit: Sendable, Hashable {
    /// What happens to an event over the limit.
    public struct Reaction: Sendable, Hashable {
        enum Base: Sendable, Hashable { case dropWithError, disconnect }
        let base: Base
        /// The event is dropped; the client receives an `error` event
        /// `{"message":"rate limit exceeded","event":...}` and the socket's error handlers a
        /// ``SocketIORateLimitError``.
        public static let dropWithError = Reaction(base: .dropWithError)
        /// The event is dropped and the socket disconnected ("server namespace disconnect").
        public static let disconnect = Reaction(base: .disconnect)
    }

    /// Sustained rate, in events per second (≥ 0).
    public var eventsPerSecond: Double
    /// How many events may arrive at once (≥ 1).
    public var burst: Int
    /// What happens to an event over the limit.
    public var reaction: Reaction

    /// Creates a limit.
    public init(eventsPerSecond: Double, burst: Int, reaction: Reaction = .dropWithError) {
        self.eventsPerSecond = eventsPerSecond
        self.burst = burst
        self.reaction = reaction
    }
}

/// An inbound event was refused by the socket's rate limit.
public struct SocketIORateLimitError: Error, Hashable, Sendable {
    /// The refused event's name.
    public var event: String

    /// Creates the error.
    public init(event: String) { self.event = event }
}
