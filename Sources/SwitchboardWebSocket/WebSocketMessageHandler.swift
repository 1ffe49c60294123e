import NIOCore
import NIOWebSocket

/// The WebSocket message layer for a server connection, placed after NIO's `WebSocketFrameDecoder`
/// and `WebSocketFrameEncoder`.
///
/// Inbound it takes ``WebSocketFrame``s, reassembles and checks them with the message assembler,
/// answers pings and close frames, and fires complete ``WebSocketMessage``s to the next handler.
/// Outbound it takes ``WebSocketMessage``s and writes each as one frame, compressed when
/// permessage-deflate is in use. A ``WebSocketCloseRequest`` user event starts the closing handshake.
///
/// When the peer breaks a rule, the handler sends a close frame with the matching code, closes the
/// connection and fires the ``WebSocketError`` through `errorCaught` so the application can log it.
/// Frame decoder errors (`NIOWebSocketError`) are answered with close code 1009 (frame too large)
/// or 1002; install the upgrader with `automaticErrorHandling: false` so they are not answered twice.
public final class WebSocketMessageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Frames from `WebSocketFrameDecoder`.
    public typealias InboundIn = WebSocketFrame
    /// Complete messages for the application.
    public typealias InboundOut = WebSocketMessage
    /// Messages from the application.
    public typealias OutboundIn = WebSocketMessage
    /// Frames for `WebSocketFrameEncoder`.
    public typealias OutboundOut = WebSocketFrame

    private let configuration: WebSocketConfiguration
    private var assembler: WebSocketMessageAssembler?
    private var deflater: PerMessageDeflater?
    private var needsFlush = false
    private var closeTimeoutTask: Scheduled<Void>?

    /// Creates the handler for one connection.
    public init(configuration: WebSocketConfiguration) {
        self.configuration = configuration
    }

    /// Creates the assembler and, with permessage-deflate, the zlib streams.
    public func handlerAdded(context: ChannelHandlerContext) {
        do {
            self.assembler = try WebSocketMessageAssembler(
                maxMessageSize: self.configuration.maxMessageSize,
                deflate: self.configuration.deflate,
                allocator: context.channel.allocator
            )
            self.deflater = try self.configuration.deflate.map { try PerMessageDeflater(configuration: $0) }
        } catch {
            context.fireErrorCaught(error)
            context.close(promise: nil)
        }
    }

    /// Cancels the close timeout.
    public func handlerRemoved(context: ChannelHandlerContext) {
        self.closeTimeoutTask?.cancel()
        self.closeTimeoutTask = nil
    }

    /// Stops reading messages and cancels the close timeout.
    public func channelInactive(context: ChannelHandlerContext) {
        self.closeTimeoutTask?.cancel()
        self.closeTimeoutTask = nil
        _ = self.assembler?.connectionFailed()
        context.fireChannelInactive()
    }

    /// Closes the connection when the peer half-closes; forwards every event.
    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            // The peer closed its side (channels with allowRemoteHalfClosure): no close frame can
            // follow, so the connection is over.
            _ = self.assembler?.connectionFailed()
            context.fireUserInboundEventTriggered(event)
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Feeds a frame to the assembler and carries out its action.
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard let action = self.assembler?.receive(frame) else { return }
        switch action {
        case .none:
            break
        case .deliver(let message):
            context.fireChannelRead(Self.wrapInboundOut(message))
        case .sendPong(let payload):
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: payload)
            context.write(Self.wrapOutboundOut(pong), promise: nil)
            self.needsFlush = true
        case .replyToCloseAndClose(let payload):
            self.sendCloseAndClose(context: context, payload: payload)
        case .closeConnection:
            self.closeTimeoutTask?.cancel()
            self.closeTimeoutTask = nil
            context.close(promise: nil)
        case .fail(let error):
            self.fail(context: context, closeCode: error.closeCode)
            context.fireErrorCaught(error)  // for the application's logs; the connection is closing
        }
    }

    /// Flushes the pongs written during this read batch.
    public func channelReadComplete(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Answers frame decoder errors (`NIOWebSocketError`, or ``WebSocketError`` from
    /// ``WebSocketStreamingFrameDecoder``) with a close frame; forwards every error.
    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? NIOWebSocketError {
            let code: UInt16
            switch error {
            case .invalidFrameLength: code = 1009
            case .fragmentedControlFrame, .multiByteControlFrameLength: code = 1002
            }
            if self.assembler?.connectionFailed() ?? false {
                self.fail(context: context, closeCode: code)
            }
        } else if let error = error as? WebSocketError {
            // From WebSocketStreamingFrameDecoder.
            if self.assembler?.connectionFailed() ?? false {
                self.fail(context: context, closeCode: error.closeCode)
            }
        }
        context.fireErrorCaught(error)
    }

    /// Writes a message as one frame, compressed when permessage-deflate is in use; fails the
    /// promise with `ChannelError.outputClosed` once the closing handshake has started.
    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = Self.unwrapOutboundIn(data)
        guard self.assembler?.isOpen ?? false else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        let opcode: WebSocketOpcode = message.kind == .text ? .text : .binary
        var frame = WebSocketFrame(fin: true, opcode: opcode, data: message.data)
        if let deflater = self.deflater, message.data.readableBytes > max(0, self.configuration.compressionThreshold - 1) {
            do {
                frame.data = try deflater.compress(message.data, allocator: context.channel.allocator)
                frame.rsv1 = true
            } catch {
                promise?.fail(error)
                self.fail(context: context, closeCode: 1011)
                return
            }
        }
        context.write(Self.wrapOutboundOut(frame), promise: promise)
    }

    /// Starts the closing handshake on a ``WebSocketCloseRequest``; forwards other events.
    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let request = event as? WebSocketCloseRequest else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        guard self.assembler?.closeInitiated() ?? false else {
            promise?.succeed(())
            return
        }
        let payload = Self.closePayload(code: request.code, reason: request.reason, allocator: context.channel.allocator)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(Self.wrapOutboundOut(close), promise: promise)
        let loopBound = context.loopBound
        self.closeTimeoutTask = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(
            in: self.configuration.closeTimeout
        ) {
            loopBound.value.close(promise: nil)
        }
    }

    /// A close frame payload: the code, then as much of `reason` as fits in 125 bytes, cut at a
    /// code point boundary.
    static func closePayload(code: UInt16, reason: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var reasonBytes = Array(reason.utf8.prefix(123))
        if reason.utf8.count > 123 {
            // If the cut split the last code point, drop what is left of it.
            var leadIndex = reasonBytes.count - 1
            while leadIndex > 0, reasonBytes[leadIndex] & 0xC0 == 0x80 { leadIndex -= 1 }
            let lead = reasonBytes[leadIndex]
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            if reasonBytes.count - leadIndex < length {
                reasonBytes.removeSubrange(leadIndex...)
            }
        }
        var payload = allocator.buffer(capacity: 2 + reasonBytes.count)
        payload.writeInteger(code)
        payload.writeBytes(reasonBytes)
        return payload
    }

    /// Sends a close frame with `payload`, then closes the TCP connection once it is written.
    ///
    /// The server closes first (RFC 6455 §7.1.1), by shutting down its output: a FIN rather than
    /// a reset, so that the peer reads the close frame even if it sent more data. Reading goes on
    /// (and is ignored) until the peer closes too, or for at most `closeTimeout`. Channels that
    /// cannot half-close are closed at once.
    private func sendCloseAndClose(context: ChannelHandlerContext, payload: ByteBuffer) {
        self.closeTimeoutTask?.cancel()
        self.closeTimeoutTask = nil
        self.needsFlush = false
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(close)).whenComplete { _ in
            let context = loopBound.value.1
            let halfClosed = context.eventLoop.makePromise(of: Void.self)
            context.close(mode: .output, promise: halfClosed)
            halfClosed.futureResult.whenComplete { result in
                let (handler, context) = loopBound.value
                switch result {
                case .success:
                    handler.closeTimeoutTask = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(
                        in: handler.configuration.closeTimeout
                    ) {
                        loopBound.value.1.close(promise: nil)
                    }
                case .failure:
                    context.close(promise: nil)
                }
            }
        }
    }

    private func fail(context: ChannelHandlerContext, closeCode: UInt16) {
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.writeInteger(closeCode)
        self.sendCloseAndClose(context: context, payload: payload)
    }
}

