import EngineIO
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Answers one HTTP request from any thread: the write hops to the connection's event loop.
///
/// Only the first answer counts. When the client goes away before the answer, the abort handler runs once.
final class HTTPResponder: Sendable {
    enum AbortState {
        case waiting((@Sendable () -> Void)?)
        case answered
        case aborted
    }

    /// Where the answer goes: the client's connection, or (on the owner of a forwarded request) the relay.
    enum Sink: Sendable {
        case connection(NIOLoopBound<HTTPConnectionHandler>)
        case forwarded(@Sendable (HTTPResponseStatus, HTTPHeaders, ByteBuffer) -> Void)
    }

    let eventLoop: any EventLoop
    private let sink: Sink
    /// Headers added to every answer (CORS).
    let extraHeaders: [(name: String, value: String)]
    private let state = NIOLockedValueBox(AbortState.waiting(nil))
    /// How polling payloads of at least `threshold` bytes are compressed, if the client accepts it.
    let compression: (encoding: HTTPContentEncoding, threshold: Int)?

    init(
        handler: HTTPConnectionHandler, eventLoop: any EventLoop, extraHeaders: [(name: String, value: String)],
        compression: (encoding: HTTPContentEncoding, threshold: Int)? = nil
    ) {
        self.sink = .connection(NIOLoopBound(handler, eventLoop: eventLoop))
        self.eventLoop = eventLoop
        self.extraHeaders = extraHeaders
        self.compression = compression
    }

    /// A responder whose answer goes to `answer` (a request forwarded from another process); the
    /// forwarding process adds CORS headers and compression for its own client.
    init(forwardingTo answer: @escaping @Sendable (HTTPResponseStatus, HTTPHeaders, ByteBuffer) -> Void, eventLoop: any EventLoop) {
        self.sink = .forwarded(answer)
        self.eventLoop = eventLoop
        self.extraHeaders = []
        self.compression = nil
    }

    /// Sets what happens if the client disconnects before the answer; runs at once if it already did.
    func onAbort(_ callback: @escaping @Sendable () -> Void) {
        let runNow = state.withLockedValue { state -> Bool in
            switch state {
            case .waiting:
                state = .waiting(callback)
                return false
            case .answered: return false
            case .aborted: return true
            }
        }
        if runNow { callback() }
    }

    /// The connection closed (called on the connection's loop).
    func connectionClosed() {
        let callback = state.withLockedValue { state -> (@Sendable () -> Void)? in
            guard case .waiting(let callback) = state else { return nil }
            state = .aborted
            return callback
        }
        callback?()
    }

    /// Sends the answer with a content type.
    func respond(status: HTTPResponseStatus, contentType: String?, body: ByteBuffer) {
        var headers = HTTPHeaders()
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        respond(status: status, headers: headers, body: body)
    }

    /// Sends the answer.
    func respond(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        let first = state.withLockedValue { state -> Bool in
            guard case .waiting = state else { return false }
            state = .answered
            return true
        }
        guard first else { return }
        var allHeaders = headers
        for (name, value) in extraHeaders { allHeaders.add(name: name, value: value) }
        let headers = allHeaders
        guard case .connection(let handler) = sink else {
            if case .forwarded(let answer) = sink { answer(status, headers, body) }
            return
        }
        if eventLoop.inEventLoop {
            handler.value.writeResponse(from: self, status: status, headers: headers, body: body)
        } else {
            eventLoop.execute { [self] in
                handler.value.writeResponse(from: self, status: status, headers: headers, body: body)
            }
        }
    }

    /// `200` with a polling payload.
    func respondPayload(_ body: ByteBuffer) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=UTF-8")
        if let compression, body.readableBytes >= compression.threshold,
            let compressed = compression.encoding.compress(body, allocator: ByteBufferAllocator())
        {
            headers.add(name: "Content-Encoding", value: compression.encoding.rawValue)
            headers.add(name: "Vary", value: "Accept-Encoding")
            respond(status: .ok, headers: headers, body: compressed)
            return
        }
        respond(status: .ok, headers: headers, body: body)
    }

    /// The Engine.IO JSON error answer.
    func respondError(_ error: EngineRequestError) {
        respond(
            status: HTTPResponseStatus(statusCode: error.httpStatus), contentType: "application/json",
            body: ByteBuffer(string: error.jsonBody))
    }
}
