import ChatStore

extension ChatService {
    /// The rooms `user` may see: public rooms, plus the private and direct rooms they belong to.
    func visibleRooms(for user: ChatUser) async throws(ChatError) -> [RoomView] {
        let publicRooms = try await store { try await directory.rooms(kind: .public) }
        let memberRooms = try await store { try await directory.rooms(member: user.id) }
        let memberIDs = Set(memberRooms.map(\.id))
        var rooms = memberRooms
        rooms += publicRooms.filter { !memberIDs.contains($0.id) }
        rooms.sort { ($0.kind == .direct ? 1 : 0, $0.name.lowercased(), $0.id) < ($1.kind == .direct ? 1 : 0, $1.name.lowercased(), $1.id) }
        var views: [RoomView] = []
        for room in rooms { views.append(try await view(of: room, for: user, joined: memberIDs.contains(room.id))) }
        return views
    }

    /// The rooms `user` belongs to (their Socket.IO rooms on connect).
    func memberRoomIDs(of userID: String) async throws(ChatError) -> [String] {
        try await store { try await directory.rooms(member: userID) }.map(\.id)
    }

    /// `room` as `user` sees it, with unread count and newest message.
    func view(of room: RoomRecord, for user: ChatUser, joined: Bool) async throws(ChatError) -> RoomView {
        var view = RoomView(
            id: room.id, name: room.name, kind: room.kind, members: nil, peer: nil, unread: 0, lastMessageID: nil,
            joined: joined)
        if room.kind != .public {
            view.members = try await store { try await directory.members(of: room.id) }.sorted()
        }
        if room.kind == .direct, let peerID = DirectRoomID.peer(of: user.id, in: room.id) {
            let peer = try await self.user(id: peerID)
            view.peer = peer
            view.name = peer.displayName
        }
        guard joined else { return view }
        let marker = try await store { try await directory.readMarker(room: room.id, user: user.id) }
        // While the message store is down the room list still works, without counts.
        guard let latest = try? await messages.page(room: room.id, before: nil, limit: limits.maxUnreadCount) else {
            return view
        }
        view.lastMessageID = latest.messages.first?.id
        view.unread = UnreadCounter.count(
            newestFirst: latest.messages, after: marker, viewer: user.id, cap: limits.maxUnreadCount)
        return view
    }

    /// Creates a public or private room with `user` as its first member.
    func createRoom(named rawName: String, isPrivate: Bool, by user: ChatUser) async throws(ChatError) -> RoomView {
        let name = try InputValidation.roomName(rawName)
        let room = RoomRecord(
            id: IdentifierGenerator.make(prefix: "r_"), name: name, kind: isPrivate ? .private : .public,
            createdBy: user.id, createdAt: now)
        do throws(ChatError) {
            try await store { try await directory.createRoom(room, members: [user.id]) }
        } catch where error.code == .conflict {
            throw ChatError(.conflict, "a room named \(name) exists")
        }
        return try await view(of: room, for: user, joined: true)
    }

    /// Joins a public room (idempotent); returns the room and whether the user was not a member before.
    func join(roomID: String, user: ChatUser) async throws(ChatError) -> (room: RoomView, isNew: Bool) {
        let room = try await room(id: roomID, for: user, action: .join)
        let wasMember = try await store { try await directory.isMember(room: room.id, user: user.id) }
        if !wasMember { try await store { try await directory.addMember(room: room.id, user: user.id) } }
        return (try await view(of: room, for: user, joined: true), !wasMember)
    }

    /// Adds `username` to a private room `inviter` belongs to; returns the room as each of them sees it.
    func invite(username rawUsername: String, to roomID: String, by inviter: ChatUser) async throws(ChatError)
        -> (forInviter: RoomView, invitee: ChatUser, forInvitee: RoomView, isNew: Bool)
    {
        let room = try await room(id: roomID, for: inviter, action: .invite)
        let invitee = try await user(named: rawUsername)
        let wasMember = try await store { try await directory.isMember(room: room.id, user: invitee.id) }
        if !wasMember { try await store { try await directory.addMember(room: room.id, user: invitee.id) } }
        return (
            try await view(of: room, for: inviter, joined: true), invitee,
            try await view(of: room, for: invitee, joined: true), !wasMember
        )
    }

    /// Leaves a room (idempotent); returns whether the user was a member.
    func leave(roomID: String, user: ChatUser) async throws(ChatError) -> Bool {
        let room = try await room(id: roomID)
        let isMember = try await store { try await directory.isMember(room: room.id, user: user.id) }
        guard isMember else { return false }
        if let error = RoomAccessPolicy.check(.leave, kind: room.kind, isMember: true) { throw error }
        try await store { try await directory.removeMember(room: room.id, user: user.id) }
        return true
    }

    /// Opens (once) the direct room of `user` and `username`; returns it as each sees it and whether it is new.
    func openDirect(with rawUsername: String, by user: ChatUser) async throws(ChatError)
        -> (forOpener: RoomView, peer: ChatUser, forPeer: RoomView, isNew: Bool)
    {
        let peer = try await self.user(named: rawUsername)
        guard let id = DirectRoomID.make(user.id, peer.id) else {
            throw ChatError(.badRequest, "a direct conversation needs another user")
        }
        var isNew = false
        if try await store({ try await directory.room(id: id) }) == nil {
            let names = [user.username, peer.username].sorted().joined(separator: " & ")
            let room = RoomRecord(id: id, name: names, kind: .direct, createdBy: user.id, createdAt: now)
            do throws(ChatError) {
                try await store { try await directory.createRoom(room, members: [user.id, peer.id]) }
                isNew = true
            } catch where error.code == .conflict {
                // Opened concurrently by the other user: use theirs.
            }
        }
        let room = try await self.room(id: id)
        return (
            try await view(of: room, for: user, joined: true), peer, try await view(of: room, for: peer, joined: true),
            isNew
        )
    }

    /// The members of `roomID` with at least one connected socket; `connectedUsers` lists the ids of the
    /// users connected to the room on every cluster node (asked only once the access check passed).
    func onlineMembers(
        of roomID: String, for user: ChatUser, connectedUsers: () async -> Set<String>
    ) async throws(ChatError) -> [ChatUser] {
        let room = try await room(id: roomID, for: user, action: .read)
        let members = try await store { try await directory.members(of: room.id) }
        let connected = await connectedUsers()
        let online = members.filter { connected.contains($0) }
        var users: [ChatUser] = []
        for id in online.sorted() { users.append(try await self.user(id: id)) }
        return users
    }

    /// The user named `rawUsername`, or `not_found`.
    func user(named rawUsername: String) async throws(ChatError) -> ChatUser {
        let username = rawUsername.lowercased()
        guard InputValidation.usernameLength.contains(username.count),
            let record = try await store({ try await directory.user(username: username) })
        else { throw ChatError(.notFound, "no user named \(rawUsername)") }
        return remember(ChatUser(record))
    }
}
