import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request and its complete response over a fresh TCP connection (long-polling GET or POST).
enum HTTPExchange {
    /// The response of one exchange.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var body: ByteBuffer
    }

    /// Sends the request and returns the response; fails on connection errors or a body over `maxBodySize`.
    static func perform(
        on eventLoop: EventLoop,
        endpoint: ClientEndpoint,
        method: HTTPMethod,
        uri: String,
        headers: [(name: String, value: String)],
        body: ByteBuffer?,
        maxBodySize: Int
    ) -> EventLoopFuture<Response> {
        let promise = eventLoop.makePromise(of: Response.self)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "Connection", value: "close")
        if let body {
            head.headers.add(name: "Content-Type", value: "text/plain;charset=UTF-8")
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPExchangeHandler(request: request, body: body, maxBodySize: maxBodySize, promise: promise)
                    )
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenFailure { promise.fail($0) }
        return promise.futureResult
    }
}

/// Writes one request when the connection is up, collects the response, then closes.
final class HTTPExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// The body of the response is larger than allowed.
    struct BodyTooLarge: Error {}
    /// The connection closed before the response was complete.
    struct ConnectionClosed: Error {}

    private let request: HTTPRequestHead
    private let body: ByteBuffer?
    private let maxBodySize: Int
    private let promise: EventLoopPromise<HTTPExchange.Response>
    private var status: HTTPResponseStatus = .ok
    private var collected = ByteBuffer()
    private var done = false

    init(request: HTTPRequestHead, body: ByteBuffer?, maxBodySize: Int, promise: EventLoopPromise<HTTPExchange.Response>) {
        self.request = request
        self.body = body
        self.maxBodySize = maxBodySize
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
        case .body(var part):
            guard collected.readableBytes + part.readableBytes <= maxBodySize else {
                finish(.failure(BodyTooLarge()), context: context)
                return
            }
            collected.writeBuffer(&part)
        case .end:
            finish(.success(HTTPExchange.Response(status: status, body: collected)), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(ConnectionClosed())
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(error), context: context)
    }

    private func finish(_ result: Result<HTTPExchange.Response, Error>, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
        context.close(promise: nil)
    }
}
