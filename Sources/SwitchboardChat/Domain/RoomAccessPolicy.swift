import ChatStore

/// Something a user may try to do in a room.
enum RoomAction: Hashable, Sendable, CaseIterable {
    /// Read history, presence or read markers; set a read marker.
    case read
    /// Send, edit or delete messages; send typing signals.
    case send
    /// Become a member on one's own.
    case join
    /// Add another user.
    case invite
    /// Stop being a member.
    case leave
}

/// Who may do what in each kind of room. Pure: the caller says whether the user is a member.
///
/// - Public rooms: anyone may join; members (joined users) may read, send and leave; nobody invites.
/// - Private rooms: only members may read, send, invite and leave; joining needs an invitation.
/// - Direct rooms: only their two members may read and send; nobody joins, invites or leaves.
enum RoomAccessPolicy {
    /// `nil` when allowed, else the error to reply with.
    static func check(_ action: RoomAction, kind: RoomKind, isMember: Bool) -> ChatError? {
        switch (kind, action) {
        case (.public, .join):
            return nil
        case (.public, .invite):
            return ChatError(.badRequest, "public rooms need no invitation")
        case (.private, .join):
            return isMember ? nil : ChatError(.forbidden, "this room is private; ask a member to invite you")
        case (.direct, .join), (.direct, .invite), (.direct, .leave):
            return ChatError(.forbidden, "direct conversations have exactly two members")
        case (.public, .read), (.public, .send), (.public, .leave),
            (.private, .read), (.private, .send), (.private, .invite), (.private, .leave),
            (.direct, .read), (.direct, .send):
            return isMember ? nil : ChatError(.forbidden, "you are not a member of this room")
        }
    }

    /// Whether a user may see that the room exists (listed, or fetched by id): public rooms, and the
    /// private and direct rooms they belong to.
    static func isVisible(kind: RoomKind, isMember: Bool) -> Bool {
        kind == .public || isMember
    }

    /// `nil` when `user` may edit or delete `message` (their own, not yet deleted), else the error.
    static func checkModify(message: StoredMessage, by user: String) -> ChatError? {
        guard message.sender == user else { return ChatError(.forbidden, "you can only change your own messages") }
        guard message.deletedAt == nil else { return ChatError(.notFound, "the message was deleted") }
        return nil
    }
}
