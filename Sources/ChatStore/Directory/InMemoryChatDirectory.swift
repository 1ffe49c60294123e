import NIOConcurrencyHelpers

/// A ``ChatDirectory`` in process memory: for tests and development. Nothing survives a restart.
public final class InMemoryChatDirectory: ChatDirectory {
    private struct MemberKey: Hashable {
        var room: String
        var user: String
    }

    private struct State {
        var users: [String: UserRecord] = [:]
        var userIDsByName: [String: String] = [:]
        var rooms: [String: RoomRecord] = [:]
        var roomIDsByName: [String: String] = [:]
        var members: [String: Set<String>] = [:]
        var memberships: [String: Set<String>] = [:]
        var readMarkers: [MemberKey: MessageID] = [:]

        func sorted(_ rooms: some Sequence<RoomRecord>) -> [RoomRecord] {
            rooms.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty directory.
    public init() {}

    public func migrate() async throws {}

    public func createUser(_ user: UserRecord) async throws {
        try state.withLockedValue { state in
            let key = DirectoryName.key(user.username)
            guard state.users[user.id] == nil else { throw ChatStoreError(.conflict, "user id \(user.id) exists") }
            guard state.userIDsByName[key] == nil else {
                throw ChatStoreError(.conflict, "username \(user.username) is taken")
            }
            state.users[user.id] = user
            state.userIDsByName[key] = user.id
        }
    }

    public func user(id: String) async throws -> UserRecord? {
        state.withLockedValue { $0.users[id] }
    }

    public func user(username: String) async throws -> UserRecord? {
        state.withLockedValue { state in state.userIDsByName[DirectoryName.key(username)].flatMap { state.users[$0] } }
    }

    public func createRoom(_ room: RoomRecord, members: [String]) async throws {
        try state.withLockedValue { state in
            guard state.rooms[room.id] == nil else { throw ChatStoreError(.conflict, "room id \(room.id) exists") }
            let key = DirectoryName.key(room.name)
            let unique = DirectoryName.isUnique(room.kind)
            if unique, state.roomIDsByName[key] != nil {
                throw ChatStoreError(.conflict, "room name \(room.name) is taken")
            }
            state.rooms[room.id] = room
            if unique { state.roomIDsByName[key] = room.id }
            for member in members {
                state.members[room.id, default: []].insert(member)
                state.memberships[member, default: []].insert(room.id)
            }
        }
    }

    public func room(id: String) async throws -> RoomRecord? {
        state.withLockedValue { $0.rooms[id] }
    }

    public func rooms(kind: RoomKind) async throws -> [RoomRecord] {
        state.withLockedValue { state in state.sorted(state.rooms.values.filter { $0.kind == kind }) }
    }

    public func rooms(member userID: String) async throws -> [RoomRecord] {
        state.withLockedValue { state in state.sorted((state.memberships[userID] ?? []).compactMap { state.rooms[$0] }) }
    }

    public func addMember(room: String, user: String) async throws {
        try state.withLockedValue { state in
            guard state.rooms[room] != nil else { throw ChatStoreError(.notFound, "room \(room) does not exist") }
            state.members[room, default: []].insert(user)
            state.memberships[user, default: []].insert(room)
        }
    }

    public func removeMember(room: String, user: String) async throws {
        state.withLockedValue { state in
            state.members[room]?.remove(user)
            state.memberships[user]?.remove(room)
        }
    }

    public func members(of room: String) async throws -> [String] {
        state.withLockedValue { ($0.members[room] ?? []).sorted() }
    }

    public func isMember(room: String, user: String) async throws -> Bool {
        state.withLockedValue { $0.members[room]?.contains(user) ?? false }
    }

    public func setReadMarker(room: String, user: String, messageID: MessageID) async throws {
        state.withLockedValue { state in
            let key = MemberKey(room: room, user: user)
            if state.readMarkers[key].map({ messageID > $0 }) ?? true { state.readMarkers[key] = messageID }
        }
    }

    public func readMarker(room: String, user: String) async throws -> MessageID? {
        state.withLockedValue { $0.readMarkers[MemberKey(room: room, user: user)] }
    }
}
