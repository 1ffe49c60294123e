import Histogram
import NIOCore

/// The per-event-loop hub: the connections living on `eventLoop`, their counters and histograms,
/// the scenario phase, and the fan-out send timer.
///
/// `@unchecked Sendable`: every stored property is read and written only on `eventLoop` (the
/// handlers run there; the runner reaches it only through `eventLoop.submit`/`execute`), which each
/// entry point checks with `eventLoop.assertInEventLoop()`.
final class LoopState: @unchecked Sendable {
    enum Phase: Sendable {
        /// Connections are coming up; nothing is measured yet.
        case preparing
        /// The measured window: echo re-issues, senders send, latencies are recorded.
        case running
        /// The window ended: no new emits; deliveries still counted for the drain.
        case stopped
    }

    let eventLoop: EventLoop
    let messages: EncodedMessages
    private(set) var phase: Phase = .preparing
    var result = LoopResult()
    private var handlers: [BenchConnectionHandler] = []
    private var senders: [BenchConnectionHandler] = []
    private var sendTimer: RepeatedTask?
    /// When the window started, uptime ns.
    private(set) var startNanos: UInt64 = 0

    init(eventLoop: EventLoop, messages: EncodedMessages, senderCount: Int) {
        self.eventLoop = eventLoop
        self.messages = messages
        self.result.orderViolations = Array(repeating: 0, count: senderCount)
    }

    func register(_ handler: BenchConnectionHandler) {
        eventLoop.assertInEventLoop()
        handlers.append(handler)
        if handler.isSender { senders.append(handler) }
    }

    /// Starts the measured window on this loop.
    func start(nowNanos: UInt64, sendTick: TimeAmount = .milliseconds(1)) {
        eventLoop.assertInEventLoop()
        phase = .running
        startNanos = nowNanos
        for handler in handlers { handler.start() }
        if !senders.isEmpty {
            sendTimer = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: sendTick) { [self] _ in
                let now = NIODeadline.now().uptimeNanoseconds
                for sender in senders { sender.sendDue(nowNanos: now) }
            }
        }
    }

    /// Ends the measured window: no new emits from now on.
    func stop() {
        eventLoop.assertInEventLoop()
        phase = .stopped
        sendTimer?.cancel()
        sendTimer = nil
    }

    /// Counters so far (cheap; for progress lines).
    func metricsSnapshot() -> LoopMetrics {
        eventLoop.assertInEventLoop()
        return result.metrics
    }

    /// Everything measured, with per-sender order violations gathered from the receivers.
    func finalResult() -> LoopResult {
        eventLoop.assertInEventLoop()
        var copy = result
        for handler in handlers {
            guard let violations = handler.orderViolations else { continue }
            for (i, v) in violations.enumerated() where i < copy.orderViolations.count { copy.orderViolations[i] += v }
        }
        return copy
    }

    /// Asks the server for `stats` through the first connected socket on this loop.
    func requestStats() -> EventLoopFuture<ServerStats?> {
        eventLoop.assertInEventLoop()
        let promise = eventLoop.makePromise(of: ServerStats?.self)
        for handler in handlers where handler.requestStats(promise) {
            return promise.futureResult
        }
        promise.succeed(nil)
        return promise.futureResult
    }

    /// Closes every connection (WebSocket close 1000, then TCP close).
    func closeAll() {
        eventLoop.assertInEventLoop()
        stop()
        for handler in handlers { handler.closeGracefully() }
        handlers.removeAll()
        senders.removeAll()
    }

    func recordError(_ reason: String) {
        result.metrics.errors[reason, default: 0] += 1
    }
}
