/// Durable accounts, rooms, memberships and read markers for the chat.
///
/// Implementations must be safe to call concurrently; errors are ``ChatStoreError``s
/// (``ChatStoreError/Code/conflict``, ``ChatStoreError/Code/notFound``, ``ChatStoreError/Code/unavailable``).
/// Lists come back in a stable order: rooms by creation time then ID, members by user ID.
public protocol ChatDirectory: Sendable {
    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws

    /// Stores a new account. Throws ``ChatStoreError/Code/conflict`` when the ID exists or the username is
    /// taken (compared regardless of case).
    func createUser(_ user: UserRecord) async throws

    /// The account with this ID, if any.
    func user(id: String) async throws -> UserRecord?

    /// The account with this username (compared regardless of case), if any.
    func user(username: String) async throws -> UserRecord?

    /// Stores a new room with its first `members` (duplicates ignored), atomically. Throws
    /// ``ChatStoreError/Code/conflict`` when the ID exists, or when a public or private room already has the
    /// name (compared regardless of case; direct rooms are exempt).
    func createRoom(_ room: RoomRecord, members: [String]) async throws

    /// The room with this ID, if any.
    func room(id: String) async throws -> RoomRecord?

    /// Every room of `kind`.
    func rooms(kind: RoomKind) async throws -> [RoomRecord]

    /// Every room `userID` is a member of.
    func rooms(member userID: String) async throws -> [RoomRecord]

    /// Makes `user` a member of `room`; idempotent. Throws ``ChatStoreError/Code/notFound`` when the room
    /// does not exist.
    func addMember(room: String, user: String) async throws

    /// Removes `user` from `room`; idempotent (nothing happens when either is unknown).
    func removeMember(room: String, user: String) async throws

    /// The member user IDs of `room` (empty when the room is unknown).
    func members(of room: String) async throws -> [String]

    /// Whether `user` is a member of `room`.
    func isMember(room: String, user: String) async throws -> Bool

    /// Records that `user` has read `room` up to `messageID`. Never moves the marker back: an older ID
    /// leaves it as it is.
    func setReadMarker(room: String, user: String, messageID: MessageID) async throws

    /// The newest message `user` has read in `room`, if any.
    func readMarker(room: String, user: String) async throws -> MessageID?
}
