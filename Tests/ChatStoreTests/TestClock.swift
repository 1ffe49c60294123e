import ChatStore
import NIOConcurrencyHelpers

/// A settable wall clock for tests, in milliseconds since the epoch.
final class TestClock: Sendable {
    private let value: NIOLockedValueBox<Int64>
    init(_ start: Int64 = 1_800_000_000_000) { value = NIOLockedValueBox(start) }
    var now: Int64 { value.withLockedValue { $0 } }
    func advance(by milliseconds: Int64) { value.withLockedValue { $0 += milliseconds } }
    var function: @Sendable () -> Int64 { { self.now } }
}

func newMessage(_ index: Int, room: String = "lobby", sender: String = "ann") -> NewMessage {
    NewMessage(clientMessageID: "c\(index)", room: room, sender: sender, body: "message \(index)", metadata: ["i": "\(index)"])
}
