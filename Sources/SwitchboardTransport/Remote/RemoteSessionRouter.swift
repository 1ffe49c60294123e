import EngineIO
import NIOCore
import NIOHTTP1

/// Serves Engine.IO requests whose session another process of a cluster owns (no sticky sessions).
///
/// An ``EngineServer`` without a router answers such requests `400 {"code":1,"message":"Session ID unknown"}`.
/// With one, a polling `GET`/`POST` or a WebSocket upgrade carrying a `sid` this process does not own is
/// handed to the router, which relays it to the owner. Requests for local sessions never reach it.
///
/// The router also learns when local sessions open and close, to keep a cluster-wide registry.
public protocol RemoteSessionRouter: Sendable {
    /// A session opened here on polling (a session that begins on WebSocket is never announced: no other
    /// process ever receives a request for it). The polling handshake answer (which tells the client its `sid`) waits for the
    /// returned future, so another process can find the session as soon as the client knows it.
    func sessionOpened(_ sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Void>

    /// A local session announced by ``sessionOpened(_:eventLoop:)`` ended.
    func sessionClosed(_ sid: String)

    /// A polling request for a session this process does not own; answer it through `request`.
    func forwardPollingRequest(_ request: ForwardedPollingRequest)

    /// Whether a WebSocket upgrade for `sid`, a session this process does not own, may be accepted here
    /// (decided before the `101` answer).
    func canForwardWebSocket(sid: String, eventLoop: any EventLoop) -> EventLoopFuture<Bool>

    /// A WebSocket accepted after ``canForwardWebSocket(sid:eventLoop:)``; relay it to the owner.
    func forwardWebSocket(_ socket: ForwardedWebSocket)
}

/// One polling request (`GET` or `POST`) that names a session owned by another process.
public struct ForwardedPollingRequest: Sendable {
    /// The session the request names.
    public let sid: String
    /// `GET` (long-poll) or `POST` (packets from the client).
    public let method: HTTPMethod
    /// The complete request body (empty for `GET`).
    public let body: ByteBuffer
    let responder: HTTPResponder

    init(sid: String, method: HTTPMethod, body: ByteBuffer, responder: HTTPResponder) {
        self.sid = sid
        self.method = method
        self.body = body
        self.responder = responder
    }

    /// The event loop of the client's connection.
    public var eventLoop: any EventLoop { responder.eventLoop }

    /// Answers the client (only the first answer counts; CORS headers are added here).
    public func respond(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        responder.respond(status: status, headers: headers, body: body)
    }

    /// Answers `400 {"code":1,"message":"Session ID unknown"}`: no process owns the session.
    public func respondUnknownSession() {
        responder.respondError(.unknownSessionID)
    }

    /// Sets what happens when the client goes away before the answer (runs at once if it already has).
    public func onAbort(_ callback: @escaping @Sendable () -> Void) {
        responder.onAbort(callback)
    }
}

/// A WebSocket accepted by this process for a session another process owns: the edge of a relay.
public struct ForwardedWebSocket: Sendable {
    /// The session the upgrade request named.
    public let sid: String
    let connection: EngineWebSocketConnection

    init(sid: String, connection: EngineWebSocketConnection) {
        self.sid = sid
        self.connection = connection
    }

    /// The event loop of the WebSocket's channel.
    public var eventLoop: any EventLoop { connection.eventLoop }

    /// Starts delivering what the client sends: each complete message (text or binary, after
    /// reassembly and inflation), then one `onClose` when the WebSocket is gone. Call once, on any thread.
    public func start(
        onMessage: @escaping @Sendable (_ data: ByteBuffer, _ isBinary: Bool) -> Void,
        onClose: @escaping @Sendable () -> Void
    ) {
        connection.setRelay(ForwardedWebSocketRelay(onMessage: onMessage, onClose: onClose))
    }

    /// Writes complete server frames as the owner framed them (from any thread).
    public func write(_ frames: [ByteBuffer]) {
        connection.write(frames)
    }

    /// Closes the WebSocket with status 1000 (from any thread).
    public func close() {
        connection.close()
    }
}

/// Where the edge of a relayed WebSocket delivers the client's messages.
struct ForwardedWebSocketRelay: Sendable {
    var onMessage: @Sendable (ByteBuffer, Bool) -> Void
    var onClose: @Sendable () -> Void
}
