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
        guard let (kind, isSubscribe) = Self.classify(command: command.name)
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

    /// Recognises a subscription command name, in any letter case, without allocating.
    static func classify(command name: String) -> (RedisSubscriptionKind, Bool)? {
        let utf8 = name.utf8
        guard (9...12).contains(utf8.count) else { return nil }
        for (candidate, result) in commandNames where asciiCaseInsensitiveEqual(utf8, candidate) {
            return result
        }
        return nil
    }

    private static let commandNames: [(String, (RedisSubscriptionKind, Bool))] = [
        ("subscribe", (.channel, true)), ("unsubscribe", (.channel, false)),
        ("psubscribe", (.pattern, true)), ("punsubscribe", (.pattern, false)),
        ("ssubscribe", (.shardChannel, true)), ("sunsubscribe", (.shardChannel, false)),
    ]

    /// Recognises the kind of a pub/sub push from its first element, without allocating.
    static func classify(push name: ByteBuffer) -> PushName? {
        let bytes = name.readableBytesView
        guard (7...12).contains(bytes.count) else { return nil }
        for (candidate, result) in pushNames where asciiCaseInsensitiveEqual(bytes, candidate) {
            return result
        }
        return nil
    }

    private static let pushNames: [(String, PushName)] = [
        ("message", .message(.channel)), ("pmessage", .message(.pattern)), ("smessage", .message(.shardChannel)),
        ("subscribe", .confirmation(.channel, isSubscribe: true)),
        ("unsubscribe", .confirmation(.channel, isSubscribe: false)),
        ("psubscribe", .confirmation(.pattern, isSubscribe: true)),
        ("punsubscribe", .confirmation(.pattern, isSubscribe: false)),
        ("ssubscribe", .confirmation(.shardChannel, isSubscribe: true)),
        ("sunsubscribe", .confirmation(.shardChannel, isSubscribe: false)),
    ]

    /// Whether `bytes` spell `lowercase` in any ASCII letter case.
    private static func asciiCaseInsensitiveEqual(_ bytes: some Collection<UInt8>, _ lowercase: String) -> Bool {
        bytes.elementsEqual(lowercase.utf8) { byte, expected in
            byte == expected || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte | 0x20 == expected)
        }
    }

    enum PushName {
        case message(RedisSubscriptionKind)
        case confirmation(RedisSubscriptionKind, isSubscribe: Bool)
    }
}
