import EngineIO
import Logging
import NIOCore
import SwitchboardJSON

/// The Socket.IO side of one Engine.IO connection: decodes packets, connects namespaces, dispatches
/// packets to sockets, enforces the connect timeout.
///
/// `@unchecked Sendable`: every mutable property is read and written only on `connection.eventLoop`
/// (delegate callbacks arrive there; sockets call in from their `runOnLoop`, which is the same loop).
final class SocketIOClientConnection: EngineConnectionDelegate, @unchecked Sendable {
    let connection: any EngineConnection
    let server: SocketIOServer
    /// The server's logger with `engine.sid` metadata, built when something is logged (not kept per connection:
    /// a metadata dictionary per idle connection costs memory for nothing).
    var logger: Logger {
        var logger = server.logger
        logger[metadataKey: "engine.sid"] = "\(connection.id)"
        return logger
    }
    private var decoder: SocketIOPacketDecoder
    private var state = ClientStateMachine()
    /// The connected sockets by namespace (those the state machine holds as `.connected`).
    private var sockets = SmallStringMap<SocketIOSocket>()
    /// This loop's connect-timeout timer, which holds this client until it joins a namespace or closes.
    private let connectTimer: ConnectTimeoutTimer
    /// Made when needed (a stateless value): not stored, so each client is 32 bytes smaller.
    private var allocator: ByteBufferAllocator { ByteBufferAllocator() }

    init(connection: any EngineConnection, server: SocketIOServer) {
        self.connection = connection
        self.server = server
        self.decoder = SocketIOPacketDecoder(
            maximumAttachments: server.configuration.maximumAttachments,
            parser: server.configuration.jsonParser
        )
        self.connectTimer = server.connectTimers.timer(for: connection.eventLoop)
    }

    /// Starts the connect timeout. On loop.
    func start() {
        connectTimer.start(self)
    }

    /// The connect timeout passed before a namespace was joined. On loop.
    func connectTimeoutFired() {
        guard state.connectTimeoutFired() else { return }
        logger.debug("no namespace joined before the connect timeout; closing")
        connection.close()
    }

