import ChatStore

/// The outcome of a send.
struct SentMessage: Sendable {
    var message: MessageView
    /// Whether this was a retry of a stored `clientMessageId` (nothing new was stored or broadcast).
    var isDuplicate: Bool
    /// Users to notify (mentioned, or the peer of a direct room), with the notification kind.
    var notify: [(user: String, kind: String)]
}

extension ChatService {
    /// Stores a message from `user` in `roomID` once per `clientMessageID`.
    func send(roomID: String, clientMessageID rawClientID: String, text rawText: String, by user: ChatUser)
        async throws(ChatError) -> SentMessage
    {
        let clientMessageID = try InputValidation.clientMessageID(rawClientID, limits: limits)
        let text = try InputValidation.text(rawText, limits: limits)
        let now = self.now
        if case .limited(let wait) = live.withLockedValue({ $0.sendLimiter.admit(user.id, now: now) }) {
            throw ChatError(.rateLimited, "you are sending too fast; wait a moment", retryAfterMilliseconds: wait)
        }
        let room = try await room(id: roomID, for: user, action: .send)
        let members = Set(try await store { try await directory.members(of: room.id) })
        var mentioned: [String] = []
        for name in MentionParser.usernames(in: text) {
            guard let record = try await store({ try await directory.user(username: name) }),
                record.id != user.id, members.contains(record.id)
            else { continue }
            mentioned.append(record.id)
        }
        var metadata: [String: String] = [:]
        if !mentioned.isEmpty { metadata[MessageView.mentionsKey] = mentioned.joined(separator: ",") }
        let result = try await store {
            try await messages.append(
                NewMessage(clientMessageID: clientMessageID, room: room.id, sender: user.id, body: text, metadata: metadata))
        }
        var notify = mentioned.map { (user: $0, kind: "mention") }
        if room.kind == .direct, let peer = DirectRoomID.peer(of: user.id, in: room.id), !mentioned.contains(peer) {
            notify.append((peer, "direct"))
        }
        if !result.isDuplicate { live.withLockedValue { $0.messagesTotal += 1 } }
        return SentMessage(
            message: MessageView(stored: result.message, sender: user), isDuplicate: result.isDuplicate,
            notify: result.isDuplicate ? [] : notify)
    }

    /// Edits (`text` non-nil) or deletes one of `user`'s own messages.
    func change(messageID rawID: String, in roomID: String, text rawText: String?, by user: ChatUser)
        async throws(ChatError) -> MessageView
    {
        guard let id = MessageID(rawID) else { throw ChatError(.badRequest, "messageId is malformed") }
        var text: String?
        if let rawText { text = try InputValidation.text(rawText, limits: limits) }
        let room = try await room(id: roomID, for: user, action: .send)
        guard let original = try await store({ try await messages.message(id, in: room.id) }) else {
            throw ChatError(.notFound, "no such message")
        }
        if let error = RoomAccessPolicy.checkModify(message: original, by: user.id) { throw error }
        let change: MessageChange = text.map { .edit(body: $0, at: now) } ?? .delete(at: now)
        guard let changed = try await store({ try await messages.apply(change, to: id, in: room.id) }) else {
            throw ChatError(.notFound, "no such message")
        }
        return MessageView(stored: changed, sender: user)
    }

    /// A page of history, newest first, and the cursor of the next (older) page.
    func history(roomID: String, before rawBefore: String?, limit rawLimit: Int?, for user: ChatUser)
        async throws(ChatError) -> (messages: [MessageView], nextCursor: MessageID?)
    {
        let limit = rawLimit ?? limits.defaultHistoryLimit
        guard (1...limits.maxHistoryLimit).contains(limit) else {
            throw ChatError(.badRequest, "limit must be 1 to \(limits.maxHistoryLimit)")
        }
        var before: MessageID?
        if let rawBefore {
            guard let id = MessageID(rawBefore) else { throw ChatError(.badRequest, "before is malformed") }
            before = id
        }
        let room = try await room(id: roomID, for: user, action: .read)
        let page = try await store { try await messages.page(room: room.id, before: before, limit: limit) }
        var views: [MessageView] = []
        for message in page.messages {
            views.append(MessageView(stored: message, sender: try await self.user(id: message.sender)))
        }
        return (views, page.nextCursor)
    }

    /// Moves `user`'s read marker in `roomID` forward to `messageID`; returns the unread count after it.
    func markRead(roomID: String, messageID rawID: String, by user: ChatUser) async throws(ChatError) -> Int {
        guard let id = MessageID(rawID) else { throw ChatError(.badRequest, "messageId is malformed") }
        let room = try await room(id: roomID, for: user, action: .read)
        try await store { try await directory.setReadMarker(room: room.id, user: user.id, messageID: id) }
        return try await view(of: room, for: user, joined: true).unread
    }
}
