import NIOConcurrencyHelpers

/// A thread-safe once-flag.
final class OnceFlag: Sendable {
    private let box = NIOLockedValueBox(false)

    /// Sets the flag; returns `true` only for the first caller.
    func setIfUnset() -> Bool {
        box.withLockedValue { value in
            if value { return false }
            value = true
            return true
        }
    }
}
