import Logging
import NIOCore
import RESP

/// A command on its way to the server, with the promise its reply completes.
struct RedisRequest {
    var command: RESPCommand
    var promise: EventLoopPromise<RESPValue>
    var deadline: NIODeadline?
}

/// Asks the handler to close once every pending command has its reply.
struct RedisGracefulCloseEvent: Sendable {}

/// Adapts ``RESPDecoder`` to NIO's single-step decoding, skipping decode attempts until at least as many
/// bytes arrived as the incomplete value is known to need.
struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = RESPValue
    let decoder: RESPDecoder
    private var bytesNeeded = 0

    init(decoder: RESPDecoder) {
        self.decoder = decoder
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        guard buffer.readableBytes >= bytesNeeded else { return nil }
        return try decoder.decode(from: &buffer, bytesNeeded: &bytesNeeded)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }
}

/// Feeds the bytes from the server through the decoder into ``RedisConnectionStateMachine`` and carries
/// out its actions: the one place where a Redis connection does I/O.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private var stateMachine: RedisConnectionStateMachine<EventLoopPromise<RESPValue>>
    private var processor: NIOSingleStepByteToMessageProcessor<RESPValueDecoder>
    private let handshakeTimeout: TimeAmount
    private let readyPromise: EventLoopPromise<Int>
    private var readyCompleted = false
    private let onPush: @Sendable (RedisPush) -> Void
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    /// - Parameters:
    ///   - readyPromise: succeeds with the protocol version once the handshake is done, or fails.
    init(
        configuration: RedisConfiguration,
        readyPromise: EventLoopPromise<Int>,
        logger: Logger,
        onPush: @escaping @Sendable (RedisPush) -> Void
    ) {
        self.stateMachine = RedisConnectionStateMachine(handshake: configuration.handshake)
        self.processor = NIOSingleStepByteToMessageProcessor(RESPValueDecoder(decoder: RESPDecoder(limits: configuration.decoderLimits)))
        self.handshakeTimeout = TimeAmount(configuration.connectTimeout)
        self.readyPromise = readyPromise
        self.logger = logger
        self.onPush = onPush
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        run(stateMachine.connected(handshakeDeadline: .now() + handshakeTimeout), context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        do {
            try processor.process(buffer: bytes) { value in
                run(stateMachine.received(value), context: context)
            }
        } catch let error as RESPDecodingError {
            logger.debug("redis reply could not be decoded", metadata: ["redis.error": "\(error)"])
            run(stateMachine.decodingFailed(error), context: context)
        } catch {
            run(stateMachine.errorCaught(error), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(stateMachine.channelInactive(), context: context)
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("redis connection error", metadata: ["redis.error": "\(error)"])
        run(stateMachine.errorCaught(error), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        // The request reached the handler, so its reply promise will be completed from here on.
        promise?.succeed(())
        run(stateMachine.send(request.command, context: request.promise, deadline: request.deadline),
            context: context, flush: false)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is RedisGracefulCloseEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        promise?.succeed(())
        run(stateMachine.closeRequested(), context: context)
    }

    // MARK: Actions

    private func run(
        _ action: RedisConnectionStateMachine<EventLoopPromise<RESPValue>>.Action,
        context: ChannelHandlerContext,
        flush: Bool = true
    ) {
        switch action {
        case .none:
            break
        case .write(let bytes):
            if flush {
                context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            } else {
                context.write(wrapOutboundOut(bytes), promise: nil)
            }
        case .succeed(let promise, let value, let closeChannel):
            promise.succeed(value)
            if closeChannel { context.close(promise: nil) }
        case .fail(let promise, let error, let closeChannel):
            promise.fail(error)
            if closeChannel { context.close(promise: nil) }
        case .deliver(let push):
            onPush(push)
        case .handshakeCompleted(let protocolVersion, let writes):
            readyCompleted = true
            readyPromise.succeed(protocolVersion)
            for bytes in writes { context.write(wrapOutboundOut(bytes), promise: nil) }
            if !writes.isEmpty { context.flush() }
        case .close(let promises, let error):
            failHandshake(error)
            for promise in promises { promise.fail(error) }
            context.close(promise: nil)
        case .failAll(let promises, let error):
            failHandshake(error)
            for promise in promises { promise.fail(error) }
        }
        updateTimer(context: context)
    }

    private func failHandshake(_ error: RedisError) {
        guard !readyCompleted else { return }
        readyCompleted = true
        readyPromise.fail(error)
    }

    // MARK: Timer

    /// Keeps one timer armed no later than the state machine's next deadline.
    private func updateTimer(context: ChannelHandlerContext) {
        guard let deadline = stateMachine.nextDeadline else { return }
        if let timerDeadline, timer != nil, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBound.value.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        run(stateMachine.timerFired(now: .now()), context: context)
    }
}
