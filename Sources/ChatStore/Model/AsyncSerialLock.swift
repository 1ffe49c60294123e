import DequeModule
import NIOConcurrencyHelpers

/// A FIFO mutual-exclusion lock for async code: one holder at a time, waiters resumed in arrival order.
///
/// Used by stores that must keep a multi-statement transaction on one connection free of interleaving.
package final class AsyncSerialLock: Sendable {
    private struct State {
        var locked = false
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    /// How many tasks wait for the lock (for tests that need to know a task is blocked on it).
    package var waiterCount: Int { state.withLockedValue { $0.waiters.count } }

    /// Runs `body` while holding the lock.
    package func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLockedValue { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let next = state.waiters.popFirst() { return next }  // ownership passes to `next`
            state.locked = false
            return nil
        }
        next?.resume()
    }
}
