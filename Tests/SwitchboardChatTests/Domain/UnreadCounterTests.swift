import ChatStore
import Testing

@testable import SwitchboardChat

@Suite struct UnreadCounterTests {
    static func message(_ n: UInt64, from sender: String, deleted: Bool = false) -> StoredMessage {
        StoredMessage(
            id: MessageID(milliseconds: n, sequence: 0)!, clientMessageID: "c\(n)", room: "r", sender: sender, body: "m",
            createdAt: Int64(n), deletedAt: deleted ? Int64(n) : nil)
    }

    /// Newest first: 5 (bob), 4 (me), 3 (bob, deleted), 2 (bob), 1 (bob).
    let page = [
        message(5, from: "bob"), message(4, from: "me"), message(3, from: "bob", deleted: true),
        message(2, from: "bob"), message(1, from: "bob"),
    ]

    @Test func withoutAMarkerEveryOtherLiveMessageIsUnread() {
        #expect(UnreadCounter.count(newestFirst: page, after: nil, viewer: "me", cap: 100) == 3)
    }

    @Test func messagesUpToTheMarkerAreRead() {
        #expect(UnreadCounter.count(newestFirst: page, after: page[3].id, viewer: "me", cap: 100) == 1)
        #expect(UnreadCounter.count(newestFirst: page, after: page[0].id, viewer: "me", cap: 100) == 0)
    }

    @Test func theCountStopsAtTheCap() {
        #expect(UnreadCounter.count(newestFirst: page, after: nil, viewer: "me", cap: 2) == 2)
    }
}
