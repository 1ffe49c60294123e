import ClusterProtocol
import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SwitchboardRedis
import SwitchboardTransport

/// Serves Engine.IO requests for sessions other nodes own, and the requests other nodes forward for
/// sessions this node owns: the ``RemoteSessionRouter`` of a cluster node.
///
/// - A polling `GET`/`POST` on a node that does not own the session (the *edge*) is published on the
///   owner's forwarding channel; the owner serves it as if it had arrived there (a `GET` waits for its
///   long-poll) and publishes the answer on the edge's channel. The edge keeps the client's request
///   open meanwhile; if the client goes away, the owner releases the parked poll.
/// - A WebSocket upgrade on an edge is accepted there and relayed: each client message goes to the
///   owner, and the owner's complete frames come back and are written as they are.
/// - One connection publishes (`OrderedRedisConnection`) and one subscription reads, so the messages of one
///   session keep their order in both directions.
final class SessionForwarder: RemoteSessionRouter {
    /// What an edge waits on.
    enum EdgeEntry: Sendable {
        case poll(ForwardedPollingRequest)
        case socket(ForwardedWebSocket)
    }

    struct State: Sendable {
        var forwards = ForwardingBook<EdgeEntry>()
        var servedPolls = ServedForwardsBook<ForwardedRequestHandle>()
        var servedSockets = ServedForwardsBook<ForwardedWebSocketHandle>()
        /// Owners learnt from the registry (a request of a known session needs no lookup).
        var owners: [String: ClusterNodeID] = [:]
    }

    /// At most this many owners are cached; the cache starts over beyond it.
    static let ownerCacheLimit = 100_000

    let nodeID: ClusterNodeID
    let keyspace: ClusterKeyspace
    let registry: SessionRegistry
    let publisher: OrderedRedisConnection
    let engine: EngineServer
    let logger: Logger
    /// How long an edge waits for the owner's answer before answering "Session ID unknown" itself.
    let forwardTimeoutMilliseconds: Int64
    private let state = NIOLockedValueBox(State())

    init(
        nodeID: ClusterNodeID, keyspace: ClusterKeyspace, registry: SessionRegistry, publisher: OrderedRedisConnection,
        engine: EngineServer, forwardTimeoutMilliseconds: Int64, logger: Logger
    ) {
        self.nodeID = nodeID
        self.keyspace = keyspace
        self.registry = registry
        self.publisher = publisher
        self.engine = engine
        self.forwardTimeoutMilliseconds = forwardTimeoutMilliseconds
        self.logger = logger
    }

    /// The channel this node reads.
    var channel: String { keyspace.sessionForwardingChannel(nodeID) }

    private func send(_ message: SessionForwardingMessage, to node: ClusterNodeID) {
        let channel = keyspace.sessionForwardingChannel(node)
        publisher.send(RESPCommand("PUBLISH", channel, SessionForwardingCodec.encode(message))).whenFailure { [logger] error in
            logger.debug("session forwarding publish failed", metadata: ["redis.error": "\(error)"])
        }
    }

    // MARK: RemoteSessionRouter (registry)

    func sessionOpened(_ sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let registry = registry
        let nodeID = nodeID
        let logger = logger
        promise.completeWithTask {
            do {
                try await registry.register(sid, owner: nodeID)
            } catch {
                logger.warning("cannot register session", metadata: ["engine.sid": "\(sid)", "redis.error": "\(error)"])
            }
        }
        return promise.futureResult
    }

    func sessionClosed(_ sid: String) {
        let registry = registry
        let nodeID = nodeID
        Task { try? await registry.unregister(sid, owner: nodeID) }
    }

    // MARK: RemoteSessionRouter (edge)

    private func owner(of sid: String) async -> ClusterNodeID? {
        if let cached = state.withLockedValue({ $0.owners[sid] }) { return cached }
        guard let owner = try? await registry.owner(of: sid), owner != nodeID else { return nil }
        state.withLockedValue { state in
            if state.owners.count >= Self.ownerCacheLimit { state.owners.removeAll(keepingCapacity: true) }
            state.owners[sid] = owner
        }
        return owner
    }

    func forwardPollingRequest(_ request: ForwardedPollingRequest) {
        if let owner = state.withLockedValue({ $0.owners[request.sid] }) {
            forward(request, to: owner)
            return
        }
        Task {
            guard let owner = await owner(of: request.sid) else { return request.respondUnknownSession() }
            forward(request, to: owner)
        }
    }

    private func forward(_ request: ForwardedPollingRequest, to owner: ClusterNodeID) {
        let deadline = Self.now() + forwardTimeoutMilliseconds
        let requestID = state.withLockedValue { $0.forwards.open(.poll(request), owner: owner, deadline: deadline) }
        send(
            .pollingRequest(.init(
                edge: nodeID, requestID: requestID, sid: request.sid, isPost: request.method == .POST, body: request.body)),
            to: owner)
        request.onAbort { [self] in
            guard state.withLockedValue({ $0.forwards.close(requestID) }) != nil else { return }
            send(.pollingAbort(edge: nodeID, requestID: requestID), to: owner)
        }
    }

    func canForwardWebSocket(sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        let promise = eventLoop.makePromise(of: Bool.self)
        promise.completeWithTask { await self.owner(of: sid) != nil }
        return promise.futureResult
    }

