import ClusterProtocol
import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SocketIO
import SwitchboardJSON

/// A ``SocketIO/SocketIOAdapter`` that shares one namespace across the nodes of a cluster over Redis
/// pub/sub (created by ``ClusterNode/join(redis:configuration:options:eventLoopGroup:logger:)``).
///
/// - Rooms live in a local ``SocketIO/InMemoryAdapter``; the node subscribes to a room's channel when
///   the room's first local socket joins and unsubscribes when its last one leaves. A broadcast to
///   rooms is published on each room's channel (a node in several of them delivers it once); a
///   broadcast to the whole namespace, or to a socket id, on the namespace channel.
/// - The sender encodes the packet once; the other nodes write those bytes to their sockets as is
///   (for an acknowledged broadcast, each node first puts an acknowledgement id of its own into the
///   text frame, once).
/// - `local` broadcasts are not published. Acknowledged broadcasts go to the namespace channel: each
///   node answers with its number of recipients, then forwards their acknowledgements. A node that
///   does not report its count within half the time limit counts as one missing acknowledgement, so
///   the broadcast ends with ``SocketIO/SocketIOAckError/Code/timeout``.
/// - `fetchSockets`, `socketsJoin`, `socketsLeave`, `disconnectSockets`, `serverSideEmit` go to the
///   namespace channel; requests that expect answers wait for as many nodes as received them
///   (the `PUBLISH` reply), at most ``ClusterOptions/requestTimeout``.
/// - A child of a dynamic namespace that the server removes once empty
///   (``SocketIO/SocketIOServer/Configuration/cleanupEmptyChildNamespaces``) closes its adapter, which
///   unsubscribes from its channels.
public final class RedisClusterAdapter: SocketIOAdapter {
    /// The namespace this adapter serves.
    public let context: SocketIOAdapterContext
    /// The rooms and sockets of this node.
    public let local: InMemoryAdapter
    let node: ClusterNode
    private let namespaceChannel: String
    /// Local member count of each room this node is subscribed to.
    private let roomCounts = NIOLockedValueBox([String: Int]())
    private let duplicates = NIOLockedValueBox(ClusterDuplicateFilter())
    private let allocator = ByteBufferAllocator()

    init(context: SocketIOAdapterContext, node: ClusterNode) {
        self.context = context
        self.local = InMemoryAdapter(context: context)
        self.node = node
        self.namespaceChannel = node.options.keyspace.namespaceChannel(context.namespace)
        node.register(self, namespace: context.namespace)
    }

    private var namespace: String { context.namespace }

    // MARK: Rooms

    /// Adds the socket to the rooms, subscribing to each room that gets its first local member.
    public func addAll(_ socketID: String, rooms: Set<String>) {
        roomCounts.withLockedValue { counts in
            let before = local.socketRooms(socketID) ?? []
            local.addAll(socketID, rooms: rooms)
            for room in rooms where room != socketID && !before.contains(room) {
                counts[room, default: 0] += 1
                // Under the lock, so subscribe and unsubscribe of one room reach Redis in count order.
                if counts[room] == 1 { node.subscribe(roomChannel(room)) }
            }
        }
    }

    /// Removes the socket from one room, unsubscribing when it was the room's last local member.
    public func del(_ socketID: String, room: String) {
        roomCounts.withLockedValue { counts in
            guard local.socketRooms(socketID)?.contains(room) == true else { return }
            local.del(socketID, room: room)
            if room != socketID { release(room, in: &counts) }
        }
    }

    /// Removes the socket from every room.
    public func delAll(_ socketID: String) {
        roomCounts.withLockedValue { counts in
            guard let rooms = local.socketRooms(socketID) else { return }
            local.delAll(socketID)
            for room in rooms where room != socketID { release(room, in: &counts) }
        }
    }

    private func release(_ room: String, in counts: inout [String: Int]) {
        guard let count = counts[room] else { return }
        if count <= 1 {
            counts[room] = nil
            node.unsubscribe(roomChannel(room))
        } else {
            counts[room] = count - 1
        }
    }

    /// Releases the namespace's Redis subscriptions (its channel and any room channel still held) once
    /// the server removed the namespace (an empty child of a dynamic namespace).
    public func close() {
        let rooms = roomCounts.withLockedValue { counts in
            defer { counts = [:] }
            return counts.keys.sorted()
        }
        for room in rooms { node.unsubscribe(roomChannel(room)) }
        node.unregister(self, namespace: namespace)
    }

    private func roomChannel(_ room: String) -> String {
        node.options.keyspace.roomChannel(namespace: namespace, room: room)
    }

    /// The ids of local sockets in any of `rooms`.
    public func sockets(in rooms: Set<String>) -> Set<String> { local.sockets(in: rooms) }

