import NIOConcurrencyHelpers
import NIOCore

/// The cross-loop work of one event loop, sent when its tick ends: one `execute` per destination loop per
/// tick, however many broadcasts and emits the tick produced. The destination runs the whole hop as one
/// task, so its connections' writes share one end-of-tick flush (one `writev` per connection).
///
/// `@unchecked Sendable`: `batch` and `sendScheduled` are read and written only on `eventLoop` (``enqueue``
/// is called on it, the send runs on it).
final class LoopHopOutbox: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var batch = LoopHopBatch<any EventLoop, @Sendable () -> Void>()

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Runs `work` on `destination` after the work queued for it earlier in this tick. On `eventLoop`.
    func enqueue(_ work: @escaping @Sendable () -> Void, on destination: any EventLoop) {
        eventLoop.assertInEventLoop()
        if batch.add(work, to: destination, id: ObjectIdentifier(destination)) {
            eventLoop.assumeIsolated().execute { self.sendAll() }
        }
    }

    private func sendAll() {
        for hop in batch.takeAll() {
            let work = hop.work
            hop.destination.execute {
                for item in work { item() }
            }
        }
    }
}

/// The hop outboxes of the event loops that serve this server's clients; finds the current thread's one.
final class LoopHopOutboxes: Sendable {
    private let outboxes = NIOLockedValueBox<[LoopHopOutbox]>([])

    /// Makes `loop` batch its cross-loop work (idempotent; called when a client connects on it).
    func register(_ loop: any EventLoop) {
        let id = ObjectIdentifier(loop)
        outboxes.withLockedValue { list in
            guard !list.contains(where: { ObjectIdentifier($0.eventLoop) == id }) else { return }
            list.append(LoopHopOutbox(eventLoop: loop))
        }
    }

    /// Runs `work` on `destination`: at once when called on it; batched for the end of the tick when called
    /// on another registered loop (keeping the order of everything this loop sends there); else `execute`.
    func run(on destination: any EventLoop, _ work: @escaping @Sendable () -> Void) {
        if destination.inEventLoop {
            work()
        } else if let outbox = current() {
            outbox.enqueue(work, on: destination)
        } else {
            destination.execute(work)
        }
    }

    /// The outbox of the loop running this thread, if it is registered.
    private func current() -> LoopHopOutbox? {
        outboxes.withLockedValue { list in list.first { $0.eventLoop.inEventLoop } }
    }
}