@available(*, unavailable)
extension WebSocketMessageHandler: Sendable {}

/// Echoes every message back to the peer with its type: the `/echo` route for the
/// Autobahn|Testsuite. Place it after ``WebSocketMessageHandler``.
public final class WebSocketEchoHandler: ChannelInboundHandler, RemovableChannelHandler {
    /// Messages from ``WebSocketMessageHandler``.
    public typealias InboundIn = WebSocketMessage
    /// The same messages, written back.
    public typealias OutboundOut = WebSocketMessage

    private var needsFlush = false

    /// Creates an echo handler.
    public init() {}

    /// Writes the message back (flushed at the end of the read batch).
    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
        self.needsFlush = true
    }

    /// Flushes the echoes of this read batch.
    public func channelReadComplete(context: ChannelHandlerContext) {
        if self.needsFlush {
            self.needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }
}

@available(*, unavailable)
extension WebSocketEchoHandler: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// Adds a ``WebSocketMessageHandler`` at the end of the pipeline (after the frame decoder and
    /// encoder that the WebSocket upgrader installed).
    public func addWebSocketMessageHandler(configuration: WebSocketConfiguration) throws {
        try self.addHandler(WebSocketMessageHandler(configuration: configuration))
    }

    /// Adds a ``WebSocketMessageHandler`` followed by a ``WebSocketEchoHandler``: a complete
    /// WebSocket echo endpoint.
    public func addWebSocketEchoHandlers(configuration: WebSocketConfiguration) throws {
        try self.addHandler(WebSocketMessageHandler(configuration: configuration))
        try self.addHandler(WebSocketEchoHandler())
    }
}

