import SocketIO
import SwitchboardJSON

/// The chat's Socket.IO events on namespace `/` (docs/CHAT_PROTOCOL.md): connect authentication, the
/// client → server events with their acknowledgements, and the broadcasts they cause.
final class ChatEvents: Sendable {
    let service: ChatService
    let namespace: SocketIONamespace

    init(service: ChatService, namespace: SocketIONamespace) {
        self.service = service
        self.namespace = namespace
    }

    /// Installs the middleware and the handlers.
    func install() {
        ChatConnectMiddleware.install(on: namespace, service: service)
        installClusterRelay()
        namespace.onConnection { [self] socket in
            guard let session = socket.context(as: ChatSocketSession.self) else {
                socket.disconnect()
                return
            }
            let user = session.user
            let connectedAt = service.now
            socket.data = ChatEvents.socketData(userID: user.id, connectedAt: connectedAt)
            socket.join(ChatChannel.user(user.id))
            socket.join(session.memberRoomIDs.map(ChatChannel.room))
            socket.emit("session", ["user": user.json, "rooms": .array(session.rooms.map(\.json))])
            // Locally first: ask the cluster whether an older socket of the user already brought them online.
            if service.socketConnected(user: user, socketID: socket.id) {
                Task {
                    guard await isOldestSocket(of: user.id, socketID: socket.id, connectedAt: connectedAt) else { return }
                    announcePresence(of: user, online: true, in: session.memberRoomIDs)
                }
            }
            installRoomHandlers(on: socket)
            installMessageHandlers(on: socket)
            installLiveHandlers(on: socket)
            socket.onDisconnect { [self] socket, _ in
                let (wentOffline, typing) = service.socketDisconnected(user: user, socketID: socket.id)
                for change in typing {
                    announceTyping(change, by: user)
                    relayTyping(user, in: change.roomID, isTyping: false)
                }
                guard wentOffline else { return }
                let socketID = socket.id
                Task {
                    guard await !hasOtherSockets(of: user.id, than: socketID) else { return }
                    let rooms = (try? await service.memberRoomIDs(of: user.id)) ?? session.memberRoomIDs
                    announcePresence(of: user, online: false, in: rooms)
                }
            }
        }
    }

    /// Registers `event`: parses the payload, runs `body` off the event loop and acknowledges
    /// `{"ok": true, ...}` or `{"ok": false, "error"}`.
    func handle(
        _ socket: SocketIOSocket, _ event: String,
        _ body: @escaping @Sendable (ChatUser, EventPayload) async throws -> JSONObject
    ) {
        socket.on(event) { [service] socket, arguments, ack in
            guard let user = socket.context(as: ChatSocketSession.self)?.user else { return }
            let payload = EventPayload(value: arguments.first ?? .null)
            Task {
                do {
                    // Run the body first: `ack?(...)` would skip evaluating its argument when there is no ack.
                    let reply = okAck(try await body(user, payload))
                    ack?(reply)
                } catch let error as ChatError {
                    ack?(error.ack)
                } catch {
                    service.logger.error("chat event failed", metadata: ["chat.event": "\(event)", "chat.error": "\(error)"])
                    ack?(ChatError(.internal, "internal error").ack)
                }
            }
        }
    }

    // MARK: Broadcasts

    /// `presence:update` to every room the user belongs to.
    func announcePresence(of user: ChatUser, online: Bool, in roomIDs: [String]) {
        guard !roomIDs.isEmpty else { return }
        namespace.all.to(roomIDs.map(ChatChannel.room)).emit("presence:update", ["user": user.json, "online": .bool(online)])
    }

    /// `typing:update` to this node's sockets in the room, except those of the user whose signal changed it
    /// (every cluster node keeps the same typists and tells its own sockets).
    func announceTyping(_ change: TypingTracker.Change, by user: ChatUser?) {
        var target = namespace.local.to(ChatChannel.room(change.roomID))
        if let user { target = target.except(ChatChannel.user(user.id)) }
        target.emit("typing:update", ["roomId": .string(change.roomID), "users": .array(change.users.map(\.json))])
    }

    /// `room:member` to the room.
    func announceMember(_ user: ChatUser, in roomID: String, joined: Bool) {
        namespace.to(ChatChannel.room(roomID)).emit(
            "room:member", ["roomId": .string(roomID), "user": user.json, "joined": .bool(joined)])
    }

    /// `notification` to every socket of `userID`.
    func notify(_ userID: String, kind: String, roomID: String, messageID: String?, from: ChatUser, text: String) {
        var object: JSONObject = ["kind": .string(kind), "roomId": .string(roomID)]
        if let messageID { object["messageId"] = .string(messageID) }
        object["from"] = from.json
        object["text"] = .string(text)
        namespace.to(ChatChannel.user(userID)).emit("notification", .object(object))
    }

    /// Adds every socket of `userID` to the chat room's Socket.IO room.
    func subscribe(_ userID: String, to roomID: String) {
        namespace.in(ChatChannel.user(userID)).socketsJoin(ChatChannel.room(roomID))
    }
}
