import EngineIO
import NIOCore
import NIOHTTP1

/// A polling request another process forwarded to this one, the session's owner.
package struct ForwardedRequestHandle: Sendable {
    let responder: HTTPResponder

    /// The client went away at the forwarding process: a parked poll is released as if its connection closed.
    package func abort() {
        responder.connectionClosed()
    }
}

/// The owner's end of a WebSocket another process accepted for one of this process's sessions.
package struct ForwardedWebSocketHandle: Sendable {
    let connection: EngineWebSocketConnection

    /// One complete message the client sent (text or binary), in order.
    package func received(_ data: ByteBuffer, isBinary: Bool) {
        let result = EngineWebSocketHandler.decode(data, binary: isBinary)
        let connection = self.connection
        connection.eventLoop.execute {
            connection.session?.webSocketReceived(connection, result)
        }
    }

    /// The client's WebSocket is gone (closed at the forwarding process, or that process died).
    package func closed() {
        let connection = self.connection
        connection.eventLoop.execute {
            connection.session?.webSocketClosed(connection, reason: .transportClose)
        }
    }
}

extension EngineServer {
    /// The ids of the sessions this process owns right now and registered with its remote router (those
    /// that began on polling).
    package var registeredSessionIDs: [String] {
        pollingSessionIDsSnapshot()
    }

    /// Serves a polling request forwarded from another process as if it had arrived here; `answer`
    /// receives the response (status, headers without CORS, uncompressed body) once, possibly after a
    /// long-poll. `prepare` gets the request's handle before the request is served (the answer may come at
    /// once). Returns `false` when the session is not here (the caller answers "Session ID unknown").
    package func serveForwardedPollingRequest(
        sid: String, method: HTTPMethod, body: ByteBuffer,
        prepare: (ForwardedRequestHandle) -> Void = { _ in },
        answer: @escaping @Sendable (HTTPResponseStatus, HTTPHeaders, ByteBuffer) -> Void
    ) -> Bool {
        guard let session = session(sid) else { return false }
        let responder = HTTPResponder(forwardingTo: answer, eventLoop: session.eventLoop)
        prepare(ForwardedRequestHandle(responder: responder))
        switch method {
        case .GET: session.pollRequestReceived(responder)
        case .POST: session.postRequestReceived(body, responder: responder)
        default: responder.respondError(.badRequest)
        }
        return true
    }

    /// Attaches a WebSocket another process accepted for session `sid` (an upgrade from polling):
    /// frames for the client go to `write` in order, `close` ends it. `nil` when the session is not here.
    package func attachForwardedWebSocket(
        sid: String, write: @escaping @Sendable ([ByteBuffer]) -> Void, close: @escaping @Sendable () -> Void
    ) -> ForwardedWebSocketHandle? {
        guard let session = session(sid) else { return nil }
        let connection = EngineWebSocketConnection(relayOn: session.eventLoop, write: write, close: close)
        session.eventLoop.execute {
            connection.session = session
            session.webSocketOpened(connection)
        }
        return ForwardedWebSocketHandle(connection: connection)
    }
}

extension HTTPServer {
    /// The Engine.IO servers mounted on this server's router (for cluster wiring).
    package var mountedEngineServers: [EngineServer] { router.engineServers }
}