    func forwardWebSocket(_ socket: ForwardedWebSocket) {
        guard let owner = state.withLockedValue({ $0.owners[socket.sid] }) else {
            // Checked before the 101 moments ago; the owner has just died since.
            socket.close()
            return
        }
        let streamID = state.withLockedValue { $0.forwards.open(.socket(socket), owner: owner) }
        send(.webSocketOpen(edge: nodeID, streamID: streamID, sid: socket.sid), to: owner)
        let nodeID = nodeID
        socket.start(
            onMessage: { [self] data, isBinary in
                send(.webSocketInbound(edge: nodeID, streamID: streamID, isBinary: isBinary, data: data), to: owner)
            },
            onClose: { [self] in
                guard state.withLockedValue({ $0.forwards.close(streamID) }) != nil else { return }
                send(.webSocketClosedByClient(edge: nodeID, streamID: streamID), to: owner)
            })
    }

    // MARK: Messages from other nodes

    /// Handles one message published on this node's forwarding channel.
    func received(_ payload: ByteBuffer) {
        let message: SessionForwardingMessage
        do {
            message = try SessionForwardingCodec.decode(payload)
        } catch {
            logger.warning("undecodable session forwarding message", metadata: ["cluster.error": "\(error)"])
            return
        }
        switch message {
        case .pollingRequest(let request):
            servePollingRequest(request)
        case .pollingResponse(let response):
            guard case .poll(let request)? = state.withLockedValue({ $0.forwards.close(response.requestID) }) else { return }
            var headers = HTTPHeaders()
            for header in response.headers { headers.add(name: header.name, value: header.value) }
            request.respond(status: HTTPResponseStatus(statusCode: response.status), headers: headers, body: response.body)
        case .pollingAbort(let edge, let requestID):
            state.withLockedValue { $0.servedPolls.remove(.init(edge: edge, id: requestID)) }?.abort()
        case .webSocketOpen(let edge, let streamID, let sid):
            serveWebSocket(edge: edge, streamID: streamID, sid: sid)
        case .webSocketInbound(let edge, let streamID, let isBinary, let data):
            state.withLockedValue { $0.servedSockets.handle(for: .init(edge: edge, id: streamID)) }?
                .received(data, isBinary: isBinary)
        case .webSocketOutbound(let streamID, let frames):
            guard case .socket(let socket)? = state.withLockedValue({ $0.forwards.pending(streamID) }) else { return }
            socket.write(frames)
        case .webSocketClosedByClient(let edge, let streamID):
            state.withLockedValue { $0.servedSockets.remove(.init(edge: edge, id: streamID)) }?.closed()
        case .webSocketClosedByOwner(let streamID):
            guard case .socket(let socket)? = state.withLockedValue({ $0.forwards.close(streamID) }) else { return }
            socket.close()
        }
    }

    private func servePollingRequest(_ request: SessionForwardingMessage.PollingRequest) {
        let key = ServedForwardsBook<ForwardedRequestHandle>.Key(edge: request.edge, id: request.requestID)
        let edge = request.edge
        let served = engine.serveForwardedPollingRequest(
            sid: request.sid, method: request.isPost ? .POST : .GET, body: request.body,
            prepare: { [self] handle in _ = state.withLockedValue { $0.servedPolls.insert(handle, for: key) } }
        ) { [self] status, headers, body in
            _ = state.withLockedValue { $0.servedPolls.remove(key) }
            let fields = headers.map { SessionForwardingMessage.HeaderField(name: $0.name, value: $0.value) }
            send(.pollingResponse(.init(requestID: key.id, status: Int(status.code), headers: fields, body: body)), to: edge)
        }
        guard served else {
            let error = EngineRequestError.unknownSessionID
            send(
                .pollingResponse(.init(
                    requestID: request.requestID, status: error.httpStatus,
                    headers: [.init(name: "Content-Type", value: "application/json")], body: ByteBuffer(string: error.jsonBody))),
                to: edge)
            return
        }
    }

    private func serveWebSocket(edge: ClusterNodeID, streamID: UInt64, sid: String) {
        let key = ServedForwardsBook<ForwardedWebSocketHandle>.Key(edge: edge, id: streamID)
        let handle = engine.attachForwardedWebSocket(
            sid: sid,
            write: { [self] frames in send(.webSocketOutbound(streamID: streamID, frames: frames), to: edge) },
            close: { [self] in
                guard state.withLockedValue({ $0.servedSockets.remove(key) }) != nil else { return }
                send(.webSocketClosedByOwner(streamID: streamID), to: edge)
            })
        guard let handle else {
            send(.webSocketClosedByOwner(streamID: streamID), to: edge)
            return
        }
        _ = state.withLockedValue { $0.servedSockets.insert(handle, for: key) }
    }

    // MARK: Time and node failures

    /// Answers forwarded polls whose owner did not answer in time (`400 Session ID unknown`).
    func expireForwards() {
        let expired = state.withLockedValue { $0.forwards.expire(now: Self.now()) }
        for entry in expired { Self.fail(entry) }
    }

    /// `node` died: fail what was forwarded to it, release what it forwarded here.
    func nodeLost(_ node: ClusterNodeID) {
        let (forwards, polls, sockets) = state.withLockedValue { state in
            state.owners = state.owners.filter { $0.value != node }
            return (state.forwards.ownerLost(node), state.servedPolls.edgeLost(node), state.servedSockets.edgeLost(node))
        }
        for entry in forwards { Self.fail(entry) }
        for poll in polls { poll.abort() }
        for socket in sockets { socket.closed() }
        if !forwards.isEmpty || !polls.isEmpty || !sockets.isEmpty {
            logger.info(
                "released forwards of a lost node",
                metadata: ["cluster.node": "\(node)", "cluster.forwards": "\(forwards.count + polls.count + sockets.count)"])
        }
    }

    private static func fail(_ entry: EdgeEntry) {
        switch entry {
        case .poll(let request): request.respondUnknownSession()
        case .socket(let socket): socket.close()
        }
    }

    static func now() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }
}
