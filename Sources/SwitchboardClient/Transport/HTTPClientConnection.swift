import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that carries one request at a time (the polling transport keeps
/// one for its GETs and one for its POSTs). It reconnects when the server closed it, and retries a
/// request once on a fresh connection when a reused one turns out to be closed before any answer.
///
/// All mutable state is confined to `eventLoop` (every entry point and callback runs there), so sharing
/// the reference across the futures' `@Sendable` closures is safe.
final class HTTPClientConnection: @unchecked Sendable {
    /// The response of one request.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// The connection closed before the response was complete.
    struct ConnectionClosed: Error {}
    /// The body of the response is larger than allowed.
    struct BodyTooLarge: Error {}

    private let eventLoop: EventLoop
    private let endpoint: ClientEndpoint
    private let tls: SocketIOClientTLS?
    private var channel: Channel?
    private var collector: HTTPResponseCollector?
    private var closed = false

    init(eventLoop: EventLoop, endpoint: ClientEndpoint, tls: SocketIOClientTLS? = nil) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.tls = tls
    }

    /// Sends one request (the previous one must be complete) and returns its response.
    func request(
        method: HTTPMethod, uri: String, headers: [(name: String, value: String)], body: ByteBuffer?, maxBodySize: Int
    ) -> EventLoopFuture<Response> {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        if let body {
            head.headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        let reused = channel?.isActive == true && collector != nil
        return send(request, body: body, maxBodySize: maxBodySize).flatMapError { error in
            // A kept-alive connection the server had closed: one retry on a fresh connection.
            guard reused, !self.closed, error is ConnectionClosed, self.collector?.receivedAnything != true else {
                return self.eventLoop.makeFailedFuture(error)
            }
            self.channel = nil
            self.collector = nil
            return self.send(request, body: body, maxBodySize: maxBodySize)
        }
    }

    /// Closes the connection; a request in flight fails.
    func close() {
        closed = true
        channel?.close(promise: nil)
        channel = nil
        collector = nil
    }

    private func send(_ head: HTTPRequestHead, body: ByteBuffer?, maxBodySize: Int) -> EventLoopFuture<Response> {
        guard !closed else { return eventLoop.makeFailedFuture(ConnectionClosed()) }
        return connection().flatMap { channel, collector in
            let promise = self.eventLoop.makePromise(of: Response.self)
            collector.begin(promise: promise, maxBodySize: maxBodySize)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult
        }
    }

    private func connection() -> EventLoopFuture<(Channel, HTTPResponseCollector)> {
        if let channel, channel.isActive, let collector {
            return eventLoop.makeSucceededFuture((channel, collector))
        }
        let collector = HTTPResponseCollector()
        let endpoint = self.endpoint
        let tls = endpoint.isSecure ? self.tls : nil
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls?.addHandlers(channel, endpoint.host)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: eventLoop)
            .flatMapThrowing { channel in
                guard !self.closed else {
                    channel.close(promise: nil)
                    throw ConnectionClosed()
                }
                self.channel = channel
                self.collector = collector
                return (channel, collector)
            }
    }
}

/// Collects the response to the request in flight; closes the connection when the server asks to.
final class HTTPResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    // `@unchecked Sendable`: only touched on its channel's event loop, which is the owner's loop.
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<HTTPClientConnection.Response>?
    private var status: HTTPResponseStatus = .ok
    private var keepAlive = true
    private var body = ByteBuffer()
    private var maxBodySize = 0
    /// Whether any part of the current response arrived.
    private(set) var receivedAnything = false

    func begin(promise: EventLoopPromise<HTTPClientConnection.Response>, maxBodySize: Int) {
        self.promise = promise
        self.maxBodySize = maxBodySize
        status = .ok
        keepAlive = true
        body.clear()
        receivedAnything = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receivedAnything = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            keepAlive = head.isKeepAlive
        case .body(var part):
            guard body.readableBytes + part.readableBytes <= maxBodySize else {
                fail(HTTPClientConnection.BodyTooLarge())
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&part)
        case .end:
            let promise = self.promise
            self.promise = nil
            if !keepAlive { context.close(promise: nil) }
            promise?.succeed(HTTPClientConnection.Response(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPClientConnection.ConnectionClosed())
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: Error) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
    }
}
