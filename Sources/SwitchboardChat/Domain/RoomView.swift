import ChatStore

/// A room as one user sees it: the `Room` object of the contract.
struct RoomView: Hashable, Sendable {
    var id: String
    /// For direct rooms, the peer's display name.
    var name: String
    var kind: RoomKind
    /// Member ids (private and direct rooms only).
    var members: [String]?
    /// The other user (direct rooms only).
    var peer: ChatUser?
    var unread: Int
    var lastMessageID: MessageID?
    var joined: Bool
}

/// A message as clients see it: the `Message` object of the contract.
struct MessageView: Hashable, Sendable {
    var stored: StoredMessage
    var sender: ChatUser

    /// Mentioned user ids, kept in the stored message's metadata as a comma-separated list.
    var mentions: [String] { MessageView.mentions(of: stored) }

    static let mentionsKey = "mentions"

    static func mentions(of message: StoredMessage) -> [String] {
        guard let raw = message.metadata[mentionsKey], !raw.isEmpty else { return [] }
        return raw.split(separator: ",").map(String.init)
    }
}
