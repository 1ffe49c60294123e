import EngineIO
import Logging
import NIOCore
import NIOHTTP1

/// Serves the HTTP requests of one connection: Engine.IO polling, plain routes, 404.
///
/// `HTTPServerPipelineHandler` in front of it delivers one request at a time, so at most one is outstanding.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum Destination {
        case engine(EngineServer)
        case route(HTTPRouteHandler)
        case status(HTTPResponseStatus)
    }

    enum State {
        case idle
        case collecting(HTTPRequestHead, ByteBuffer, Destination, limit: Int)
        case awaitingResponse(keepAlive: Bool)
        case discardingBody
    }

    let router: HTTPRouter
    let logger: Logger
    /// Whether the connection is TLS.
    let isSecure: Bool
    private var context: ChannelHandlerContext?
    private var state = State.idle
    private var responder: HTTPResponder?
    private var closeAfterResponse = false
    /// Why the Engine.IO WebSocket upgrade of the request being read was refused (its answer's status and body).
    private var refusedUpgrade: EngineRequestError?

    init(router: HTTPRouter, isSecure: Bool, logger: Logger) {
        self.router = router
        self.isSecure = isSecure
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelInactive(context: ChannelHandlerContext) {
        responder?.connectionClosed()
        responder = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refused upgrade is reported here before the request is passed on as a plain request.
        if let error = error as? EngineRequestError {
            refusedUpgrade = error
            return
        }
        if error is WebSocketUpgradeRefusal { return }
        context.fireErrorCaught(error)
    }

    /// The Engine.IO WebSocket upgrade of the next request was refused with `error` (before it reached us);
    /// it is answered as a refused upgrade (``FirstRequestHandler`` calls this, as NIO's upgrade handler reports it).
    func upgradeRefused(_ error: EngineRequestError) {
        refusedUpgrade = error
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            requestHeadReceived(head, context: context)
        case .body(var chunk):
            guard case .collecting(let head, var body, let destination, let limit) = state else { return }
            guard body.readableBytes + chunk.readableBytes <= limit else {
                if case .engine(let server) = destination { server.metrics.maxPayloadHits.increment() }
                state = .discardingBody
                closeAfterResponse = true
                respondDirectly(status: .payloadTooLarge, head: head, keepAlive: false)
                return
            }
            state = .idle
            body.writeBuffer(&chunk)
            state = .collecting(head, body, destination, limit: limit)
        case .end:
            switch state {
            case .collecting(let head, let body, let destination, _):
                requestCompleted(head: head, body: body, destination: destination, context: context)
            case .discardingBody:
                state = .idle
            case .idle, .awaitingResponse:
                break
            }
        }
    }

    private func requestHeadReceived(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = EngineRequestValidation.path(ofTarget: head.uri)
        if Self.asksForUnsupportedWebSocketVersion(head) {
            // RFC 6455 §4.4: refuse, naming the version we speak.
            state = .discardingBody
            respondDirectly(
                status: .upgradeRequired, head: head, keepAlive: head.isKeepAlive,
                extraHeaders: [(name: "Sec-WebSocket-Version", value: "13")])
            return
        }
        let destination: Destination
        let limit: Int
        if let server = router.engineServer(forPath: path) {
            destination = .engine(server)
            limit = server.configuration.maxPayload
        } else if let handler = router.route(method: head.method, path: path) {
            destination = .route(handler)
            limit = router.maxRequestBodySize
        } else if router.webSocketRoutes[String(path)] != nil {
            destination = .status(.badRequest)
            limit = 0
        } else {
            destination = .status(.notFound)
            limit = 0
        }
        if let refusal = refusedUpgrade {
            refusedUpgrade = nil
            // Answer with the refusal's own status and JSON body (503, 429, 400 with its engine.io code).
            if case .engine(let server) = destination {
                state = .discardingBody
                let responder = HTTPResponder(handler: self, eventLoop: context.eventLoop, extraHeaders: server.corsHeaders(for: head))
                self.responder = responder
                responder.respondError(refusal)
                return
            }
        }
        if case .status(let status) = destination {
            state = .discardingBody
            respondDirectly(status: status, head: head, keepAlive: head.isKeepAlive)
            return
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            state = .discardingBody
            closeAfterResponse = true
            var extraHeaders: [(name: String, value: String)] = []
            if case .engine(let server) = destination {
                extraHeaders = server.corsHeaders(for: head)
                server.metrics.maxPayloadHits.increment()
            }
            respondDirectly(status: .payloadTooLarge, head: head, keepAlive: false, extraHeaders: extraHeaders)
            return
        }
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        state = .collecting(head, context.channel.allocator.buffer(capacity: 0), destination, limit: limit)
    }

    private func requestCompleted(
        head: HTTPRequestHead, body: ByteBuffer, destination: Destination, context: ChannelHandlerContext
    ) {
        state = .awaitingResponse(keepAlive: head.isKeepAlive)
        let remoteAddress = context.channel.remoteAddress?.ipAddress
        switch destination {
        case .engine(let server):
            let compression = server.configuration.compression.httpCompressionThreshold.flatMap { threshold in
                HTTPContentEncoding.preferred(acceptEncoding: head.headers.first(name: "accept-encoding")).map {
                    (encoding: $0, threshold: threshold)
                }
            }
            let responder = HTTPResponder(
                handler: self, eventLoop: context.eventLoop, extraHeaders: server.corsHeaders(for: head),
                compression: compression)
            self.responder = responder
            server.handlePollingRequest(
                head: head, body: body, remoteAddress: remoteAddress, isSecure: isSecure, responder: responder)
        case .route(let handler):
            let responder = HTTPResponder(handler: self, eventLoop: context.eventLoop, extraHeaders: [])
            self.responder = responder
            let request = HTTPRequest(head: head, body: body, remoteAddress: remoteAddress)
            let logger = self.logger
            Task {
                let response: HTTPResponse
                do {
                    response = try await handler(request)
                } catch {
                    logger.debug("HTTP route failed", metadata: ["http.error": "\(error)"])
                    response = HTTPResponse(status: .internalServerError)
                }
                responder.respondRaw(response)
            }
        case .status(let status):
            respondDirectly(status: status, head: head, keepAlive: head.isKeepAlive)
        }
    }

    /// A WebSocket upgrade request whose `Sec-WebSocket-Version` is not 13.
    static func asksForUnsupportedWebSocketVersion(_ head: HTTPRequestHead) -> Bool {
        guard head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) else {
            return false
        }
        return head.headers[canonicalForm: "sec-websocket-version"] != ["13"]
    }

    private func respondDirectly(
        status: HTTPResponseStatus, head: HTTPRequestHead, keepAlive: Bool, extraHeaders: [(name: String, value: String)] = []
    ) {
        guard let context else { return }
        let responder = HTTPResponder(handler: self, eventLoop: context.eventLoop, extraHeaders: extraHeaders)
        self.responder = responder
        if !keepAlive { closeAfterResponse = true }
        if case .discardingBody = state {} else { state = .awaitingResponse(keepAlive: keepAlive) }
        responder.respond(status: status, contentType: nil, body: ByteBuffer())
    }

    /// Writes the answer of `responder` if it is still the current one (on the connection's loop).
    func writeResponse(from responder: HTTPResponder, status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer) {
        guard let context, responder === self.responder else { return }
        self.responder = nil
        var keepAlive = true
        if case .awaitingResponse(let requestKeepAlive) = state {
            keepAlive = requestKeepAlive
            state = .idle
        }
        if closeAfterResponse { keepAlive = false }
        var headers = headers
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

extension HTTPResponder {
    /// Sends a plain route's response as it is (headers included).
    func respondRaw(_ response: HTTPResponse) {
        respond(status: response.status, headers: response.headers, body: response.body)
    }
}
