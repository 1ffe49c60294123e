import SocketIO
import SwitchboardJSON

extension ChatEvents {
    /// `rooms:list`, `rooms:create`, `rooms:join`, `rooms:invite`, `rooms:leave`, `dm:open`, `presence:list`.
    func installRoomHandlers(on socket: SocketIOSocket) {
        handle(socket, "rooms:list") { [service] user, _ in
            ["rooms": .array(try await service.visibleRooms(for: user).map(\.json))]
        }
        handle(socket, "rooms:create") { [self] user, payload in
            let room = try await service.createRoom(
                named: try payload.string("name"), isPrivate: try payload.optionalBool("private") ?? false, by: user)
            subscribe(user.id, to: room.id)
            return ["room": room.json]
        }
        handle(socket, "rooms:join") { [self] user, payload in
            let (room, isNew) = try await service.join(roomID: try payload.string("roomId"), user: user)
            subscribe(user.id, to: room.id)
            if isNew { announceMember(user, in: room.id, joined: true) }
            return ["room": room.json]
        }
        handle(socket, "rooms:invite") { [self] user, payload in
            let result = try await service.invite(
                username: try payload.string("username"), to: try payload.string("roomId"), by: user)
            if result.isNew {
                subscribe(result.invitee.id, to: result.forInvitee.id)
                announceMember(result.invitee, in: result.forInvitee.id, joined: true)
                namespace.to(ChatChannel.user(result.invitee.id)).emit("room:added", ["room": result.forInvitee.json])
                notify(
                    result.invitee.id, kind: "invite", roomID: result.forInvitee.id, messageID: nil, from: user,
                    text: "\(user.displayName) added you to \(result.forInvitee.name)")
            }
            return ["room": result.forInviter.json]
        }
        handle(socket, "rooms:leave") { [self] user, payload in
            let roomID = try payload.string("roomId")
            guard try await service.leave(roomID: roomID, user: user) else { return [:] }
            if let change = service.stopTyping(user, in: roomID) {
                announceTyping(change, by: nil)
                relayTyping(user, in: roomID, isTyping: false)
            }
            announceMember(user, in: roomID, joined: false)
            namespace.in(ChatChannel.user(user.id)).socketsLeave(ChatChannel.room(roomID))
            return [:]
        }
        handle(socket, "dm:open") { [self] user, payload in
            let result = try await service.openDirect(with: try payload.string("username"), by: user)
            subscribe(user.id, to: result.forOpener.id)
            subscribe(result.peer.id, to: result.forOpener.id)
            if result.isNew {
                namespace.to(ChatChannel.user(result.peer.id)).emit("room:added", ["room": result.forPeer.json])
            }
            return ["room": result.forOpener.json]
        }
        handle(socket, "presence:list") { [self] user, payload in
            let roomID = try payload.string("roomId")
            let online = try await service.onlineMembers(of: roomID, for: user) {
                await connectedUsers(in: ChatChannel.room(roomID))
            }
            return ["online": .array(online.map(\.json))]
        }
    }
}