    /// The rooms of a local socket.
    public func socketRooms(_ socketID: String) -> Set<String>? { local.socketRooms(socketID) }

    /// The rooms this node is subscribed to (rooms with a local member, socket ids excluded).
    public var subscribedRooms: Set<String> { roomCounts.withLockedValue { Set($0.keys) } }

    // MARK: Broadcast

    /// Encodes `packet` once, delivers it to the local sockets and publishes it to the other nodes
    /// (unless `local`).
    public func broadcast(_ packet: SocketIOPacket, options: SocketIOBroadcastOptions) {
        let messages = SocketIOPacketEncoder.encode(packet, allocator: allocator)
        local.broadcast(encoded: messages, options: options, packet: packet)
        guard !options.flags.local else { return }
        let broadcast = ClusterBroadcast(
            id: node.nextBroadcastID(), selection: ClusterSelection(options), volatile: options.flags.volatile,
            compress: options.flags.compress, frames: messages.map(ClusterFrame.init)
        )
        let bytes = ClusterMessageCodec.encode(envelope(.broadcast(broadcast)), allocator: allocator)
        for channel in channels(for: options) { node.publish(bytes, to: channel) }
    }

    /// Sends `packet` to the selected sockets of every node and gathers their acknowledgements (see the
    /// type's documentation for the counting rules).
    public func broadcastWithAck(
        _ packet: SocketIOPacket, options: SocketIOBroadcastOptions,
        clientCount: @escaping @Sendable (Int) -> Void,
        ack: @escaping @Sendable ([JSONValue]) -> Void
    ) {
        var packet = packet
        let ackID = packet.ackID ?? context.nextAckID()
        packet.ackID = ackID
        let messages = SocketIOPacketEncoder.encode(packet, allocator: allocator)
        let localCount = context.deliver(messages, to: local.sockets(matching: options), ackID: ackID, ack: ack)
        guard !options.flags.local else {
            clientCount(localCount)
            return
        }
        let timeout = options.flags.timeout ?? node.options.requestTimeout
        let requests = node.requests
        let requestID = requests.start(timeout: .nanoseconds(timeout.nanoseconds / 2)) { answers, missing in
            var total = localCount + (missing ?? 0)
            for case .count(let count) in answers { total += count }
            clientCount(total)
        }
        requests.addAckSink(requestID, timeout: timeout, ack)
        let broadcast = ClusterBroadcast(
            id: node.nextBroadcastID(), selection: ClusterSelection(options), volatile: options.flags.volatile,
            compress: options.flags.compress,
            ack: ClusterBroadcast.Ack(requestID: requestID, ackID: ackID, timeoutMilliseconds: timeout.nanoseconds / 1_000_000),
            frames: messages.map(ClusterFrame.init)
        )
        let (node, channel) = (node, namespaceChannel)
        node.publish(envelope(.broadcast(broadcast)), to: channel).whenComplete { reply in
            requests.published(requestID, reply: reply, selfSubscribed: node.isSubscribed(to: channel))
        }
    }

    /// Where a broadcast with `options` is published: each target room's channel, or the namespace
    /// channel for the whole namespace or when a target looks like a socket id (nodes do not subscribe
    /// to their sockets' own rooms).
    func channels(for options: SocketIOBroadcastOptions) -> [String] {
        if options.rooms.isEmpty || options.rooms.contains(where: Self.looksLikeSocketID) { return [namespaceChannel] }
        return options.rooms.map(roomChannel)
    }

