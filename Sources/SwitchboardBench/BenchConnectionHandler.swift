import Histogram
import NIOCore

/// One bench client: WebSocket upgrade, frames, Engine.IO/Socket.IO session and the scenario role,
/// all on the channel's event loop. Decoding feeds ``ClientSessionStateMachine``; this handler carries
/// out its actions and the role's sends in one place.
final class BenchConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let loop: LoopState
    private let role: ConnectionRole
    private let handshake: WebSocketHandshake
    private let connectStartNanos: UInt64
    private var session = ClientSessionStateMachine()
    private let decoder = ServerFrameDecoder()
    private var reassembler = MessageReassembler()
    private var masks = MaskKeyGenerator()
    private var inbound: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var outbound = ByteBuffer()
    private static let outboundCapacity = 512
    private var countedFailure = false
    private var closing = false

    // Echo: slot `s` always carries ack ids ≡ s (mod inflight); `slotAckIDs[s]` is the outstanding id.
    private var slotAckIDs: [UInt64] = []
    private var slotSentNanos: [UInt64] = []
    // Fan-out.
    private var ledger: FanoutReceiverLedger?
    private var joined = false
    private var sequence: UInt64 = 0

    /// Ack id used for `join`.
    private static let joinAckID: UInt64 = 0
    /// Ack id used for `stats`; far above any echo id a run can reach.
    private static let statsAckID: UInt64 = 1 << 50
    private var statsPromise: EventLoopPromise<ServerStats?>?

    init(loop: LoopState, role: ConnectionRole, handshake: WebSocketHandshake, connectStartNanos: UInt64) {
        self.loop = loop
        self.role = role
        self.handshake = handshake
        self.connectStartNanos = connectStartNanos
        if case .fanout(_, let senderCount, _) = role {
            ledger = FanoutReceiverLedger(senderCount: senderCount)
        }
    }

    var isSender: Bool {
        if case .fanout(.some, _, _) = role { return true }
        return false
    }

    var orderViolations: [UInt64]? { ledger?.orderViolations }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        outbound = context.channel.allocator.buffer(capacity: Self.outboundCapacity)
    }

    func channelActive(context: ChannelHandlerContext) {
        handshake.writeRequest(into: &outbound)
        flushIfNeeded(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if var pending = inbound {
            inbound = nil
            var incoming = bytes
            pending.writeBuffer(&incoming)
            inbound = pending
        } else {
            inbound = bytes
        }
        do {
            try processInbound(context: context)
        } catch {
            fail(context: context, error)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closing, !countedFailure {
            if session.state == .connected {
                loop.result.metrics.closedByServer += 1
                loop.recordError("closed by server")
            } else if session.state != .closed {
                countFailure("closed during handshake")
            }
        }
        session.closed()
        self.context = nil
        statsPromise?.succeed(nil)
        statsPromise = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, BenchError(.scenarioFailed, "transport error: \(error)"))
    }

    // MARK: Inbound processing

    private func processInbound(context: ChannelHandlerContext) throws(BenchError) {
        guard var buffer = inbound else { return }
        inbound = nil
        defer {
            if buffer.readableBytes > 0 {
                if buffer.readerIndex > 64 * 1024 { buffer.discardReadBytes() }
                inbound = buffer
            }
        }
        if session.state == .upgrading {
            guard try handshake.parseResponse(&buffer) != nil else { return }
            perform(session.upgraded(), context: context)
        }
        while session.state != .closed, let frame = try decoder.next(&buffer) {
            switch frame.opcode {
            case .ping:
                writeFrame(.pong, payload: frame.payload, context: context)
            case .pong:
                break
            case .close:
                closing = true
                if session.state == .connected { loop.result.metrics.closedByServer += 1 }
                session.closed()
                // Echo the status code (RFC 6455 §5.5.1), then close.
                let status = frame.payload.getSlice(at: frame.payload.readerIndex, length: min(frame.payload.readableBytes, 2)) ?? ByteBuffer()
                writeFrame(.close, payload: status, context: context)
                flushThenClose(context: context)
                return
            case .text, .binary, .continuation:
                guard let (opcode, message) = try reassembler.feed(frame) else { continue }
                guard opcode == .text else { continue }  // Binary attachments are never requested.
                let packet = try InboundPacket.parse(message)
                perform(session.received(packet), context: context)
            }
        }
    }

    private func perform(_ action: ClientSessionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .sendConnect:
            writeText(length: 2, context: context) { $0.writeStaticString("40") }
        case .sendPong(let data):
            loop.result.metrics.pings += 1
            writeText(length: 1 + data.readableBytes, context: context) {
                $0.writeInteger(UInt8(ascii: "3"))
                var copy = data
                $0.writeBuffer(&copy)
            }
        case .connected:
            loop.result.metrics.connected += 1
            LatencySummary.record(nanoseconds: NIODeadline.now().uptimeNanoseconds &- connectStartNanos, into: &loop.result.connectLatency)
            loop.register(self)
            if case .fanout = role {
                emit(arguments: loop.messages.joinArguments, ackID: Self.joinAckID, context: context)
            }
            if loop.phase == .running { start() }
        case .deliverEvent(_, let arguments):
            receiveEvent(arguments)
        case .deliverAck(let id, let arguments):
            receiveAck(id: id, arguments: arguments, context: context)
        case .fail(let error):
            fail(context: context, error)
        case .closeByServer:
            closing = true
            loop.result.metrics.closedByServer += 1
            loop.recordError("disconnected by server")
            context.close(promise: nil)
        }
    }

    // MARK: Scenario

    /// The measured window began (called by ``LoopState``).
    func start() {
        guard let context, session.state == .connected else { return }
        switch role {
        case .idle, .fanout:
            break
        case .echo(let inflight, let interval):
            guard slotAckIDs.isEmpty else { return }
            slotAckIDs = Array(0..<UInt64(inflight))
            slotSentNanos = Array(repeating: 0, count: inflight)
            if interval == 0 {
                for slot in 0..<inflight { sendEcho(slot: slot, context: context) }
                flushIfNeeded(context: context)
            } else {
                // Paced clients start at random offsets within one interval, so they do not send in step.
                let now = NIODeadline.now().uptimeNanoseconds
                for slot in 0..<inflight {
                    sendEcho(slot: slot, at: now + UInt64.random(in: 0..<interval), context: context)
                }
            }
        }
    }

    /// Sends slot `slot`'s emit at `uptimeNanos` (at once if that has passed), while the window runs.
    private func sendEcho(slot: Int, at uptimeNanos: UInt64, context: ChannelHandlerContext) {
        guard uptimeNanos > NIODeadline.now().uptimeNanoseconds else {
            sendEcho(slot: slot, context: context)
            flushIfNeeded(context: context)
            return
        }
        context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(uptimeNanos)) { [self] in
            guard loop.phase == .running, let context = self.context, context.channel.isActive else { return }
            sendEcho(slot: slot, context: context)
            flushIfNeeded(context: context)
        }
    }

    private func sendEcho(slot: Int, context: ChannelHandlerContext) {
        slotSentNanos[slot] = NIODeadline.now().uptimeNanoseconds
        emit(arguments: loop.messages.echoArguments, ackID: slotAckIDs[slot], context: context)
        loop.result.metrics.echoSent += 1
    }

    /// Asks the server for its `stats`; the promise gets `nil` if the answer is malformed.
    func requestStats(_ promise: EventLoopPromise<ServerStats?>) -> Bool {
        guard let context, session.state == .connected, statsPromise == nil else { return false }
        statsPromise = promise
        emit(arguments: loop.messages.statsArguments, ackID: Self.statsAckID, context: context)
        flushIfNeeded(context: context)
        // A server that never answers must not hang the run.
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { [self] in
            statsPromise?.succeed(nil)
            statsPromise = nil
        }
        return true
    }

    private func receiveAck(id: UInt64, arguments: ByteBuffer, context: ChannelHandlerContext) {
        if id == Self.statsAckID, let promise = statsPromise {
            statsPromise = nil
            promise.succeed(ServerStats.parse(arguments: arguments))
            return
        }
        switch role {
        case .echo(let inflight, let interval):
            let slot = Int(id % UInt64(inflight))
            guard slot < slotAckIDs.count, slotAckIDs[slot] == id else {
                loop.result.metrics.echoMismatches += 1
                return
            }
            if arguments != loop.messages.echoAckArguments { loop.result.metrics.echoMismatches += 1 }
            guard loop.phase == .running else { return }
            let now = NIODeadline.now().uptimeNanoseconds
            loop.result.metrics.echoAcks += 1
            LatencySummary.record(nanoseconds: now &- slotSentNanos[slot], into: &loop.result.latency)
            slotAckIDs[slot] = id + UInt64(inflight)
            if interval == 0 {
                sendEcho(slot: slot, context: context)
            } else {
                sendEcho(slot: slot, at: slotSentNanos[slot] + interval, context: context)
            }
        case .fanout:
            if id == Self.joinAckID, !joined {
                joined = true
                loop.result.metrics.joined += 1
            }
        case .idle:
            break
        }
    }

    private func receiveEvent(_ arguments: ByteBuffer) {
        guard ledger != nil, let (sender, sequence, sent) = FanoutPayload.parse(arguments: arguments),
              ledger!.record(sender: sender, sequence: sequence)
        else {
            loop.result.metrics.unexpectedEvents += 1
            return
        }
        loop.result.metrics.fanoutReceived += 1
        LatencySummary.record(nanoseconds: NIODeadline.now().uptimeNanoseconds &- sent, into: &loop.result.latency)
    }

    /// Sends the `bcast` messages due by `nowNanos` at this sender's rate (called by the loop timer).
    func sendDue(nowNanos: UInt64) {
        guard let context, session.state == .connected, loop.phase == .running,
              case .fanout(.some(let index), _, let rate) = role
        else { return }
        let elapsed = Double(nowNanos &- loop.startNanos) / 1e9
        let due = UInt64(elapsed * rate) + 1
        guard due > sequence else { return }
        // The server is not reading fast enough: do not queue without bound; the next tick catches up.
        guard context.channel.isWritable else {
            loop.result.metrics.senderStalls += 1
            return
        }
        // Never burst more than one second's worth after a stall.
        let count = min(due - sequence, UInt64(max(rate, 1)))
        for _ in 0..<count {
            let now = NIODeadline.now().uptimeNanoseconds
            let seq = sequence
            sequence += 1
            let prefix = loop.messages.bcastArgumentsPrefix
            let padding = loop.messages.fanoutPadding
            let payloadLength = FanoutPayload.length(sender: index, sequence: seq, sentNanos: now, paddingLength: padding.readableBytes)
            writeText(length: 2 + prefix.readableBytes + payloadLength + 1, context: context) {
                $0.writeStaticString("42")
                var p = prefix
                $0.writeBuffer(&p)
                FanoutPayload.write(sender: index, sequence: seq, sentNanos: now, padding: padding, into: &$0)
                $0.writeInteger(UInt8(ascii: "]"))
            }
            loop.result.metrics.fanoutSent += 1
        }
        flushIfNeeded(context: context)
    }

    // MARK: Writing

    /// `42<ackID><arguments>`.
    private func emit(arguments: ByteBuffer, ackID: UInt64, context: ChannelHandlerContext) {
        writeText(length: 2 + Decimal.length(of: ackID) + arguments.readableBytes, context: context) {
            $0.writeStaticString("42")
            Decimal.write(ackID, into: &$0)
            var copy = arguments
            $0.writeBuffer(&copy)
        }
    }

    /// Appends a masked text frame to the pending output; written and flushed once per read
    /// cycle or timer tick, so a burst of messages costs one buffer, not one each.
    private func writeText(length: Int, context: ChannelHandlerContext, _ body: (inout ByteBuffer) -> Void) {
        ClientFrameEncoder.writeFrame(opcode: .text, payloadLength: length, maskKey: masks.next(), into: &outbound, body)
    }

    private func writeFrame(_ opcode: WebSocketOpcode, payload: ByteBuffer, context: ChannelHandlerContext) {
        ClientFrameEncoder.writeFrame(opcode: opcode, payload: payload, maskKey: masks.next(), into: &outbound)
    }

    /// Writes and flushes the pending output, if any.
    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else { return }
        let pending = outbound
        outbound = context.channel.allocator.buffer(capacity: Self.outboundCapacity)
        context.writeAndFlush(wrapOutboundOut(pending), promise: nil)
    }

    /// Flushes the pending output, then closes the connection once it is on the wire.
    private func flushThenClose(context: ChannelHandlerContext) {
        let pending = outbound
        outbound = ByteBuffer()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(pending)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Closing

    private func countFailure(_ reason: String) {
        guard !countedFailure else { return }
        countedFailure = true
        loop.result.metrics.failed += 1
        loop.recordError(reason)
    }

    private func fail(context: ChannelHandlerContext, _ error: BenchError) {
        if !closing { countFailure(error.description) }
        closing = true
        session.closed()
        context.close(promise: nil)
    }

    /// Sends a WebSocket close 1000 and closes the TCP connection once it is written.
    func closeGracefully() {
        guard let context, !closing else { return }
        closing = true
        var status = context.channel.allocator.buffer(capacity: 2)
        status.writeInteger(UInt16(1000))
        writeFrame(.close, payload: status, context: context)
        flushThenClose(context: context)
    }
}
