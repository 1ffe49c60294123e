import EngineIO
import NIOConcurrencyHelpers
import NIOCore

/// The connect timeout of one event loop's clients: one ``ConnectDeadlines`` table and one scheduled task, instead
/// of a task scheduled and cancelled per connection.
///
/// `@unchecked Sendable`: `deadlines` is read and written only on `eventLoop` (clients call in from their
/// connection's loop, which is this one; the scheduled sweep runs on it).
final class ConnectTimeoutTimer: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var deadlines: ConnectDeadlines<ObjectIdentifier, SocketIOClientConnection>

    init(eventLoop: any EventLoop, timeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.deadlines = ConnectDeadlines(timeoutNanoseconds: UInt64(max(timeout.nanoseconds, 0)))
    }

    /// Starts `client`'s wait for its first namespace. On `eventLoop`.
    func start(_ client: SocketIOClientConnection) {
        eventLoop.assertInEventLoop()
        if let at = deadlines.add(ObjectIdentifier(client), client, now: eventLoop.now.uptimeNanoseconds) {
            schedule(at: at)
        }
    }

    /// Ends `client`'s wait (it joined a namespace or closed). On `eventLoop`.
    func cancel(_ client: SocketIOClientConnection) {
        eventLoop.assertInEventLoop()
        deadlines.remove(ObjectIdentifier(client))
    }

    private func schedule(at uptimeNanoseconds: UInt64) {
        eventLoop.scheduleTask(deadline: .uptimeNanoseconds(uptimeNanoseconds)) { [self] in
            let (expired, next) = deadlines.sweep(now: eventLoop.now.uptimeNanoseconds)
            if let next { schedule(at: next) }
            for client in expired { client.connectTimeoutFired() }
        }
    }
}

/// The connect timers of the event loops that serve a server's clients, one per loop, made on first use.
final class ConnectTimeoutTimers: Sendable {
    let timeout: TimeAmount
    private let timers: PerEventLoop<ConnectTimeoutTimer>

    init(timeout: TimeAmount) {
        self.timeout = timeout
        self.timers = PerEventLoop { ConnectTimeoutTimer(eventLoop: $0, timeout: timeout) }
    }

    /// `eventLoop`'s timer.
    func timer(for eventLoop: any EventLoop) -> ConnectTimeoutTimer {
        timers.value(for: eventLoop)
    }
}
