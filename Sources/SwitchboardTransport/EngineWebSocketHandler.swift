import EngineIO
import NIOCore
import NIOWebSocket
import SwitchboardWebSocket

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
    /// permessage-deflate, when negotiated: outbound messages of at least `compressionThreshold` bytes.
    private let deflater: PerMessageDeflater?
    private let inflater: PerMessageInflater?
    private let compressionThreshold: Int
    private var fragmentsAreCompressed = false
    private var flushScheduled = false

    init(
        maxMessageSize: Int, outboundHardLimit: Int?,
        deflate: (configuration: PerMessageDeflate.Configuration, threshold: Int)? = nil
    ) throws {
        self.maxMessageSize = maxMessageSize
        self.outboundHardLimit = outboundHardLimit
        self.deflater = try deflate.map { try PerMessageDeflater(configuration: $0.configuration) }
        self.inflater = try deflate.map { try PerMessageInflater(configuration: $0.configuration, allocator: ByteBufferAllocator()) }
        self.compressionThreshold = deflate?.threshold ?? 0
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
        // RSV1 marks a compressed message, only on its first frame and only once negotiated.
        let compressed = frame.rsv1 && inflater != nil && (frame.opcode == .text || frame.opcode == .binary)
        if (frame.rsv1 && !compressed) || frame.rsv2 || frame.rsv3 || frame.maskKey == nil {
            failConnection(code: 1002)
            return
        }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil else { return failConnection(code: 1002) }
            if compressed {
                fragmentsAreCompressed = true
                fragmentsAreBinary = frame.opcode == .binary
                fragments = context.channel.allocator.buffer(capacity: 0)
                inflateFragment(frame)
            } else if frame.fin {
                deliver(frame.unmaskedData, binary: frame.opcode == .binary)
            } else {
                fragments = frame.unmaskedData
                fragmentsAreBinary = frame.opcode == .binary
            }
        case .continuation:
            guard var buffer = fragments else { return failConnection(code: 1002) }
            if fragmentsAreCompressed { return inflateFragment(frame) }
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

    /// Inflates one frame of a compressed message into `fragments`; delivers the message on its last frame.
    private func inflateFragment(_ frame: WebSocketFrame) {
        guard let inflater, var buffer = fragments else { return }
        fragments = nil
        do {
            try inflater.inflate(frame.unmaskedData, isFinal: frame.fin, appendingTo: &buffer, limit: maxMessageSize)
        } catch {
            try? inflater.reset()
            fragmentsAreCompressed = false
            return failConnection(code: error == .tooLarge ? 1009 : 1007)
        }
        if frame.fin {
            fragmentsAreCompressed = false
            deliver(buffer, binary: fragmentsAreBinary)
        } else {
            fragments = buffer
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
        for frame in frames { write(frame, compressible: true, context: context) }
        afterWrite(context)
    }

    /// Writes the pre-built frames of `messages`; those marked `compress: false` stay uncompressed even
    /// with permessage-deflate negotiated. One flush for the tick.
    func write(_ messages: [OutboundEngineMessage]) {
        guard let context, !closing else { return }
        for message in messages { write(message.webSocketFrame, compressible: message.compress, context: context) }
        afterWrite(context)
    }

    /// Writes queued packets (control packets, and messages with their `compress` flag). One flush for the tick.
    func write(_ packets: [EngineOutboundPacket]) {
        guard let context, !closing else { return }
        for packet in packets {
            switch packet {
            case .message(let message): write(message.webSocketFrame, compressible: message.compress, context: context)
            case .control: write(packet.webSocketFrame(allocator: context.channel.allocator), compressible: true, context: context)
            }
        }
        afterWrite(context)
    }

    /// Writes one frame, deflated when compression was negotiated, `compressible` and the frame is worth it.
    private func write(_ frame: ByteBuffer, compressible: Bool, context: ChannelHandlerContext) {
        if deflater != nil && compressible {
            context.write(wrapOutboundOut(compressedIfWorthIt(frame, allocator: context.channel.allocator)), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// Disconnects a client above the outbound hard limit, else schedules the tick's flush.
    private func afterWrite(_ context: ChannelHandlerContext) {
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

    /// The frame re-encoded with a deflated payload and RSV1 set, when it is a final text or binary frame of at
    /// least `compressionThreshold` payload bytes; otherwise the frame as it is (control frames, small messages).
    private func compressedIfWorthIt(_ frame: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let deflater, let header = ServerFrameHeader(frame) else { return frame }
        guard header.fin, header.opcode == 0x1 || header.opcode == 0x2, header.payloadLength >= max(compressionThreshold, 1)
        else { return frame }
        let payload = frame.getSlice(at: frame.readerIndex + header.headerLength, length: header.payloadLength)!
        guard let compressed = try? deflater.compress(payload, allocator: allocator) else { return frame }
        var out = WebSocketFraming.serverFrame(opcode: header.opcode, prefix: nil, payload: compressed, allocator: allocator)
        out.setInteger(UInt8(0xC0) | header.opcode, at: out.readerIndex)  // FIN + RSV1
        return out
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

    /// Writes the frames of `messages`, honouring their `compress` flag (from any thread).
    func write(_ messages: [OutboundEngineMessage]) {
        if eventLoop.inEventLoop {
            handler.value.write(messages)
        } else {
            eventLoop.execute { self.handler.value.write(messages) }
        }
    }

    /// Writes queued packets, honouring the `compress` flag of messages (from any thread).
    func write(_ packets: [EngineOutboundPacket]) {
        if eventLoop.inEventLoop {
            handler.value.write(packets)
        } else {
            eventLoop.execute { self.handler.value.write(packets) }
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

/// The header of an unmasked server frame we framed ourselves (``WebSocketFraming``).
struct ServerFrameHeader {
    var fin: Bool
    var opcode: UInt8
    var headerLength: Int
    var payloadLength: Int

    init?(_ frame: ByteBuffer) {
        guard let first = frame.getInteger(at: frame.readerIndex, as: UInt8.self),
            let second = frame.getInteger(at: frame.readerIndex + 1, as: UInt8.self)
        else { return nil }
        fin = first & 0x80 != 0
        opcode = first & 0x0F
        switch second & 0x7F {
        case 126:
            guard let length = frame.getInteger(at: frame.readerIndex + 2, as: UInt16.self) else { return nil }
            headerLength = 4
            payloadLength = Int(length)
        case 127:
            guard let length = frame.getInteger(at: frame.readerIndex + 2, as: UInt64.self) else { return nil }
            headerLength = 10
            payloadLength = Int(length)
        default:
            headerLength = 2
            payloadLength = Int(second & 0x7F)
        }
        guard frame.readableBytes == headerLength + payloadLength else { return nil }
    }
}
