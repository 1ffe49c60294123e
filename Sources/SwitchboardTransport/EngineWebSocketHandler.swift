import EngineIO
import NIOCore
import NIOWebSocket
import SwitchboardWebSocket

/// The Engine.IO WebSocket transport of one connection: one Engine.IO packet per message.
///
/// It reads the socket's bytes itself: a ``WebSocketClientFrameReader`` cuts them into frames (no frame
/// decoder handler, no cumulation buffer while no frame is split, no `WebSocketFrame` per frame), and the
/// heartbeat's `3` pong is recognised from the frame's one masked byte, without unmasking a copy.
/// There is no `WebSocketFrameEncoder` in this pipeline: outbound `ByteBuffer`s are complete frames
/// (``OutboundEngineMessage/webSocketFrame`` shared by every recipient, or control frames framed here).
/// WebSocket pings are answered; no WebSocket pings are sent. Writes in one event-loop tick share one flush,
/// made by the loop's ``EngineLoopContext`` when the tick ends: one syscall for everything the tick produced.
/// The first frame of a tick is held in the loop's flush list and handed to NIO with the flush (one `writeAndFlush`:
/// the common fan-out case of one packet per connection per tick); a second frame in the same tick takes the held
/// one back and sends both into NIO's buffer at once, so a burst is bounded by the outbound limits as it grows.
///
/// With `writesBypassPipeline` (a plain-TCP connection whose pipeline holds no outbound handler in front of this one)
/// frames and flushes go straight to the channel's core, as NIO's head handler would pass them: no walk through the
/// pipeline's contexts per write, and the loop's end-of-tick flush writes the held frame to the channel without
/// touching this handler again (in a fan-out to many connections it is out of the cache by then).
final class EngineWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // The fields a write and the end-of-tick flush read come first: a fan-out touches each handler once or twice
    // per broadcast, and they then share the object's first cache lines.
    private var context: ChannelHandlerContext?
    /// The channel, while the handler is in the pipeline and `writesBypassPipeline`: frames go to its core.
    private var directChannel: (any Channel)?
    /// The loop tick (``EngineLoopContext/tick``) in which this handler registered for the end-of-tick flush,
    /// with the tick's first frame, not yet handed to NIO: the loop's ``EngineLoopContext`` holds it at `heldSlot`.
    private var flushTick: UInt64 = 0
    private var heldSlot = 0
    private var closing = false
    /// Bytes buffered in the channel above which the reader is cut off (`nil`: never).
    let outboundHardLimit: Int?
    /// Cuts the client's bytes into frames.
    private var reader: WebSocketClientFrameReader
    /// The reader found a broken stream (a length or control-frame error): later bytes drop the connection.
    private var readerFailed = false
    /// The loop's end-of-tick flusher (its own one when none is given, e.g. in tests).
    private var loopContext: EngineLoopContext?
    /// permessage-deflate, when negotiated: outbound messages of at least `compressionThreshold` bytes.
    private let deflater: PerMessageDeflater?
    let maxMessageSize: Int
    /// The session-facing handle; `nil` once the channel is inactive (breaks the reference cycle).
    private(set) var connection: EngineWebSocketConnection?
    private var fragments: ByteBuffer?
    private var fragmentsAreBinary = false
    private var failed = false
    private var slowConsumer = false
    private let inflater: PerMessageInflater?
    private let compressionThreshold: Int
    private var fragmentsAreCompressed = false
    /// Whether no outbound handler sits between this handler and the socket (set by whoever builds the pipeline).
    private let writesBypassPipeline: Bool

    init(
        maxMessageSize: Int, outboundHardLimit: Int?,
        deflate: (configuration: PerMessageDeflate.Configuration, threshold: Int)? = nil,
        loopContext: EngineLoopContext? = nil, writesBypassPipeline: Bool = false
    ) throws {
        self.loopContext = loopContext
        self.writesBypassPipeline = writesBypassPipeline
        self.maxMessageSize = maxMessageSize
        self.reader = WebSocketClientFrameReader(maxFrameSize: maxMessageSize)
        self.outboundHardLimit = outboundHardLimit
        self.deflater = try deflate.map { try PerMessageDeflater(configuration: $0.configuration) }
        self.inflater = try deflate.map { try PerMessageInflater(configuration: $0.configuration, allocator: ByteBufferAllocator()) }
        self.compressionThreshold = deflate?.threshold ?? 0
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if writesBypassPipeline { directChannel = context.channel }
        if loopContext == nil { loopContext = EngineLoopContext(eventLoop: context.eventLoop, metrics: nil) }
        self.connection = EngineWebSocketConnection(handler: self, channel: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        dropHeldFrame()
        self.context = nil
        directChannel = nil
        reader.discard()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            let reason: EngineCloseReason = slowConsumer ? .slowConsumer : failed ? .transportError : .transportClose
            if let session = connection.session {
                session.webSocketClosed(connection, reason: reason)
            } else {
                connection.relay?.onClose()
            }
        }
        connection = nil
        reader.discard()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed = true
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if readerFailed {
            // Bytes after a broken frame: the connection is dropped (as NIO's decoder did in its error state).
            failed = true
            context.close(promise: nil)
            return
        }
        guard !closing else { return }
        reader.append(unwrapInboundIn(data))
        while !closing {
            let frame: WebSocketClientFrameReader.Frame
            do throws(WebSocketClientFrameReader.ReadError) {
                guard let next = try reader.next() else { return }
                frame = next
            } catch {
                // A length or control-frame error broke the stream (NIO's decoder went into its error state: later
                // bytes dropped the connection); an unmasked frame was a rule for the handler (later bytes ignored).
                readerFailed = error != .unmaskedFrame
                reader.discard()
                return failConnection(code: error.closeCode)
            }
            received(frame, context: context)
        }
        reader.discard()
    }

    /// Acts on one frame: the rules the reader leaves to us (RSV bits, opcodes, continuation), then the message.
    private func received(_ frame: WebSocketClientFrameReader.Frame, context: ChannelHandlerContext) {
        let opcode = frame.opcode
        // RSV1 marks a compressed message, only on its first frame and only once negotiated.
        let compressed = frame.rsv1 && inflater != nil && (opcode == 0x1 || opcode == 0x2)
        if (frame.rsv1 && !compressed) || frame.rsv2OrRsv3 {
            failConnection(code: 1002)
            return
        }
        switch opcode {
        case 0x1 where frame.fin && !compressed && fragments == nil && frame.payloadIs(EnginePacketType.pong.rawValue):
            // The heartbeat's answer, the commonest frame of an idle connection: no copy, no decoding.
            deliverPong()
        case 0x1, 0x2:
            guard fragments == nil else { return failConnection(code: 1002) }
            if compressed {
                fragmentsAreCompressed = true
                fragmentsAreBinary = opcode == 0x2
                fragments = context.channel.allocator.buffer(capacity: 0)
                inflateFragment(frame)
            } else if frame.fin {
                deliver(frame.unmaskedPayload, binary: opcode == 0x2)
            } else {
                fragments = frame.unmaskedPayload
                fragmentsAreBinary = opcode == 0x2
            }
        case 0x0:
            guard var buffer = fragments else { return failConnection(code: 1002) }
            if fragmentsAreCompressed { return inflateFragment(frame) }
            var data = frame.unmaskedPayload
            guard buffer.readableBytes + data.readableBytes <= maxMessageSize else { return failConnection(code: 1009) }
            buffer.writeBuffer(&data)
            if frame.fin {
                fragments = nil
                deliver(buffer, binary: fragmentsAreBinary)
            } else {
                fragments = buffer
            }
        case 0x9:
            let pong = WebSocketFraming.serverFrame(
                opcode: 0xA, prefix: nil, payload: frame.unmaskedPayload, allocator: context.channel.allocator)
            write([pong])
        case 0xA:
            break
        case 0x8:
            // Answer the close handshake with the same status code, then close the TCP connection.
            var data = frame.unmaskedPayload
            let code = data.readInteger(as: UInt16.self)
            sendCloseAndShutdown(code: code)
        default:
            failConnection(code: 1002)
        }
    }

    /// Inflates one frame of a compressed message into `fragments`; delivers the message on its last frame.
    private func inflateFragment(_ frame: WebSocketClientFrameReader.Frame) {
        guard let inflater, var buffer = fragments else { return }
        fragments = nil
        do {
            try inflater.inflate(frame.unmaskedPayload, isFinal: frame.fin, appendingTo: &buffer, limit: maxMessageSize)
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
        guard let connection else { return }
        guard let session = connection.session else {
            connection.relay?.onMessage(data, binary)
            return
        }
        session.webSocketReceived(connection, Self.decode(data, binary: binary))
    }

    /// Delivers the heartbeat's pong, recognised from the frame itself; a relay gets its text message `3`.
    private func deliverPong() {
        guard let connection else { return }
        guard let session = connection.session else {
            connection.relay?.onMessage(ByteBuffer(integer: EnginePacketType.pong.rawValue), false)
            return
        }
        session.webSocketPongReceived(connection)
    }

    /// One WebSocket message as an Engine.IO packet: a binary message is a binary `message` packet.
    static func decode(_ data: ByteBuffer, binary: Bool) -> Result<EnginePacket, EngineDecodingError> {
        if binary { return .success(.message(.binary(data))) }
        do {
            return .success(try EnginePacket.decodeText(data))
        } catch {
            return .failure(error)
        }
    }

    /// Writes complete frames; one flush for the tick.
    func write(_ frames: [ByteBuffer]) {
        guard let context, !closing else { return }
        var handedToNIO = false
        for frame in frames { handedToNIO = write(frame, compressible: true, context: context) || handedToNIO }
        afterWrite(context, handedToNIO: handedToNIO)
    }

    /// Writes the pre-built frames of `messages`; those marked `compress: false` stay uncompressed even
    /// with permessage-deflate negotiated. One flush for the tick.
    func write(_ messages: [OutboundEngineMessage]) {
        guard let context, !closing else { return }
        var handedToNIO = false
        for message in messages {
            handedToNIO = write(message.webSocketFrame, compressible: message.compress, context: context) || handedToNIO
        }
        afterWrite(context, handedToNIO: handedToNIO)
    }

    /// The frame of the server's heartbeat `ping` (no data), built once and shared by every connection.
    static let heartbeatPingFrame = EnginePacket.ping(ByteBuffer()).webSocketFrame(allocator: ByteBufferAllocator())

    /// Writes queued packets (control packets, and messages with their `compress` flag). One flush for the tick.
    func write(_ packets: [EngineOutboundPacket]) {
        guard let context, !closing else { return }
        var handedToNIO = false
        for packet in packets {
            let frame = switch packet {
            case .message(let message): write(message.webSocketFrame, compressible: message.compress, context: context)
            case .control(.ping(let data)) where data.readableBytes == 0:
                write(Self.heartbeatPingFrame, compressible: false, context: context)
            case .control: write(packet.webSocketFrame(allocator: context.channel.allocator), compressible: true, context: context)
            }
            handedToNIO = frame || handedToNIO
        }
        afterWrite(context, handedToNIO: handedToNIO)
    }

    /// Writes one frame, deflated when compression was negotiated, `compressible` and the frame is worth it.
    /// The tick's first frame is held for the end-of-tick `writeAndFlush`; later ones go to NIO at once.
    /// Returns whether anything was handed to NIO (only then can the channel have crossed a limit).
    private func write(_ frame: ByteBuffer, compressible: Bool, context: ChannelHandlerContext) -> Bool {
        let frame = deflater != nil && compressible ? compressedIfWorthIt(frame, allocator: context.channel.allocator) : frame
        if !flushScheduled, let loopContext {
            // The tick's first frame: held for the end-of-tick flush (registered now).
            flushTick = loopContext.tick
            heldSlot =
                if let directChannel {
                    loopContext.holdForEndOfTick(frame, channel: directChannel, outboundHardLimit: outboundHardLimit)
                } else {
                    loopContext.holdForEndOfTick(frame, handler: self)
                }
            return false
        }
        writeHeldFrame(context)
        send(frame, flush: false, context: context)
        return true
    }

    /// Hands the held frame, if any, to NIO (before any later frame, and before a close frame).
    private func writeHeldFrame(_ context: ChannelHandlerContext) {
        if let frame = takeHeldFrame() { send(frame, flush: false, context: context) }
    }

    /// Whether this handler is registered for the current tick's end-of-tick flush.
    private var flushScheduled: Bool { flushTick == loopContext?.tick }

    /// The tick's held frame, taken back from the loop's flush list.
    private func takeHeldFrame() -> ByteBuffer? {
        guard flushScheduled, let loopContext else { return nil }
        return loopContext.takeHeldFrame(at: heldSlot)
    }

    /// Forgets the held frame (the connection is being dropped).
    private func dropHeldFrame() { _ = takeHeldFrame() }

    /// Hands `frame` to NIO (and flushes when `flush`): to the channel's core when writes bypass the pipeline,
    /// else to the next outbound handler.
    private func send(_ frame: ByteBuffer, flush: Bool, context: ChannelHandlerContext) {
        if let directChannel {
            let core = directChannel._channelCore
            core.write0(wrapOutboundOut(frame), promise: nil)
            if flush { core.flush0() }
        } else if flush {
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// The channel this handler writes to (the stored one when writes bypass the pipeline: no context walk).
    private func channel(_ context: ChannelHandlerContext) -> any Channel {
        directChannel ?? context.channel
    }

    /// Disconnects a client above the outbound hard limit (checked only when frames were `handedToNIO`: a held
    /// frame touches no channel state). The tick's flush was registered with its first frame.
    private func afterWrite(_ context: ChannelHandlerContext, handedToNIO: Bool) {
        if handedToNIO { _ = disconnectIfAboveHardLimit(context) }
    }

    /// Closes the connection when more than the outbound hard limit waits in the channel (the loop's end-of-tick
    /// flush calls this for a channel it wrote to directly); returns whether it did.
    @discardableResult
    func disconnectIfAboveHardLimit() -> Bool {
        guard let context else { return false }
        return disconnectIfAboveHardLimit(context)
    }

    /// Closes the connection when more than the outbound hard limit waits in the channel; returns whether it did.
    private func disconnectIfAboveHardLimit(_ context: ChannelHandlerContext) -> Bool {
        // Only a channel above its high watermark can be above the hard limit: the common case costs one check.
        guard let outboundHardLimit, !channel(context).isWritable,
            let buffered = try? channel(context).syncOptions?.getOption(.bufferedWritableBytes), buffered > outboundHardLimit
        else { return false }
        // The client does not read: a close frame would never get through, so drop the connection.
        dropHeldFrame()
        slowConsumer = true
        closing = true
        context.close(promise: nil)
        return true
    }

    /// Flushes what the tick wrote (called by the loop's ``EngineLoopContext`` when the tick ends, for a handler
    /// that writes through the pipeline): the held frame and the flush in one pass through the pipeline.
    func flushNow(heldFrame: ByteBuffer?) {
        guard let context else { return }
        if let frame = heldFrame {
            send(frame, flush: true, context: context)
            _ = disconnectIfAboveHardLimit(context)
        } else {
            context.flush()
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
        writeHeldFrame(context)
        var payload = context.channel.allocator.buffer(capacity: 2)
        if let code { payload.writeInteger(code) }
        let frame = WebSocketFraming.serverFrame(opcode: 0x8, prefix: nil, payload: payload, allocator: context.channel.allocator)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }
}

/// A thread-safe handle on one Engine.IO WebSocket, for the session that uses it (possibly on another loop).
///
/// Usually the WebSocket is a channel of this process. On the owner of a session whose WebSocket another
/// process accepted (no sticky sessions), it is the owner's end of a relay: frames go to `write`.
///
/// `@unchecked Sendable`: the only mutable state, `loopSession` and `loopRelay`, is confined to `eventLoop`.
/// Both start `nil` in `init` (before the handle is shared, so `init` may run off the loop); afterwards they
/// are read and written only through ``session`` (whose callers all run on `eventLoop`: the handler's
/// callbacks, ``EngineServer/webSocketUpgraded(_:handler:channel:isSecure:)``, the session's and the relay's
/// loop-bound code; checked by `assertInEventLoop` in debug builds), ``relay`` (same) and ``setRelay(_:)``
/// (which hops to `eventLoop`). This replaces two loop-bound boxes, i.e. two allocations per connection.
final class EngineWebSocketConnection: @unchecked Sendable {
    enum Backing: Sendable {
        case channel(any Channel, NIOLoopBound<EngineWebSocketHandler>)
        case relay(write: @Sendable ([ByteBuffer]) -> Void, close: @Sendable () -> Void)
    }

    let eventLoop: any EventLoop
    private let backing: Backing
    private var loopSession: EngineSession?
    /// Set on the edge of a relay: where the client's messages go instead of a local session.
    private var loopRelay: ForwardedWebSocketRelay?

    init(handler: EngineWebSocketHandler, channel: any Channel) {
        self.eventLoop = channel.eventLoop
        self.backing = .channel(channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
    }

    /// The owner's end of a relayed WebSocket, on the session's loop (may be created off the loop, e.g. on the
    /// thread reading the cluster's messages: it starts with no session and no relay).
    init(relayOn eventLoop: any EventLoop, write: @escaping @Sendable ([ByteBuffer]) -> Void, close: @escaping @Sendable () -> Void) {
        self.eventLoop = eventLoop
        self.backing = .relay(write: write, close: close)
    }

    /// Whether the channel is below its high write watermark (from any thread); a relay is always writable.
    var isWritable: Bool {
        switch backing {
        case .channel(let channel, _): channel.isWritable
        case .relay: true
        }
    }

    /// The handler of this WebSocket when it is a channel of `loop` (call on `loop`); `nil` for a relay or a
    /// channel of another loop. Writes from `loop` may call it directly.
    func handler(on loop: any EventLoop) -> EngineWebSocketHandler? {
        guard case .channel(_, let handler) = backing, ObjectIdentifier(loop) == ObjectIdentifier(eventLoop) else { return nil }
        return handler.value
    }

    /// The session this WebSocket belongs to (read and written on ``eventLoop``).
    var session: EngineSession? {
        get {
            eventLoop.assertInEventLoop()
            return loopSession
        }
        set {
            eventLoop.assertInEventLoop()
            loopSession = newValue
        }
    }

    /// The edge of a relay (read on ``eventLoop``).
    var relay: ForwardedWebSocketRelay? {
        eventLoop.assertInEventLoop()
        return loopRelay
    }

    /// Sets the edge relay (from any thread).
    func setRelay(_ relay: ForwardedWebSocketRelay) {
        if eventLoop.inEventLoop {
            loopRelay = relay
        } else {
            eventLoop.execute { self.loopRelay = relay }
        }
    }

    /// Writes complete frames (from any thread).
    func write(_ frames: [ByteBuffer]) {
        switch backing {
        case .channel(_, let handler):
            if eventLoop.inEventLoop {
                handler.value.write(frames)
            } else {
                eventLoop.execute { handler.value.write(frames) }
            }
        case .relay(let write, _):
            write(frames)
        }
    }

    /// Writes the frames of `messages`, honouring their `compress` flag (from any thread; a relay
    /// forwards the uncompressed frames: the edge node's WebSocket decides on its own compression).
    func write(_ messages: [OutboundEngineMessage]) {
        switch backing {
        case .channel(_, let handler):
            if eventLoop.inEventLoop {
                handler.value.write(messages)
            } else {
                eventLoop.execute { handler.value.write(messages) }
            }
        case .relay(let write, _):
            write(messages.map(\.webSocketFrame))
        }
    }

    /// Writes queued packets, honouring the `compress` flag of messages (from any thread).
    func write(_ packets: [EngineOutboundPacket]) {
        switch backing {
        case .channel(_, let handler):
            if eventLoop.inEventLoop {
                handler.value.write(packets)
            } else {
                eventLoop.execute { handler.value.write(packets) }
            }
        case .relay(let write, _):
            let allocator = ByteBufferAllocator()
            write(packets.map { packet in
                switch packet {
                case .message(let message): message.webSocketFrame
                case .control: packet.webSocketFrame(allocator: allocator)
                }
            })
        }
    }

    /// Closes the WebSocket (from any thread).
    func close() {
        switch backing {
        case .channel(_, let handler):
            if eventLoop.inEventLoop {
                handler.value.close()
            } else {
                eventLoop.execute { handler.value.close() }
            }
        case .relay(_, let close):
            close()
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
