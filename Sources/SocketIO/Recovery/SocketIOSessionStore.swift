import NIOCore
import SwitchboardJSON

/// Connection state recovery settings (socket.io's `connectionStateRecovery`).
///
/// When enabled, every socket gets a private session id (`pid`, sent in the `CONNECT` reply), every
/// event sent without acknowledgement and not volatile carries an offset as its last argument, and a
/// socket that leaves for a transport reason is kept in the ``SocketIOSessionStore``. A client that
/// reconnects within ``maxDisconnectionDuration`` with `{pid, offset}` in its `CONNECT` payload gets the
/// same socket id, rooms and `data` back, receives the events it missed, and
/// ``SocketIOSocket/recovered`` is `true`.
public struct SocketIOConnectionStateRecovery: Sendable {
    /// How long a disconnected session (and the packets it might miss) is kept (default 2 minutes).
    public var maxDisconnectionDuration: TimeAmount
    /// Whether a recovered socket skips the namespace middlewares (default `true`).
    public var skipMiddlewares: Bool
    /// Where sessions and packets are kept (default: an ``InMemorySessionStore`` with the same duration).
    public var store: any SocketIOSessionStore

    /// Creates recovery settings.
    public init(
        maxDisconnectionDuration: TimeAmount = .minutes(2), skipMiddlewares: Bool = true,
        store: (any SocketIOSessionStore)? = nil
    ) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.skipMiddlewares = skipMiddlewares
        self.store = store ?? InMemorySessionStore(maxDisconnectionDuration: maxDisconnectionDuration)
    }
}

/// The state of a socket kept for recovery when it disconnects.
public struct SocketIOSession: Sendable, Hashable {
    /// The namespace name.
    public var namespace: String
    /// The public socket id.
    public var sid: String
    /// The private session id the client presents to recover.
    public var pid: String
    /// The rooms the socket was in.
    public var rooms: Set<String>
    /// The socket's ``SocketIOSocket/data``.
    public var data: JSONValue

    /// Creates a session.
    public init(namespace: String, sid: String, pid: String, rooms: Set<String>, data: JSONValue) {
        self.namespace = namespace
        self.sid = sid
        self.pid = pid
        self.rooms = rooms
        self.data = data
    }
}

/// A session found again, with the events its socket missed (each the full `[event, args..., offset]`
/// array of an `EVENT` packet).
public struct SocketIORecoveredSession: Sendable, Hashable {
    /// The session as it was saved.
    public var session: SocketIOSession
    /// The events sent to the session's rooms after the client's offset, in order.
    public var missedPackets: [[JSONValue]]

    /// Creates a recovered session.
    public init(session: SocketIOSession, missedPackets: [[JSONValue]]) {
        self.session = session
        self.missedPackets = missedPackets
    }
}

/// Keeps disconnected sessions and recent events for connection state recovery. The in-process
/// implementation is ``InMemorySessionStore``; a shared one (e.g. Redis) lets a client recover on
/// another server. Methods may be called from any thread.
public protocol SocketIOSessionStore: Sendable {
    /// Records an event sent to the sockets selected by `options` (`packet` is the full
    /// `[event, args..., offset]` array, `offset` its last element).
    func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions)
    /// Keeps the state of a socket that just disconnected.
    func saveSession(_ session: SocketIOSession)
    /// Looks up the session `pid` of `namespace`, with the events after `offset`; calls `completion`
    /// (from any thread) with `nil` if the session is unknown or expired, or the offset is too old.
    /// A session is handed out at most once.
    func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    )
    /// Called when a recoverable socket connects and when its rooms or `data` change, so a store shared
    /// by several servers can keep the live session and let another server recover it if this one dies
    /// without seeing the disconnect. Not called per packet. The default does nothing.
    func sessionChanged(_ session: SocketIOSession)
    /// Called when a recoverable socket leaves for a reason that is not recoverable (its live session,
    /// if kept, can go). The default does nothing.
    func sessionEnded(namespace: String, pid: String)
}

extension SocketIOSessionStore {
    /// Does nothing: a store private to one process needs no live sessions.
    public func sessionChanged(_ session: SocketIOSession) {}
    /// Does nothing.
    public func sessionEnded(namespace: String, pid: String) {}
}

/// The name the project plan uses for ``SocketIOSessionStore``.
public typealias SessionStore = SocketIOSessionStore
