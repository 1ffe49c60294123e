import EngineIO
import NIOCore

/// What the sessions and WebSocket connections of one event loop share, so per-connection work becomes
/// per-tick work:
/// - flushes: a connection written to during a tick registers once and is flushed when the tick ends, so
///   every packet it got in the tick leaves in one write (one syscall), and no task is scheduled per connection;
/// - sent-message metrics: counted here without atomics, added to the shared counters once per tick;
/// - session timers (heartbeats, timeouts): one ``TimerWheel`` and one scheduled wake-up for the loop instead
///   of a scheduled task (a promise, a closure and a heap entry cancelled by linear search) per session.
///
/// `@unchecked Sendable`: every mutable stored property is read and written only on `eventLoop` (the
/// methods are called on it; `EngineServer` only hands the object to sessions and handlers of that loop).
final class EngineLoopContext: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let metrics: EngineMetrics?
    /// A connection to flush when the tick ends.
    enum TickFlush {
        /// A handler that writes through its pipeline, and the tick's frame it held (unless taken back since): it
        /// writes and flushes itself (``EngineWebSocketHandler/flushNow(heldFrame:)``).
        case handler(EngineWebSocketHandler, heldFrame: ByteBuffer?)
        /// A channel its handler writes to directly: the tick's held frame (unless taken back since) and the flush
        /// go to the channel's core without touching the handler again (in a fan-out it is cold by then).
        case channel(any Channel, heldFrame: ByteBuffer?, outboundHardLimit: Int?)
    }

    private var flushes = TickBatch<TickFlush>()
    /// The current tick's number (incremented when its flushes start): a connection that registered in an
    /// earlier tick is flushed already.
    private(set) var tick: UInt64 = 1
    private var sentMessages = 0
    private var sentBytes = 0
    private var endOfTickScheduled = false
    private var timers: TimerWheel<EngineSession>
    private var wake: (tick: Int64, task: Scheduled<Void>)?

    init(eventLoop: any EventLoop, metrics: EngineMetrics?, now: Int64 = monotonicMilliseconds()) {
        self.eventLoop = eventLoop
        self.metrics = metrics
        self.timers = TimerWheel(now: now)
    }

    // MARK: End of tick

    /// Holds `frame` for `handler`, which writes and flushes it when the current tick ends (call once per handler
    /// and tick); returns the slot with which the handler can take the frame back (``takeHeldFrame(at:)``).
    func holdForEndOfTick(_ frame: ByteBuffer, handler: EngineWebSocketHandler) -> Int {
        hold(.handler(handler, heldFrame: frame))
    }

    /// Writes `frame` to `channel`'s core and flushes it when the current tick ends (call once per channel and
    /// tick); returns the slot with which the handler can take the frame back (``takeHeldFrame(at:)``).
    func holdForEndOfTick(_ frame: ByteBuffer, channel: any Channel, outboundHardLimit: Int?) -> Int {
        hold(.channel(channel, heldFrame: frame, outboundHardLimit: outboundHardLimit))
    }

    private func hold(_ flush: TickFlush) -> Int {
        let slot = flushes.count
        _ = flushes.add(flush)
        scheduleEndOfTick()
        return slot
    }

    /// Takes back the frame held at `slot` during the current tick (the channel is still flushed when it ends).
    func takeHeldFrame(at slot: Int) -> ByteBuffer? {
        flushes.modify(at: slot) { flush in
            switch flush {
            case .handler(let handler, let frame):
                flush = .handler(handler, heldFrame: nil)
                return frame
            case .channel(let channel, let frame, let limit):
                flush = .channel(channel, heldFrame: nil, outboundHardLimit: limit)
                return frame
            }
        }
    }

    /// Counts messages handed to a transport; the shared counters get the sum once per tick.
    func recordSent(_ messages: [OutboundEngineMessage]) {
        guard metrics != nil else { return }
        sentMessages += messages.count
        for message in messages { sentBytes += message.payload.readableBytes }
        scheduleEndOfTick()
    }

    private func scheduleEndOfTick() {
        guard !endOfTickScheduled else { return }
        endOfTickScheduled = true
        eventLoop.assumeIsolated().execute { self.endOfTick() }
    }

    private func endOfTick() {
        endOfTickScheduled = false
        tick &+= 1
        var pending = flushes.takeAll()
        for flush in pending {
            switch flush {
            case .handler(let handler, let frame): handler.flushNow(heldFrame: frame)
            case .channel(let channel, let frame, let limit): Self.flush(channel, heldFrame: frame, outboundHardLimit: limit)
            }
        }
        flushes.recycle(&pending)
        if let metrics, sentMessages > 0 {
            metrics.messagesSent.increment(by: sentMessages)
            metrics.bytesSent.increment(by: sentBytes)
            sentMessages = 0
            sentBytes = 0
        }
    }

    /// Writes the held frame, if any, to the channel's core and flushes; a channel that may now be above its
    /// outbound hard limit is checked by its handler (only a channel above its high watermark can be).
    private static func flush(_ channel: any Channel, heldFrame: ByteBuffer?, outboundHardLimit: Int?) {
        let core = channel._channelCore
        if let heldFrame { core.write0(NIOAny(heldFrame), promise: nil) }
        core.flush0()
        guard heldFrame != nil, outboundHardLimit != nil, !channel.isWritable,
            let handler = try? channel.pipeline.syncOperations.handler(type: EngineWebSocketHandler.self)
        else { return }
        handler.disconnectIfAboveHardLimit()
    }

    // MARK: Session timers

    /// Calls `session.timerFired(now:)` at `deadline` (milliseconds on ``monotonicMilliseconds()``), or at most
    /// 10 ms later; replaces the session's earlier deadline.
    func arm(_ session: EngineSession, at deadline: Int64) {
        let tick = timers.arm(session, at: deadline)
        if let wake, wake.tick <= tick { return }
        scheduleWake(at: tick)
    }

    /// Forgets the session's deadline.
    func disarm(_ session: EngineSession) {
        timers.disarm(session)
        if timers.count == 0, let wake {
            wake.task.cancel()
            self.wake = nil
        }
    }

    private func scheduleWake(at tick: Int64) {
        wake?.task.cancel()
        let nanoseconds = UInt64(max(timers.milliseconds(of: tick), 0)) * 1_000_000
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(nanoseconds)) { [self] in
            wake = nil
            fireDueTimers()
        }
        wake = (tick, task)
    }

    private func fireDueTimers() {
        // One clock read per pass: every owner the wheel returns is due at this `now`.
        let now = monotonicMilliseconds()
        for session in timers.expire(now: now) { session.timerFired(now: now) }
        // Sessions re-armed above may have scheduled a wake-up later than an entry left from an earlier turn.
        if let next = timers.nextTick, wake.map({ $0.tick > next }) ?? true { scheduleWake(at: next) }
    }
}
