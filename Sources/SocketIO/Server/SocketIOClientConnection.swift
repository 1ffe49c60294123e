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
    let logger: Logger
    private var decoder: SocketIOPacketDecoder
    private var sockets: [String: SocketIOSocket] = [:]
    private var connecting: Set<String> = []
    private var connectTimeout: Scheduled<Void>?
    private(set) var isClosed = false
    /// Set once the server asked the Engine.IO connection to close; later messages are ignored.
    private var isClosing = false
    private let allocator = ByteBufferAllocator()

    init(connection: any EngineConnection, server: SocketIOServer) {
        self.connection = connection
        self.server = server
        self.decoder = SocketIOPacketDecoder(
            maximumAttachments: server.configuration.maximumAttachments,
            parser: server.configuration.jsonParser
        )
        var logger = server.logger
        logger[metadataKey: "engine.sid"] = "\(connection.id)"
        self.logger = logger
    }

    /// Starts the connect timeout. On loop.
    func start() {
        connectTimeout = connection.eventLoop.scheduleTask(in: server.configuration.connectTimeout) { [self] in
            guard !isClosed, sockets.isEmpty else { return }
            logger.debug("no namespace joined before the connect timeout; closing")
            close()
        }
    }

    // MARK: EngineConnectionDelegate

    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        guard !isClosed, !isClosing else { return }
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
        guard !isClosed else { return }
        isClosed = true
        connectTimeout?.cancel()
        closeSockets(reason: SocketIODisconnectReason(reason))
        server.remove(self)
    }

    // MARK: Packets

    func handle(_ packet: SocketIOPacket) {
        switch packet.type {
        case .connect:
            connect(to: packet.namespace, auth: packet.data ?? .object(JSONObject()))
        case .event, .binaryEvent, .ack, .binaryAck, .disconnect:
            sockets[packet.namespace]?.handle(packet)
        case .connectError:
            break
        }
    }

    private func connect(to name: String, auth: JSONValue) {
        guard let namespace = server.existingNamespace(name) else {
            send(SocketIOPacket(type: .connectError, namespace: name, data: ["message": "Invalid namespace"]))
            return
        }
        guard sockets[name] == nil, !connecting.contains(name) else {
            logger.debug("duplicate CONNECT ignored", metadata: ["socket.nsp": "\(name)"])
            return
        }
        connecting.insert(name)
        let socket = SocketIOSocket(
            id: SocketIDGenerator.next(), namespace: namespace, client: self,
            handshake: SocketIOHandshake(engine: connection.handshake, auth: auth), logger: logger
        )
        namespace.runMiddlewares(for: socket) { [self] error in
            connecting.remove(name)
            guard !isClosed else { return }
            if let error {
                send(SocketIOPacket(type: .connectError, namespace: name, data: error.payload))
                return
            }
            sockets[name] = socket
            connectTimeout?.cancel()
            connectTimeout = nil
            socket.open()
            namespace.fireConnection(socket)
        }
    }

    // MARK: Sending and closing

    func send(_ packet: SocketIOPacket) {
        connection.send(SocketIOPacketEncoder.encode(packet, allocator: allocator))
    }

    /// Forgets a socket that has closed. On loop.
    func remove(_ socket: SocketIOSocket) {
        if sockets[socket.namespace.name] === socket {
            sockets[socket.namespace.name] = nil
        }
    }

    /// Ends every socket with `reason` (sending `DISCONNECT` for each when `notifyClients`), then closes
    /// the Engine.IO connection.
    func disconnectAll(reason: SocketIODisconnectReason, notifyClients: Bool = true) {
        guard !isClosed else { return }
        if notifyClients {
            for socket in sockets.values.sorted(by: { $0.namespace.name < $1.namespace.name }) {
                send(SocketIOPacket(type: .disconnect, namespace: socket.namespace.name))
            }
        }
        closeSockets(reason: reason)
        close()
    }

    private func closeSockets(reason: SocketIODisconnectReason) {
        let open = sockets.values.sorted { $0.namespace.name < $1.namespace.name }
        for socket in open { socket.close(reason: reason) }
        sockets.removeAll()
    }

    /// Closes the Engine.IO connection. On loop.
    func close() {
        guard !isClosed, !isClosing else { return }
        isClosing = true
        connectTimeout?.cancel()
        connection.close()
    }
}
