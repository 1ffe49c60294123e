import EngineIO
import NIOCore
import NIOWebSocket

/// The Engine.IO WebSocket transport of one connection: one Engine.IO packet per message.
///
/// There is no `WebSocketFrameEncoder` in this pipeline: outbound `ByteBuffer`s are complete frames
/// (``OutboundEngineMessage/webSocketFrame`` shared by every recipient, or control frames framed here).
/// WebSocket pings are answered; no WebSocket pings are sent. Writes in one event-loop tick share one flush.
final class EngineWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = ByteBuffer

    let maxMessageSize: Int
    /// Bytes buffered in the channel above which the reader is cut off (`nil`: never).
    let outboundHardLimit: Int?
    private var context: ChannelHandlerContext?
    /// The session-facing handle; `nil` once the channel is inactive (breaks the reference cycle).
    private(set) var connection: EngineWebSocketConnection?
    private var fragments: ByteBuffer?
    private var fragmentsAreBinary = false
    private var closing = false
    private var failed = false
    private var slowConsumer = false
    private var flushScheduled = false

    init(maxMessageSize: Int, outboundHardLimit: Int?) {
        self.maxMessageSize = maxMessageSize
        self.outboundHardLimit = outboundHardLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.connection = EngineWebSocketConnection(handler: self, channel: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            let reason: EngineCloseReason = slowConsumer ? .slowConsumer : failed ? .transportError : .transportClose
            connection.session?.webSocketClosed(connection, reason: reason)
        }
        connection = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength: failConnection(code: 1009)
            default: failConnection(code: 1002)
            }
        } else {
            failed = true
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closing else { return }
        if frame.rsv1 || frame.rsv2 || frame.rsv3 || frame.maskKey == nil {
            failConnection(code: 1002)
            return
        }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return failConnection(code: 1002) }
            if frame.fin {
                deliver(frame.unmaskedData, binary: frame.opcode == .binary)
            } else {
                fragments = frame.unmaskedData
                fragmentsAreBinary = frame.opcode == .binary
            }
        case .continuation:
            guard var buffer = fragments else { return failConnection(code: 1002) }
            var data = frame.unmaskedData
            guard buffer.readableBytes + data.readableBytes <= maxMessageSize else { return failConnection(code: 1009) }
            buffer.writeBuffer(&data)
            if frame.fin {
                fragments = nil
                deliver(buffer, binary: fragmentsAreBinary)
            } else {
                fragments = buffer
            }
        case .ping:
            guard frame.fin, frame.length <= 125 else { return failConnection(code: 1002) }
            let pong = WebSocketFraming.serverFrame(
                opcode: 0xA, prefix: nil, payload: frame.unmaskedData, allocator: context.channel.allocator)
            write([pong])
        case .pong:
            break
        case .connectionClose:
            // Answer the close handshake with the same status code, then close the TCP connection.
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self)
            sendCloseAndShutdown(code: code)
        default:
            failConnection(code: 1002)
        }
    }

    private func deliver(_ data: ByteBuffer, binary: Bool) {
        guard let connection, let session = connection.session else { return }
        if binary {
            session.webSocketReceived(connection, .success(.message(.binary(data))))
        } else {
            do {
                let packet = try EnginePacket.decodeText(data)
                session.webSocketReceived(connection, .success(packet))
            } catch {
                session.webSocketReceived(connection, .failure(error))
            }
        }
    }

    /// Writes complete frames; one flush for the tick.
    func write(_ frames: [ByteBuffer]) {
        guard let context, !closing else { return }
        for frame in frames { context.write(wrapOutboundOut(frame), promise: nil) }
        // Only a channel above its high watermark can be above the hard limit: the common case costs one check.
        if let outboundHardLimit, !context.channel.isWritable,
            let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes), buffered > outboundHardLimit
        {
            // The client does not read: a close frame would never get through, so drop the connection.
            slowConsumer = true
            closing = true
            context.close(promise: nil)
            return
        }
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    /// Closes with status 1000 (normal closure).
    func close() { sendCloseAndShutdown(code: 1000) }

    private func failConnection(code: UInt16) {
        if code == 1009 { connection?.session?.server.metrics.maxPayloadHits.increment() }
        fragments = nil
        sendCloseAndShutdown(code: code)
        if let connection, let session = connection.session {
            session.webSocketReceived(connection, .failure(EngineDecodingError(.unknownPacketType)))
        }
    }

    private func sendCloseAndShutdown(code: UInt16?) {
        guard let context, !closing else { return }
        closing = true
        var payload = context.channel.allocator.buffer(capacity: 2)
        if let code { payload.writeInteger(code) }
        let frame = WebSocketFraming.serverFrame(opcode: 0x8, prefix: nil, payload: payload, allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A thread-safe handle on one Engine.IO WebSocket, for the session that uses it (possibly on another loop).
final class EngineWebSocketConnection: Sendable {
    let eventLoop: any EventLoop
    private let channel: any Channel
    private let handler: NIOLoopBound<EngineWebSocketHandler>
    private let sessionBox: NIOLoopBoundBox<EngineSession?>

    init(handler: EngineWebSocketHandler, channel: any Channel) {
        self.eventLoop = channel.eventLoop
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        self.sessionBox = NIOLoopBoundBox(nil, eventLoop: channel.eventLoop)
    }

    /// Whether the channel is below its high write watermark (from any thread).
    var isWritable: Bool { channel.isWritable }

    /// The session this WebSocket belongs to (read and written on ``eventLoop``).
    var session: EngineSession? {
        get { sessionBox.value }
        set { sessionBox.value = newValue }
    }

    /// Writes complete frames (from any thread).
    func write(_ frames: [ByteBuffer]) {
        if eventLoop.inEventLoop {
            handler.value.write(frames)
        } else {
            eventLoop.execute { self.handler.value.write(frames) }
        }
    }

    /// Closes the WebSocket (from any thread).
    func close() {
        if eventLoop.inEventLoop {
            handler.value.close()
        } else {
            eventLoop.execute { self.handler.value.close() }
        }
    }
}
