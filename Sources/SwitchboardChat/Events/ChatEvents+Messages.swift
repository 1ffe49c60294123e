import SocketIO
import SwitchboardJSON

extension ChatEvents {
    /// `message:send`, `message:edit`, `message:delete`, `history:fetch`, `room:read`.
    func installMessageHandlers(on socket: SocketIOSocket) {
        handle(socket, "message:send") { [self] user, payload in
            let sent = try await service.send(
                roomID: try payload.string("roomId"), clientMessageID: try payload.string("clientMessageId"),
                text: try payload.string("text"), by: user)
            let message = sent.message.stored
            if !sent.isDuplicate {
                namespace.to(ChatChannel.room(message.room)).emit("message:new", sent.message.json)
                for (target, kind) in sent.notify {
                    notify(
                        target, kind: kind, roomID: message.room, messageID: message.id.description, from: user,
                        text: message.body)
                }
            }
            return ["message": sent.message.json]
        }
        handle(socket, "message:edit") { [self] user, payload in
            let message = try await service.change(
                messageID: try payload.string("messageId"), in: try payload.string("roomId"),
                text: try payload.string("text"), by: user)
            namespace.to(ChatChannel.room(message.stored.room)).emit("message:updated", message.json)
            return ["message": message.json]
        }
        handle(socket, "message:delete") { [self] user, payload in
            let message = try await service.change(
                messageID: try payload.string("messageId"), in: try payload.string("roomId"), text: nil, by: user)
            namespace.to(ChatChannel.room(message.stored.room)).emit("message:updated", message.json)
            return ["message": message.json]
        }
        handle(socket, "history:fetch") { [service] user, payload in
            let page = try await service.history(
                roomID: try payload.string("roomId"), before: try payload.optionalString("before"),
                limit: try payload.optionalInt("limit"), for: user)
            return [
                "messages": .array(page.messages.map(\.json)),
                "nextCursor": page.nextCursor.map { .string($0.description) } ?? .null,
            ]
        }
        handle(socket, "room:read") { [self] user, payload in
            let roomID = try payload.string("roomId")
            let messageID = try payload.string("messageId")
            let unread = try await service.markRead(roomID: roomID, messageID: messageID, by: user)
            namespace.to(ChatChannel.room(roomID)).emit(
                "room:read", ["roomId": .string(roomID), "userId": .string(user.id), "messageId": .string(messageID)])
            return ["unread": .int(Int64(unread))]
        }
    }

    /// `typing` (acknowledged only if the client asks).
    func installLiveHandlers(on socket: SocketIOSocket) {
        handle(socket, "typing") { [self] user, payload in
            let roomID = try payload.string("roomId")
            let isTyping = try payload.optionalBool("typing") ?? false
            guard await service.mayType(user, in: roomID) else { throw ChatError(.forbidden, "you are not a member of this room") }
            let outcome = service.typing(user, in: roomID, isTyping: isTyping)
            if outcome.accepted { relayTyping(user, in: roomID, isTyping: isTyping) }
            if let change = outcome.change { announceTyping(change, by: user) }
            return [:]
        }
    }
}
