import NIOCore

/// What one pending subscription command still waits for.
package struct RedisSubscriptionExpectation: Sendable, Hashable {
    /// The family of the command.
    package var kind: RedisSubscriptionKind
    /// `true` for (P|S)SUBSCRIBE, `false` for (P|S)UNSUBSCRIBE.
    package var isSubscribe: Bool
    /// Confirmations still to come (one per channel argument, or per channel dropped by an argument-less
    /// unsubscribe, and at least one).
    package var remaining: Int
}

/// Keeps track of a connection's pub/sub subscriptions, both as the server will see them once every
/// command sent so far is processed ("projected", known at send time) and as the server confirmed them.
package struct RedisSubscriptionBook: Sendable {
    private var projected: [RedisSubscriptionKind: Set<String>] = [:]
    /// Channels and patterns the server has confirmed, by family.
    package private(set) var confirmed: [RedisSubscriptionKind: Set<String>] = [:]

    package init() {}

    /// Whether any subscription exists or is about to.
    package var isEmpty: Bool {
        projected.values.allSatisfy(\.isEmpty) && confirmed.values.allSatisfy(\.isEmpty)
    }

    /// Recognises a subscription command and records its effect, which the server will apply in order.
    ///
    /// - Returns: what the command waits for, or `nil` if it is not a subscription command (or has no
    ///   argument where one is required, so the server will answer with an ordinary error).
    package mutating func commandSent(_ command: RESPCommand) -> RedisSubscriptionExpectation? {
        guard command.name.utf8.count <= 12,
            let (kind, isSubscribe) = Self.classify(command: command.name)
        else { return nil }
        let arguments = command.arguments.map { String(buffer: $0) }
        if isSubscribe {
            guard !arguments.isEmpty else { return nil }
            projected[kind, default: []].formUnion(arguments)
            return RedisSubscriptionExpectation(kind: kind, isSubscribe: true, remaining: arguments.count)
        }
        if arguments.isEmpty {
            let count = projected[kind]?.count ?? 0
            projected[kind] = []
            return RedisSubscriptionExpectation(kind: kind, isSubscribe: false, remaining: max(1, count))
        }
        projected[kind, default: []].subtract(arguments)
        return RedisSubscriptionExpectation(kind: kind, isSubscribe: false, remaining: arguments.count)
    }

    /// Records a confirmation from the server.
    package mutating func confirmed(kind: RedisSubscriptionKind, isSubscribe: Bool, channel: String?) {
        guard let channel else { return }
        if isSubscribe {
            confirmed[kind, default: []].insert(channel)
        } else {
            confirmed[kind]?.remove(channel)
        }
    }

    /// Records that the server dropped a subscription on its own.
    package mutating func serverUnsubscribed(kind: RedisSubscriptionKind, channel: String) {
        confirmed[kind]?.remove(channel)
        projected[kind]?.remove(channel)
    }

    static func classify(command name: String) -> (RedisSubscriptionKind, Bool)? {
        switch name.uppercased() {
        case "SUBSCRIBE": (.channel, true)
        case "UNSUBSCRIBE": (.channel, false)
        case "PSUBSCRIBE": (.pattern, true)
        case "PUNSUBSCRIBE": (.pattern, false)
        case "SSUBSCRIBE": (.shardChannel, true)
        case "SUNSUBSCRIBE": (.shardChannel, false)
        default: nil
        }
    }

    static func classify(push name: ByteBuffer) -> PushName? {
        switch name.readableBytesView.count {
        case 7...12: break
        default: return nil
        }
        switch String(buffer: name).lowercased() {
        case "message": return .message(.channel)
        case "pmessage": return .message(.pattern)
        case "smessage": return .message(.shardChannel)
        case "subscribe": return .confirmation(.channel, isSubscribe: true)
        case "unsubscribe": return .confirmation(.channel, isSubscribe: false)
        case "psubscribe": return .confirmation(.pattern, isSubscribe: true)
        case "punsubscribe": return .confirmation(.pattern, isSubscribe: false)
        case "ssubscribe": return .confirmation(.shardChannel, isSubscribe: true)
        case "sunsubscribe": return .confirmation(.shardChannel, isSubscribe: false)
        default: return nil
        }
    }

    enum PushName {
        case message(RedisSubscriptionKind)
        case confirmation(RedisSubscriptionKind, isSubscribe: Bool)
    }
}
