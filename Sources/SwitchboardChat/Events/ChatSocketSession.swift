/// What the connect middleware learned about a socket's user, kept in ``SocketIO/SocketIOSocket/context``.
struct ChatSocketSession: Sendable {
    var user: ChatUser
    /// The rooms visible to the user at connect time (the `session` event's list).
    var rooms: [RoomView]
    /// The rooms the user belongs to (their `room:<id>` Socket.IO rooms).
    var memberRoomIDs: [String]
}

/// The Socket.IO room names the chat uses.
enum ChatChannel {
    /// Every socket of one user (notifications, membership changes).
    static func user(_ id: String) -> String { "user:" + id }
    /// Every socket of the members of one chat room.
    static func room(_ id: String) -> String { "room:" + id }
}
