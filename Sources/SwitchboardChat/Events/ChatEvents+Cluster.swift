import NIOCore
import SocketIO
import SwitchboardJSON

/// Presence and typing across cluster nodes (issue 7). With the in-memory adapter the same code runs on
/// one node: `fetchSockets` sees only local sockets and `serverSideEmit` reaches nobody.
///
/// - Presence: each socket keeps `{"userId", "connectedAt"}` in its ``SocketIO/SocketIOSocket/data``.
///   `presence:list` asks every node for the sockets in `room:<id>`. A user comes online when their
///   socket is the oldest (by `connectedAt`, then socket id) of their sockets cluster-wide, and goes
///   offline when a disconnecting socket finds none left; so two sockets connecting at once on two
///   nodes announce exactly once, and two leaving at once announce at least once.
/// - Typing: every node keeps the whole cluster's typists. A node relays each `typing` signal it
///   accepted to the others (``relayEvent``); every node sends `typing:update` to its own sockets only.
/// - The `/admin` `users` figure: the node sampling it asks the others for the ids of their online
///   users (``onlineUsersEvent``, acknowledged with the list) and counts the distinct ids.
extension ChatEvents {
    /// The server-side event carrying an accepted typing signal: `{"user", "roomId", "typing"}`.
    static let relayEvent = "chat:typing"

    /// The server-side event asking a node for the ids of its online users (acknowledged with
    /// `[[id, ...]]`).
    static let onlineUsersEvent = "chat:online-users"

    /// How long the sampler waits for the other nodes' online users.
    static let onlineUsersTimeout = TimeAmount.milliseconds(500)

    /// Handles the typing signals other nodes relay and answers their online-user questions.
    func installClusterRelay() {
        namespace.onServerSideEvent { [service] event, _, ack in
            guard event == Self.onlineUsersEvent else { return }
            ack?([.array(service.localOnlineUserIDs.map(JSONValue.string))])
        }
        namespace.onServerSideEvent { [self] event, arguments, _ in
            guard event == Self.relayEvent, let object = arguments.first, let user = object["user"].flatMap(ChatUser.init(json:)),
                let roomID = object["roomId"]?.stringValue, let isTyping = object["typing"]?.boolValue
            else { return }
            if let change = service.relayedTyping(user, in: roomID, isTyping: isTyping) { announceTyping(change, by: user) }
        }
    }

    /// Tells the other nodes that `user` started, refreshed or stopped typing in `roomID`.
    func relayTyping(_ user: ChatUser, in roomID: String, isTyping: Bool) {
        namespace.serverSideEmit(Self.relayEvent, ["user": user.json, "roomId": .string(roomID), "typing": .bool(isTyping)])
    }

    /// How many distinct users have a socket on any node (nodes that do not answer within
    /// ``onlineUsersTimeout`` are left out).
    func onlineUserCount() async -> Int {
        var ids = Set(service.localOnlineUserIDs)
        for answer in await namespace.serverSideEmitWithAck(Self.onlineUsersEvent, arguments: [], timeout: Self.onlineUsersTimeout) {
            for case .string(let id) in answer.first?.arrayValue ?? [] { ids.insert(id) }
        }
        return ids.count
    }

    /// What a chat socket keeps in its data so that other nodes can see whose it is and since when.
    static func socketData(userID: String, connectedAt: Int64) -> JSONValue {
        ["userId": .string(userID), "connectedAt": .int(connectedAt)]
    }

    /// The ids of the users with a socket in `channel`, on every node.
    func connectedUsers(in channel: String) async -> Set<String> {
        Set(await namespace.in(channel).fetchSockets().compactMap { $0.data["userId"]?.stringValue })
    }

    /// Whether the socket `socketID` (connected at `connectedAt`) is the oldest of `userID`'s sockets
    /// on every node, i.e. its connection brought the user online.
    func isOldestSocket(of userID: String, socketID: String, connectedAt: Int64) async -> Bool {
        let sockets = await namespace.in(ChatChannel.user(userID)).fetchSockets().map {
            // A socket without the field (it cannot be told apart) counts as older: no announcement rather than two.
            SocketSeniority(connectedAt: $0.data["connectedAt"]?.intValue ?? .min, socketID: $0.id)
        }
        return SocketSeniority(connectedAt: connectedAt, socketID: socketID).isOldest(among: sockets)
    }

    /// Whether `userID` has a socket other than `socketID` on any node.
    func hasOtherSockets(of userID: String, than socketID: String) async -> Bool {
        await namespace.in(ChatChannel.user(userID)).fetchSockets().contains { $0.id != socketID }
    }
}