extension Channel {
    /// Replaces NIO's `WebSocketFrameDecoder` (installed by `NIOWebSocketServerUpgrader`) with a
    /// ``WebSocketStreamingFrameDecoder``, so that messages are checked as their bytes arrive and
    /// no frame is buffered whole. Call it from the upgrader's `upgradePipelineHandler`, before
    /// adding the message handler, and complete the upgrade when the returned future does. Does
    /// nothing if the pipeline has no NIO frame decoder.
    ///
    /// Must be called on the channel's event loop.
    public func useStreamingWebSocketFrameDecoder() -> EventLoopFuture<Void> {
        self.eventLoop.preconditionInEventLoop()
        let pipeline = self.pipeline.syncOperations
        guard let nioDecoder = try? pipeline.context(handlerType: ByteToMessageHandler<WebSocketFrameDecoder>.self)
        else { return self.eventLoop.makeSucceededVoidFuture() }
        let channel = self
        return pipeline.removeHandler(context: nioDecoder).assumeIsolated().flatMapThrowing {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(WebSocketStreamingFrameDecoder()))
        }.nonisolated()
    }

    /// Sets up a WebSocket echo endpoint after the upgrade: the streaming frame decoder in place
    /// of NIO's, a ``WebSocketMessageHandler`` and a ``WebSocketEchoHandler``. Return the future
    /// from the upgrader's `upgradePipelineHandler`.
    ///
    /// Must be called on the channel's event loop.
    public func addWebSocketEchoHandlers(configuration: WebSocketConfiguration) -> EventLoopFuture<Void> {
        let channel = self
        return self.useStreamingWebSocketFrameDecoder().assumeIsolated().flatMapThrowing {
            try channel.pipeline.syncOperations.addWebSocketEchoHandlers(configuration: configuration)
        }.nonisolated()
    }
}
