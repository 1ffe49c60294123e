import NIOConcurrencyHelpers
import NIOCore

/// One value per event loop, made on first use and kept for the registry's lifetime: per-loop state that every
/// connection of a loop shares (end-of-tick flushers, timers). Thread-safe; the value's own state is the loop's.
package final class PerEventLoop<Value: AnyObject & Sendable>: Sendable {
    private let make: @Sendable (any EventLoop) -> Value
    private let values = NIOLockedValueBox<[ObjectIdentifier: (loop: any EventLoop, value: Value)]>([:])

    /// A registry whose value for a loop is `make(loop)`, called once per loop.
    package init(make: @escaping @Sendable (any EventLoop) -> Value) {
        self.make = make
    }

    /// `eventLoop`'s value. The registry holds the loop strongly, so its identifier is not reused by another loop
    /// while the entry exists.
    package func value(for eventLoop: any EventLoop) -> Value {
        let key = ObjectIdentifier(eventLoop)
        return values.withLockedValue { values in
            if let entry = values[key] { return entry.value }
            let value = make(eventLoop)
            values[key] = (eventLoop, value)
            return value
        }
    }
}