    /// Whether `room` has the shape of a socket id (20 URL-safe base64 characters).
    static func looksLikeSocketID(_ room: String) -> Bool {
        room.utf8.count == 20 && room.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    private func envelope(_ message: ClusterMessage) -> ClusterEnvelope {
        ClusterEnvelope(sender: node.id, namespace: namespace, message: message)
    }

    // MARK: Server-side socket management

    /// The selected sockets of every node; nodes that do not answer within
    /// ``ClusterOptions/requestTimeout`` are left out (logged). See ``fetchSockets(_:timeout:)`` to get
    /// an error instead.
    public func fetchSockets(_ options: SocketIOBroadcastOptions) async -> [SocketIORemoteSocket] {
        let localSockets = await local.fetchSockets(options)
        guard !options.flags.local else { return localSockets }
        let (remote, _) = await fetchRemoteSockets(options, timeout: node.options.requestTimeout)
        return localSockets + remote
    }

    /// The selected sockets of every node; throws ``ClusterRequestError`` if some node that received
    /// the request did not answer within `timeout`.
    public func fetchSockets(_ options: SocketIOBroadcastOptions, timeout: TimeAmount) async throws(ClusterRequestError) -> [SocketIORemoteSocket] {
        let localSockets = await local.fetchSockets(options)
        guard !options.flags.local else { return localSockets }
        let (remote, missing) = await fetchRemoteSockets(options, timeout: timeout)
        try Self.check(missing, what: "fetchSockets")
        return localSockets + remote
    }

    private func fetchRemoteSockets(_ options: SocketIOBroadcastOptions, timeout: TimeAmount) async -> ([SocketIORemoteSocket], Int?) {
        let selection = ClusterSelection(options)
        let (answers, missing) = await request(timeout: timeout) { .fetchSockets(requestID: $0, selection) }
        var sockets: [SocketIORemoteSocket] = []
        for case .sockets(let snapshots) in answers {
            for snapshot in snapshots {
                sockets.append(SocketIORemoteSocket(
                    id: snapshot.id, namespace: namespace, handshake: snapshot.handshake, rooms: Set(snapshot.rooms),
                    data: snapshot.data, adapter: self
                ))
            }
        }
        if missing != 0 { logIncomplete("fetchSockets", missing) }
        return (sockets, missing)
    }

    /// Makes the selected sockets of every node join `rooms`.
    public func addSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        local.addSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        node.publish(envelope(.socketsJoin(ClusterSelection(options), rooms: rooms.sorted())), to: namespaceChannel)
    }

    /// Makes the selected sockets of every node leave `rooms`.
    public func delSockets(_ options: SocketIOBroadcastOptions, rooms: Set<String>) {
        local.delSockets(options, rooms: rooms)
        guard !options.flags.local else { return }
        node.publish(envelope(.socketsLeave(ClusterSelection(options), rooms: rooms.sorted())), to: namespaceChannel)
    }

    /// Disconnects the selected sockets of every node.
    public func disconnectSockets(_ options: SocketIOBroadcastOptions, close: Bool) {
        local.disconnectSockets(options, close: close)
        guard !options.flags.local else { return }
        node.publish(envelope(.disconnectSockets(ClusterSelection(options), close: close)), to: namespaceChannel)
    }

    /// Sends a server-side event to the other nodes.
    public func serverSideEmit(_ event: String, arguments: [JSONValue]) {
        node.publish(envelope(.serverSideEmit(requestID: nil, event: event, arguments: arguments)), to: namespaceChannel)
    }

    /// Sends a server-side event to the other nodes and returns the acknowledgements that arrived
    /// within `timeout` (one per node).
    public func serverSideEmitWithAck(_ event: String, arguments: [JSONValue], timeout: TimeAmount) async -> [[JSONValue]] {
        let (answers, missing) = await request(timeout: timeout) {
            .serverSideEmit(requestID: $0, event: event, arguments: arguments)
        }
        if missing != 0 { logIncomplete("serverSideEmitWithAck", missing) }
        return Self.arguments(of: answers)
    }

    /// Sends a server-side event to the other nodes and returns one acknowledgement per node; throws
    /// ``ClusterRequestError`` if some node that received it did not answer within `timeout`.
    public func serverSideEmitWithAckOrFail(
        _ event: String, arguments: [JSONValue], timeout: TimeAmount
    ) async throws(ClusterRequestError) -> [[JSONValue]] {
        let (answers, missing) = await request(timeout: timeout) {
            .serverSideEmit(requestID: $0, event: event, arguments: arguments)
        }
        try Self.check(missing, what: "serverSideEmitWithAck")
        return Self.arguments(of: answers)
    }

    /// The number of nodes serving this namespace (`PUBSUB NUMSUB` of the namespace channel); 1 if
    /// Redis cannot be asked.
    public func serverCount() async -> Int {
        let reply = try? await node.connection.send(RESPCommand("PUBSUB", "NUMSUB", namespaceChannel)).get()
        guard let elements = reply?.elements, elements.count == 2, let count = elements[1].integer else { return 1 }
        return max(1, Int(count))
    }

    private static func arguments(of answers: [ClusterRequests.Answer]) -> [[JSONValue]] {
        var result: [[JSONValue]] = []
        for case .arguments(let arguments) in answers { result.append(arguments) }
        return result
    }

    private static func check(_ missing: Int?, what: String) throws(ClusterRequestError) {
        guard let missing else {
            throw ClusterRequestError(code: .publishFailed, missingNodes: 0, message: "\(what): the request could not be published")
        }
        guard missing == 0 else {
            throw ClusterRequestError(code: .timeout, missingNodes: missing, message: "\(what): \(missing) node(s) did not answer in time")
        }
    }

