import DequeModule
import NIOCore

/// What a Redis connection handshake sends.
package struct RedisHandshake: Sendable, Hashable {
    /// ACL user name; `nil` means `default` when a password is set.
    package var username: String?
    /// Password for `HELLO 3 AUTH` / `AUTH`; `nil` for none.
    package var password: String?
    /// Database index for `SELECT`; 0 sends nothing.
    package var database: Int
    /// Name for `CLIENT SETNAME`; `nil` for none.
    package var clientName: String?

    package init(username: String? = nil, password: String? = nil, database: Int = 0, clientName: String? = nil) {
        self.username = username
        self.password = password
        self.database = database
        self.clientName = clientName
    }
}

/// The life of one Redis connection, free of I/O: handshake, pipelined requests answered in order,
/// pub/sub pushes, timeouts and closing.
///
/// Each event is a `mutating func` returning the ``Action`` its owner must carry out. `Context` is
/// whatever the owner attaches to a request to complete it later (a promise); the machine only stores
/// it and hands it back.
package struct RedisConnectionStateMachine<Context> {
    /// What the owner must do after an event.
    package enum Action {
        /// Nothing.
        case none
        /// Write (and flush) these bytes.
        case write(ByteBuffer)
        /// Complete a request with its reply; then close the channel if `closeChannel`.
        case succeed(Context, RESPValue, closeChannel: Bool)
        /// Fail one request; then close the channel if `closeChannel`. The connection otherwise stays.
        case fail(Context, RedisError, closeChannel: Bool)
        /// Hand out-of-band data to the connection's owner.
        case deliver(RedisPush)
        /// The handshake is done: report the connection ready, then write the requests sent meanwhile.
        case handshakeCompleted(protocolVersion: Int, write: [ByteBuffer])
        /// Close the channel and fail these requests (and the handshake, if it was under way).
        case close(failing: [Context], RedisError)
        /// The channel is gone: fail these requests (and the handshake, if it was under way).
        case failAll([Context], RedisError)
    }

    enum HandshakeStep: Hashable {
        case hello, auth, setName, select
    }

    enum State {
        /// The channel is not active yet; requests are buffered.
        case idle
        /// Waiting for the reply to `step`; `remaining` follow.
        case handshaking(step: HandshakeStep, remaining: [HandshakeStep], deadline: NIODeadline?)
        case ready
        /// A graceful close was asked for: no new requests; close once `pending` is empty.
        case closing
        case closed
    }

    struct PendingRequest {
        var context: Context
        var deadline: NIODeadline?
        var subscription: RedisSubscriptionExpectation?
    }

    private var state: State = .idle
    private let handshake: RedisHandshake
    private var pending: Deque<PendingRequest> = []
    private var buffered: Deque<(command: RESPCommand, context: Context, deadline: NIODeadline?)> = []
    private var subscriptions = RedisSubscriptionBook()
    private var pendingSubscriptionRequests = 0
    /// The negotiated protocol: 3 after a successful `HELLO 3`, 2 after the fallback.
    package private(set) var protocolVersion = 3

    /// Creates a machine for a connection that is not yet active.
    package init(handshake: RedisHandshake) {
        self.handshake = handshake
    }

    /// Whether the handshake completed and the connection is neither closing nor closed.
    package var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// The number of requests sent and not answered yet.
    package var pendingCount: Int { pending.count }

    /// Channels and patterns the server has confirmed, by family.
    package var confirmedSubscriptions: [RedisSubscriptionKind: Set<String>] { subscriptions.confirmed }

    /// When ``timerFired(now:)`` should be called next, if anything can time out.
    package var nextDeadline: NIODeadline? {
        switch state {
        case .handshaking(_, _, let deadline): deadline
        case .ready, .closing: pending.first?.deadline
        case .idle, .closed: nil
        }
    }

    // MARK: Events

    /// The TCP connection is established: start the handshake with `HELLO 3`.
    package mutating func connected(handshakeDeadline: NIODeadline?) -> Action {
        guard case .idle = state else { return .none }
        var remaining: [HandshakeStep] = []
        if handshake.database != 0 { remaining.append(.select) }
        state = .handshaking(step: .hello, remaining: remaining, deadline: handshakeDeadline)
        return .write(command(for: .hello).bytes)
    }

    /// The owner wants `command` sent; `deadline` bounds the wait for its reply.
    package mutating func send(_ command: RESPCommand, context: Context, deadline: NIODeadline?) -> Action {
        switch state {
        case .idle, .handshaking:
            buffered.append((command, context, deadline))
            return .none
        case .ready:
            enqueue(command, context: context, deadline: deadline)
            return .write(command.bytes)
        case .closing, .closed:
            return .fail(context, RedisError(code: .connectionClosed, message: "the connection is closed"),
                         closeChannel: false)
        }
    }

    /// A complete value arrived from the server.
    package mutating func received(_ value: RESPValue) -> Action {
        switch state {
        case .idle:
            return closeWithError(RedisError(code: .protocolViolation, message: "data before the connection was active"))
        case .handshaking(let step, let remaining, let deadline):
            return handshakeReply(value, step: step, remaining: remaining, deadline: deadline)
        case .ready, .closing:
            return reply(value)
        case .closed:
            return .none
        }
    }

    /// The bytes from the server could not be decoded.
    package mutating func decodingFailed(_ error: RESPDecodingError) -> Action {
        closeWithError(RedisError(code: .protocolViolation, message: error.description, underlying: error))
    }

    /// The channel reported an error (I/O failure).
    package mutating func errorCaught(_ error: any Error) -> Action {
        closeWithError(RedisError(code: .connectionClosed, message: "connection error: \(error)", underlying: error))
    }

    /// The timer armed for ``nextDeadline`` fired.
    package mutating func timerFired(now: NIODeadline) -> Action {
        guard let deadline = nextDeadline, deadline <= now else { return .none }
        if case .handshaking = state {
            return closeWithError(RedisError(code: .timeout, message: "the connection handshake timed out"))
        }
        return closeWithError(RedisError(code: .timeout, message: "no reply within the command timeout"))
    }

    /// The owner wants the connection closed once every pending request is answered.
    package mutating func closeRequested() -> Action {
        switch state {
        case .idle, .handshaking:
            return closeWithError(RedisError(code: .connectionClosed, message: "the connection was closed"))
        case .ready:
            if pending.isEmpty {
                return closeWithError(RedisError(code: .connectionClosed, message: "the connection was closed"))
            }
            state = .closing
            return .none
        case .closing, .closed:
            return .none
        }
    }

    /// The channel became inactive.
    package mutating func channelInactive() -> Action {
        if case .closed = state, pending.isEmpty, buffered.isEmpty { return .none }
        state = .closed
        return .failAll(drainContexts(), RedisError(code: .connectionClosed, message: "the connection was closed"))
    }

    // MARK: Handshake

    private func command(for step: HandshakeStep) -> RESPCommand {
        switch step {
        case .hello:
            var arguments = ["3"]
            if let password = handshake.password {
                arguments += ["AUTH", handshake.username ?? "default", password]
            }
            if let name = handshake.clientName { arguments += ["SETNAME", name] }
            return RESPCommand("HELLO", arguments: arguments)
        case .auth:
            if let username = handshake.username {
                return RESPCommand("AUTH", username, handshake.password ?? "")
            }
            return RESPCommand("AUTH", handshake.password ?? "")
        case .setName:
            return RESPCommand("CLIENT", "SETNAME", handshake.clientName ?? "")
        case .select:
            return RESPCommand("SELECT", handshake.database)
        }
    }

    private mutating func handshakeReply(
        _ value: RESPValue, step: HandshakeStep, remaining: [HandshakeStep], deadline: NIODeadline?
    ) -> Action {
        if case .push = value { return .none }
        var remaining = remaining
        if value.isError {
            let message = value.string ?? ""
            switch step {
            case .hello:
                // No RESP3 (Redis < 6, or HELLO disabled): speak RESP2 and authenticate the old way.
                protocolVersion = 2
                var fallback: [HandshakeStep] = []
                if handshake.password != nil { fallback.append(.auth) }
                if handshake.clientName != nil { fallback.append(.setName) }
                remaining = fallback + remaining
            case .auth:
                return closeWithError(RedisError(code: .authenticationFailed, message: message, reply: value))
            case .setName, .select:
                return closeWithError(RedisError(code: .handshakeFailed, message: message, reply: value))
            }
        }
        guard !remaining.isEmpty else { return becomeReady() }
        let next = remaining.removeFirst()
        state = .handshaking(step: next, remaining: remaining, deadline: deadline)
        return .write(command(for: next).bytes)
    }

    private mutating func becomeReady() -> Action {
        state = .ready
        var writes: [ByteBuffer] = []
        writes.reserveCapacity(buffered.count)
        while let (command, context, deadline) = buffered.popFirst() {
            enqueue(command, context: context, deadline: deadline)
            writes.append(command.bytes)
        }
        return .handshakeCompleted(protocolVersion: protocolVersion, write: writes)
    }

    // MARK: Replies

    private mutating func enqueue(_ command: RESPCommand, context: Context, deadline: NIODeadline?) {
        let subscription = subscriptions.commandSent(command)
        if subscription != nil { pendingSubscriptionRequests += 1 }
        pending.append(PendingRequest(context: context, deadline: deadline, subscription: subscription))
    }

    /// Whether a RESP2 array may be a pub/sub message or confirmation rather than a reply.
    private var inSubscribedMode: Bool {
        pendingSubscriptionRequests > 0 || !subscriptions.isEmpty
    }

    private mutating func reply(_ value: RESPValue) -> Action {
        switch value {
        case .push(let elements):
            return push(elements, value: value)
        case .array(let elements) where protocolVersion == 2 && inSubscribedMode:
            if let first = elements.first?.bytes, RedisSubscriptionBook.classify(push: first) != nil {
                return push(elements, value: value)
            }
        default:
            break
        }
        guard let head = pending.popFirst() else {
            return closeWithError(RedisError(code: .protocolViolation, message: "a reply arrived with no command pending"))
        }
        if head.subscription != nil {
            pendingSubscriptionRequests -= 1
            guard value.isError else {
                pending.prepend(head)
                return closeWithError(RedisError(
                    code: .protocolViolation, message: "a subscription command got a reply instead of a confirmation"))
            }
        }
        return complete(head.context, with: value)
    }

    private mutating func complete(_ context: Context, with value: RESPValue) -> Action {
        let closeChannel: Bool
        if case .closing = state, pending.isEmpty {
            state = .closed
            closeChannel = true
        } else {
            closeChannel = false
        }
        if value.isError {
            let error = RedisError(code: .commandFailed, message: value.string ?? "", reply: value)
            return .fail(context, error, closeChannel: closeChannel)
        }
        return .succeed(context, value, closeChannel: closeChannel)
    }

    private mutating func push(_ elements: [RESPValue], value: RESPValue) -> Action {
        guard let name = elements.first?.bytes, let kind = RedisSubscriptionBook.classify(push: name) else {
            return .deliver(.other(value))
        }
        switch kind {
        case .message(let kind):
            let message: RedisPubSubMessage
            switch (kind, elements.count) {
            case (.pattern, 4):
                guard let pattern = elements[1].string, let channel = elements[2].string,
                    let payload = elements[3].bytes
                else { return malformedPush() }
                message = RedisPubSubMessage(kind: kind, channel: channel, pattern: pattern, payload: payload)
            case (.channel, 3), (.shardChannel, 3):
                guard let channel = elements[1].string, let payload = elements[2].bytes else { return malformedPush() }
                message = RedisPubSubMessage(kind: kind, channel: channel, payload: payload)
            default:
                return malformedPush()
            }
            return .deliver(.message(message))

        case .confirmation(let kind, let isSubscribe):
            guard elements.count == 3, elements[2].integer != nil else { return malformedPush() }
            let channel = elements[1].isNull ? nil : elements[1].string
            subscriptions.confirmed(kind: kind, isSubscribe: isSubscribe, channel: channel)
            guard var head = pending.first, var expectation = head.subscription,
                expectation.kind == kind, expectation.isSubscribe == isSubscribe
            else {
                // Not asked for: the server ended a subscription on its own.
                guard !isSubscribe, let channel else { return malformedPush() }
                subscriptions.serverUnsubscribed(kind: kind, channel: channel)
                return .deliver(.unsubscribed(kind, channel: channel))
            }
            expectation.remaining -= 1
            if expectation.remaining > 0 {
                head.subscription = expectation
                pending[pending.startIndex] = head
                return .none
            }
            pending.removeFirst()
            pendingSubscriptionRequests -= 1
            return complete(head.context, with: value)
        }
    }

    private mutating func malformedPush() -> Action {
        closeWithError(RedisError(code: .protocolViolation, message: "malformed pub/sub push"))
    }

    // MARK: Closing

    private mutating func closeWithError(_ error: RedisError) -> Action {
        if case .closed = state, pending.isEmpty, buffered.isEmpty { return .none }
        state = .closed
        return .close(failing: drainContexts(), error)
    }

    private mutating func drainContexts() -> [Context] {
        var contexts: [Context] = []
        contexts.reserveCapacity(pending.count + buffered.count)
        while let request = pending.popFirst() { contexts.append(request.context) }
        while let request = buffered.popFirst() { contexts.append(request.context) }
        pendingSubscriptionRequests = 0
        return contexts
    }
}