    // MARK: EngineConnectionDelegate

    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        connection.eventLoop.assertInEventLoop()
        guard state.isOpen else { return }
        let packet: SocketIOPacket?
        do {
            packet = try decoder.decode(message)
        } catch {
            logger.debug("invalid packet; closing", metadata: ["socket.error": "\(error)"])
            disconnectAll(reason: .parseError, notifyClients: false)
            return
        }
        guard let packet else { return }
        handle(packet)
    }

    func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {
        connection.eventLoop.assertInEventLoop()
        connectTimer.cancel(self)
        if state.engineClosed() {
            closeSockets(reason: SocketIODisconnectReason(reason))
        }
        server.remove(self)
    }

    // MARK: Packets

    func handle(_ packet: SocketIOPacket) {
        server.metrics.received(packet.type)
        switch packet.type {
        case .connect:
            connect(to: packet.namespace, auth: packet.data ?? .object(JSONObject()))
        case .event, .binaryEvent, .ack, .binaryAck, .disconnect:
            guard state.shouldDispatch(namespace: packet.namespace) else { return }
            sockets[packet.namespace]?.handle(packet)
        case .connectError:
            break
        }
    }

    private func connect(to name: String, auth: JSONValue) {
        let namespace = server.resolveNamespace(name, auth: auth)
        switch state.connectReceived(namespace: name, exists: namespace != nil) {
        case .refuseUnknownNamespace:
            server.metrics.connectErrors.increment()
            send(SocketIOPacket(type: .connectError, namespace: name, data: ["message": "Invalid namespace"]))
        case .ignore:
            logger.debug("CONNECT ignored", metadata: ["socket.nsp": "\(name)"])
        case .runMiddlewares:
            guard let namespace else { return }
            if let recovery = namespace.recovery,
                case .string(let pid)? = auth["pid"], case .string(let offset)? = auth["offset"]
            {
                recovery.store.restoreSession(namespace: name, pid: pid, offset: offset) { [self] session in
                    let create: @Sendable () -> Void = { [self] in
                        let loop = connection.eventLoop
                        if loop.inEventLoop {
                            createSocket(namespace: namespace, auth: auth, restoring: session)
                        } else {
                            loop.execute { self.createSocket(namespace: namespace, auth: auth, restoring: session) }
                        }
                    }
                    // A shared store can hand out the live session of a socket this server still holds
                    // (the client came back here before the old connection was seen to drop): that socket
                    // leaves first, so the recovered one, with the same id, does not share its rooms.
                    if let session, let stale = namespace.directory.socket(session.session.sid) {
                        stale.closeReplaced(then: create)
                    } else {
                        create()
                    }
                }
            } else {
                createSocket(namespace: namespace, auth: auth, restoring: nil)
            }
        }
    }

    /// Creates the socket (taking over `session` if recovered) and runs the middlewares (unless the
    /// recovered socket may skip them). On loop.
    private func createSocket(namespace: SocketIONamespace, auth: JSONValue, restoring session: SocketIORecoveredSession?) {
        connection.eventLoop.assertInEventLoop()
        let socket = SocketIOSocket(
            id: SocketIDGenerator.next(), namespace: namespace, client: self,
            handshake: SocketIOHandshake(engine: connection.handshake, auth: auth),
            restoring: session
        )
        if session != nil, namespace.recovery?.skipMiddlewares == true {
            logger.debug("connection state recovered", metadata: ["socket.id": "\(socket.id)"])
            middlewaresFinished(socket: socket, error: nil)
            return
        }
        namespace.runMiddlewares(for: socket) { [self] error in
            middlewaresFinished(socket: socket, error: error)
        }
    }

    private func middlewaresFinished(socket: SocketIOSocket, error: SocketIOMiddlewareError?) {
        let namespace = socket.namespace
        switch state.middlewaresFinished(namespace: namespace.name, refused: error != nil) {
        case .refuse:
            server.metrics.connectErrors.increment()
            socket.close(reason: .serverNamespaceDisconnect)  // never connected: only marks it closed
            namespace.adapter.delAll(socket.id)  // rooms a middleware may have joined
            send(SocketIOPacket(type: .connectError, namespace: namespace.name, data: error?.payload))
        case .discard:
            socket.close(reason: .transportClose)  // never connected: only marks it closed
            namespace.adapter.delAll(socket.id)
        case .open(let cancelConnectTimeout):
            if cancelConnectTimeout { connectTimer.cancel(self) }
            sockets[namespace.name] = socket
            socket.open()
            namespace.fireConnection(socket)
        }
    }

    // MARK: Sending and closing

    func send(_ packet: SocketIOPacket, compress: Bool = true) {
        server.metrics.sent(packet.type)
        connection.send(SocketIOPacketEncoder.encode(packet, compress: compress, allocator: allocator))
    }

    /// Forgets a socket that has closed. On loop.
    func remove(_ socket: SocketIOSocket) {
        connection.eventLoop.assertInEventLoop()
        guard sockets[socket.namespace.name] === socket else { return }
        sockets[socket.namespace.name] = nil
        state.socketClosed(namespace: socket.namespace.name)
    }

    /// Ends every socket with `reason` (sending `DISCONNECT` for each when `notifyClients`), then closes
    /// the Engine.IO connection. On loop.
    func disconnectAll(reason: SocketIODisconnectReason, notifyClients: Bool = true) {
        connection.eventLoop.assertInEventLoop()
        let namespaces = state.connectedNamespaces
        guard state.closeRequested() else { return }
        connectTimer.cancel(self)
        if notifyClients {
            for name in namespaces { send(SocketIOPacket(type: .disconnect, namespace: name)) }
        }
        closeSockets(reason: reason)
        connection.close()
    }

    private func closeSockets(reason: SocketIODisconnectReason) {
        let open = sockets.entries.sorted { $0.key < $1.key }.map(\.value)
        sockets.removeAll()
        for socket in open { socket.close(reason: reason) }
    }
}
