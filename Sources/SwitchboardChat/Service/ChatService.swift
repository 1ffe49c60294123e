import ChatStore
import Logging
import NIOConcurrencyHelpers

/// The chat's use cases over the directory and the message store: accounts, rooms, messages and the live
/// signals (typing, presence, rate limits). Transport-free: the HTTP routes and Socket.IO handlers call
/// it and turn its results and ``ChatError``s into replies and broadcasts.
final class ChatService: Sendable {
    /// In-memory state shared by all sockets; every access holds the lock.
    struct LiveState: Sendable {
        var typing: TypingTracker
        var presence = PresenceCounter()
        var sendLimiter: RateLimiter
        var loginLimiter: RateLimiter
        var registrationLimiter: RateLimiter
        /// Users by id (names never change, so entries never go stale).
        var users: [String: ChatUser] = [:]
        /// Stored messages since start.
        var messagesTotal: Int64 = 0
    }

    let directory: any ChatDirectory
    let messages: MessageStore
    let limits: ChatLimits
    let hasher: PasswordHasher
    let tokens: TokenAuthority
    let clock: @Sendable () -> Int64
    let logger: Logger
    let live: NIOLockedValueBox<LiveState>

    init(
        directory: any ChatDirectory, messages: MessageStore, limits: ChatLimits, hasher: PasswordHasher,
        tokens: TokenAuthority, clock: @escaping @Sendable () -> Int64, logger: Logger
    ) {
        self.directory = directory
        self.messages = messages
        self.limits = limits
        self.hasher = hasher
        self.tokens = tokens
        self.clock = clock
        self.logger = logger
        self.live = NIOLockedValueBox(
            LiveState(
                typing: TypingTracker(
                    throttleMilliseconds: limits.typingThrottleMilliseconds,
                    expiryMilliseconds: limits.typingExpiryMilliseconds),
                sendLimiter: RateLimiter(perSecond: limits.sendsPerSecond, burst: limits.sendBurst),
                loginLimiter: RateLimiter(perSecond: limits.loginsPerSecond, burst: limits.loginBurst),
                registrationLimiter: RateLimiter(perSecond: limits.registrationsPerSecond, burst: limits.registrationBurst)))
    }

    /// The seeded public room's name.
    static let seededRoomName = "general"

    /// Creates the public room `general` unless a room of that name exists.
    func seed() async throws {
        try await directory.migrate()
        let existing = try await directory.rooms(kind: .public)
        guard !existing.contains(where: { $0.name.lowercased() == Self.seededRoomName }) else { return }
        let room = RoomRecord(
            id: "r_general", name: Self.seededRoomName, kind: .public, createdBy: "system", createdAt: clock())
        do {
            try await directory.createRoom(room, members: [])
        } catch let error as ChatStoreError where error.code == .conflict {
            // Another server seeded it first.
        }
    }

    // MARK: Store access

    /// Runs a directory or message store call, translating its failures into ``ChatError``s.
    func store<T>(_ body: () async throws -> T) async throws(ChatError) -> T {
        do {
            return try await body()
        } catch let error as ChatError {
            throw error
        } catch let error as ChatStoreError {
            throw Self.translate(error)
        } catch {
            logger.error("chat store failure", metadata: ["chat.error": "\(error)"])
            throw ChatError(.internal, "internal error")
        }
    }

    static func translate(_ error: ChatStoreError) -> ChatError {
        switch error.code {
        case .unavailable: return ChatError(.unavailable, "the message store is unavailable; nothing was stored, try again")
        case .conflict: return ChatError(.conflict, "that name is taken")
        case .invalidMessage, .invalidArgument: return ChatError(.badRequest, error.message)
        default: return ChatError(.internal, "internal error")
        }
    }

    /// The public profile of `id`, from the cache or the directory.
    func user(id: String) async throws(ChatError) -> ChatUser {
        if let cached = live.withLockedValue({ $0.users[id] }) { return cached }
        guard let record = try await store({ try await directory.user(id: id) }) else {
            // A sender whose account is gone still shows up in history.
            return ChatUser(id: id, username: "unknown", displayName: "unknown user")
        }
        return remember(ChatUser(record))
    }

    @discardableResult
    func remember(_ user: ChatUser) -> ChatUser {
        live.withLockedValue { $0.users[user.id] = user }
        return user
    }

    /// The room `id`, or `not_found`.
    func room(id: String) async throws(ChatError) -> RoomRecord {
        guard !id.isEmpty, let room = try await store({ try await directory.room(id: id) }) else {
            throw ChatError(.notFound, "no such room")
        }
        return room
    }

    /// The room `id` after checking that `user` may do `action` there. Rooms the user may not see are
    /// reported as `forbidden` too, so a non-member learns nothing beyond "no".
    func room(id: String, for user: ChatUser, action: RoomAction) async throws(ChatError) -> RoomRecord {
        let room = try await room(id: id)
        let isMember = try await store({ try await directory.isMember(room: room.id, user: user.id) })
        if let error = RoomAccessPolicy.check(action, kind: room.kind, isMember: isMember) { throw error }
        return room
    }

    var now: Int64 { clock() }
}
