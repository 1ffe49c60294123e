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
    private var flushes = TickBatch<EngineWebSocketHandler>()
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

    /// Flushes `handler` when the current tick ends (the handler calls this once per tick).
    func flushAtEndOfTick(_ handler: EngineWebSocketHandler) {
        _ = flushes.add(handler)
        scheduleEndOfTick()
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
        var handlers = flushes.takeAll()
        for handler in handlers { handler.flushNow() }
        flushes.recycle(&handlers)
        if let metrics, sentMessages > 0 {
            metrics.messagesSent.increment(by: sentMessages)
            metrics.bytesSent.increment(by: sentBytes)
            sentMessages = 0
            sentBytes = 0
        }
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
