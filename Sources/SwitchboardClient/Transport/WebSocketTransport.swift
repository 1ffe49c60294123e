import EngineIO
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SwitchboardWebSocket

/// The WebSocket transport: one Engine.IO packet per frame (text with the type digit, or binary for
/// binary messages), client frames masked (RFC 6455 §5.3).
///
/// All mutable state is confined to `eventLoop` (every entry point and callback runs there), so sharing
/// the reference across the futures' `@Sendable` closures is safe.
final class WebSocketTransport: @unchecked Sendable {
    private let eventLoop: EventLoop
    /// The connection once the WebSocket handshake completed (frames may be written).
    private var channel: Channel?
    /// The TCP connection, from connect until the handshake (only closed, never written).
    private var connection: Channel?
    private var closed = false
    private var pending: [EnginePacket] = []

    /// Called when the WebSocket handshake completed.
    var onOpen: (() -> Void)?
    /// Called with each packet received.
    var onPacket: ((EnginePacket) -> Void)?
    /// Called once when the connection fails or closes: `true` for a decoding error.
    var onClose: ((_ parseError: Bool) -> Void)?

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Connects and performs the opening handshake for `uri`.
    func connect(
        endpoint: ClientEndpoint, uri: String, headers: [(name: String, value: String)], tls: SocketIOClientTLS? = nil,
        maxFrameSize: Int
    ) {
        let tls = endpoint.isSecure ? tls : nil
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri)
        head.headers.add(name: "Host", value: endpoint.hostHeader)
        head.headers.add(name: "Content-Length", value: "0")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let request = head
        let eventLoop = self.eventLoop
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(
                    maxFrameSize: maxFrameSize, automaticErrorHandling: true,
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                WebSocketFrameHandler(transport: self, maxMessageSize: maxFrameSize)
                            )
                        }
                    }
                )
                let requester = UpgradeRequestHandler(request: request, transport: self)
                return channel.eventLoop.makeCompletedFuture {
                    try tls?.addHandlers(channel, endpoint.host)
                    // Frames that arrive in the same read as the 101 response must reach the WebSocket decoder.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(name: UpgradeRequestHandler.name, promise: nil)
                        })
                    )
                    try channel.pipeline.syncOperations.addHandler(requester, name: UpgradeRequestHandler.name)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: eventLoop)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    if self.closed {
                        channel.close(promise: nil)
                    } else {
                        self.connection = channel
                    }
                case .failure:
                    self.closedUnderneath(parseError: false)
                }
            }
    }

    /// Sends packets, one frame each.
    func write(_ packets: [EnginePacket]) {
        guard !closed, let channel else { return }
        for packet in packets {
            channel.write(Self.frame(for: packet, allocator: channel.allocator), promise: nil)
        }
        channel.flush()
    }

    /// Closes the connection without reporting it.
    func close() {
        guard !closed else { return }
        closed = true
        onOpen = nil
        onPacket = nil
        onClose = nil
        guard let channel else {
            connection?.close(promise: nil)
            return
        }
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: closeData(channel.allocator))
        channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
    }

    private func closeData(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        var data = allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        return data
    }

    /// The client frame for `packet`.
    static func frame(for packet: EnginePacket, allocator: ByteBufferAllocator) -> WebSocketFrame {
        if case .message(.binary(let bytes)) = packet {
            return WebSocketFrame(fin: true, opcode: .binary, maskKey: .random(), data: bytes)
        }
        var text = allocator.buffer(capacity: 16)
        packet.encodeForPolling(into: &text)
        return WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: text)
    }

    // MARK: From the pipeline

    fileprivate func upgraded(channel: Channel) {
        guard !closed else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        onOpen?()
    }

    fileprivate func received(_ packet: EnginePacket) {
        guard !closed else { return }
        onPacket?(packet)
    }

    fileprivate func closedUnderneath(parseError: Bool) {
        guard !closed else { return }
        let callback = onClose
        closed = true
        onOpen = nil
        onPacket = nil
        onClose = nil
        (channel ?? connection)?.close(promise: nil)
        callback?(parseError)
    }
}

/// Sends the upgrade request once connected; reports a failed handshake.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// The handler's name in the pipeline.
    static let name = "switchboard.client.upgrade-request"

    private let request: HTTPRequestHead
    private let transport: WebSocketTransport

    init(request: HTTPRequestHead, transport: WebSocketTransport) {
        self.request = request
        self.transport = transport
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response that is not an upgrade: the handshake failed.
        transport.closedUnderneath(parseError: false)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.closedUnderneath(parseError: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        transport.closedUnderneath(parseError: false)
        context.close(promise: nil)
    }
}

/// Turns WebSocket frames into Engine.IO packets with the shared RFC 6455 message assembler
/// (fragments, UTF-8, control-frame rules, closing handshake); answers pings.
private final class WebSocketFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let transport: WebSocketTransport
    private var assembler: WebSocketMessageAssembler

    init(transport: WebSocketTransport, maxMessageSize: Int) throws {
        self.transport = transport
        self.assembler = try WebSocketMessageAssembler(maxMessageSize: maxMessageSize, deflate: nil)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { transport.upgraded(channel: context.channel) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.maskKey == nil else {
            // RFC 6455 §5.1: a client must close the connection on a masked server frame.
            fail(context: context, code: 1002)
            return
        }
        switch assembler.receive(frame) {
        case .none:
            break
        case .deliver(let message):
            deliver(message.data, binary: message.kind == .binary)
        case .sendPong(let payload):
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: payload)), promise: nil)
        case .replyToCloseAndClose(let payload):
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
            transport.closedUnderneath(parseError: false)
        case .closeConnection:
            context.close(promise: nil)
            transport.closedUnderneath(parseError: false)
        case .fail(let error):
            fail(context: context, code: error.closeCode)
        }
    }

    private func fail(context: ChannelHandlerContext, code: UInt16) {
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.writeInteger(code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
        transport.closedUnderneath(parseError: true)
    }

    private func deliver(_ payload: ByteBuffer, binary: Bool) {
        if binary {
            transport.received(.message(.binary(payload)))
            return
        }
        do {
            transport.received(try EnginePacket.decodeText(payload))
        } catch {
            transport.closedUnderneath(parseError: true)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.closedUnderneath(parseError: false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        transport.closedUnderneath(parseError: false)
        context.close(promise: nil)
    }
}
