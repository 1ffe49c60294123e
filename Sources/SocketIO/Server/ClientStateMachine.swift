/// The lifecycle of one client (one Engine.IO connection) as Socket.IO sees it: which namespaces are
/// being joined or joined, the connect timeout, and closing. Pure: each event returns what to do.
struct ClientStateMachine: Sendable {
    enum Phase: Sendable, Hashable {
        /// No namespace joined yet; the connect timeout is running.
        case awaitingFirstConnect
        /// At least one namespace was joined once.
        case active
        /// The server asked the connection to close; the engine has not confirmed yet.
        case closing
        /// The engine connection is closed.
        case closed
    }

    enum NamespacePhase: Sendable, Hashable {
        /// Middlewares are running.
        case connecting
        /// The socket is connected.
        case connected
    }

    private(set) var phase: Phase = .awaitingFirstConnect
    private(set) var namespaces = SmallStringMap<NamespacePhase>()

    var isOpen: Bool { phase == .awaitingFirstConnect || phase == .active }

    // MARK: Inbound packets

    enum ConnectAction: Sendable, Hashable {
        /// Send `CONNECT_ERROR` `{"message":"Invalid namespace"}`.
        case refuseUnknownNamespace
        /// Already joined or joining: drop the packet.
        case ignore
        /// Create the socket and run the namespace middlewares.
        case runMiddlewares
    }

    /// A `CONNECT` packet arrived for `namespace` (`exists`: the server has such a namespace).
    mutating func connectReceived(namespace: String, exists: Bool) -> ConnectAction {
        guard isOpen else { return .ignore }
        guard exists else { return .refuseUnknownNamespace }
        guard namespaces[namespace] == nil else { return .ignore }
        namespaces[namespace] = .connecting
        return .runMiddlewares
    }

    enum MiddlewareAction: Sendable, Hashable {
        /// Send `CONNECT_ERROR` with the refusal and forget the socket.
        case refuse
        /// Open the socket (send the `CONNECT` reply, run connection handlers); cancel the connect
        /// timeout when `cancelConnectTimeout`.
        case open(cancelConnectTimeout: Bool)
        /// The connection is gone: forget the socket.
        case discard
    }

    /// The middlewares of `namespace` finished, refusing or accepting.
    mutating func middlewaresFinished(namespace: String, refused: Bool) -> MiddlewareAction {
        guard isOpen, namespaces[namespace] == .connecting else { return .discard }
        if refused {
            namespaces[namespace] = nil
            return .refuse
        }
        namespaces[namespace] = .connected
        let first = phase == .awaitingFirstConnect
        phase = .active
        return .open(cancelConnectTimeout: first)
    }

    /// Whether a packet for `namespace` (event, ack, disconnect) goes to its socket.
    func shouldDispatch(namespace: String) -> Bool {
        isOpen && namespaces[namespace] == .connected
    }

    /// The socket of `namespace` has closed (client or server `DISCONNECT`).
    mutating func socketClosed(namespace: String) {
        if namespaces[namespace] == .connected { namespaces[namespace] = nil }
    }

    // MARK: Timers and closing

    /// The connect timeout fired; returns whether to close the connection.
    mutating func connectTimeoutFired() -> Bool {
        guard phase == .awaitingFirstConnect, !namespaces.values.contains(.connected) else { return false }
        phase = .closing
        return true
    }

    /// The server wants the connection closed (parse error, `disconnect(close: true)`, shutdown);
    /// returns whether to close the sockets and the engine connection now (false if already closing).
    mutating func closeRequested() -> Bool {
        guard isOpen else { return false }
        phase = .closing
        return true
    }

    /// The engine connection closed; returns whether the sockets still have to be closed.
    mutating func engineClosed() -> Bool {
        guard phase != .closed else { return false }
        phase = .closed
        namespaces.removeAll()
        return true
    }

    /// Namespaces whose socket is connected, in name order (the order sockets are closed in).
    var connectedNamespaces: [String] {
        namespaces.entries.filter { $0.value == .connected }.map(\.key).sorted()
    }
}