    private func logIncomplete(_ what: String, _ missing: Int?) {
        node.logger.warning("cluster request incomplete", metadata: [
            "cluster.request": "\(what)", "cluster.missing": "\(missing.map(String.init) ?? "unknown (publish failed)")",
            "socket.nsp": "\(namespace)",
        ])
    }

    /// Publishes the request `make` builds on the namespace channel and waits for its answers.
    private func request(
        timeout: TimeAmount, _ make: (UInt64) -> ClusterMessage
    ) async -> ([ClusterRequests.Answer], Int?) {
        await withCheckedContinuation { continuation in
            let requests = node.requests
            let id = requests.start(timeout: timeout) { answers, missing in
                continuation.resume(returning: (answers, missing))
            }
            let (node, channel) = (node, namespaceChannel)
            node.publish(envelope(make(id)), to: channel).whenComplete { reply in
                requests.published(id, reply: reply, selfSubscribed: node.isSubscribed(to: channel))
            }
        }
    }

    // MARK: Incoming

    /// Carries out what another node asked of this namespace.
    func handle(_ envelope: ClusterEnvelope) {
        let sender = envelope.sender
        switch envelope.message {
        case .broadcast(let broadcast):
            if broadcast.selection.rooms.count > 1 {
                guard duplicates.withLockedValue({ $0.isFirstDelivery(sender: sender, id: broadcast.id) }) else { return }
            }
            deliver(broadcast, from: sender)
        case .socketsJoin(let selection, let rooms):
            local.addSockets(selection.options(), rooms: Set(rooms))
        case .socketsLeave(let selection, let rooms):
            local.delSockets(selection.options(), rooms: Set(rooms))
        case .disconnectSockets(let selection, let close):
            local.disconnectSockets(selection.options(), close: close)
        case .fetchSockets(let requestID, let selection):
            let (local, node, namespace) = (local, node, namespace)
            Task {
                let snapshots = await local.fetchSockets(selection.options()).map { socket in
                    ClusterSocketSnapshot(id: socket.id, rooms: socket.rooms, data: socket.data, handshake: socket.handshake)
                }
                node.answer(.fetchSocketsResponse(requestID: requestID, sockets: snapshots), namespace: namespace, to: sender)
            }
        case .serverSideEmit(let requestID, let event, let arguments):
            var answer: (@Sendable ([JSONValue]) -> Void)?
            if let requestID {
                let (node, namespace) = (node, namespace)
                answer = { reply in
                    node.answer(.serverSideEmitResponse(requestID: requestID, arguments: reply), namespace: namespace, to: sender)
                }
            }
            context.receiveServerSideEvent(event, arguments: arguments, ack: answer)
        case .clientCount, .broadcastAck, .fetchSocketsResponse, .serverSideEmitResponse:
            // Answers go to the node channel and are routed by the node.
            break
        }
    }

    private func deliver(_ broadcast: ClusterBroadcast, from sender: ClusterNodeID) {
        let flags = SocketIOBroadcastOptions.Flags(volatile: broadcast.volatile, compress: broadcast.compress)
        let options = broadcast.selection.options(flags: flags)
        guard let ack = broadcast.ack else {
            local.broadcast(encoded: broadcast.frames.map { $0.outbound(allocator: allocator) }, options: options)
            return
        }
        let (node, namespace, requestID) = (node, namespace, ack.requestID)
        // An id of this node's own counter, so it cannot clash with a local pending acknowledgement:
        // the text frame is rebuilt once for this node with that id.
        let localAckID = context.nextAckID()
        guard let text = broadcast.frames.first, !text.isBinary,
            let rewritten = ClusterAckIDRewrite.replacingAckID(in: text.payload, with: localAckID)
        else {
            node.logger.warning("acknowledged broadcast without an acknowledgement id dropped", metadata: ["socket.nsp": "\(namespace)"])
            node.answer(.clientCount(requestID: requestID, count: 0), namespace: namespace, to: sender)
            return
        }
        var messages = [OutboundEngineMessage(text: rewritten, allocator: allocator)]
        messages += broadcast.frames.dropFirst().map { $0.outbound(allocator: allocator) }
        let recipients = local.sockets(matching: options)
        let count = context.deliver(messages, to: recipients, ackID: localAckID) { arguments in
            node.answer(.broadcastAck(requestID: requestID, arguments: arguments), namespace: namespace, to: sender)
        }
        node.answer(.clientCount(requestID: requestID, count: count), namespace: namespace, to: sender)
        // Sockets that never answer forget the acknowledgement once the sender stopped waiting.
        let context = context
        node.eventLoopGroup.any().scheduleTask(in: .milliseconds(ack.timeoutMilliseconds)) {
            context.forgetAck(localAckID, for: recipients)
        }
    }
}
