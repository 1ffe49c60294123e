import Testing

@testable import SwitchboardChat

@Suite struct TypingTrackerTests {
    let alice = ChatUser(id: "u_a", username: "alice", displayName: "Alice")
    let bob = ChatUser(id: "u_b", username: "bob", displayName: "Bob")

    @Test func startingToTypeIsAChange() {
        var tracker = TypingTracker()
        let change = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        #expect(change == .init(roomID: "r", users: [alice]))
        #expect(tracker.users(in: "r") == [alice])
    }

    @Test func typistsAreListedInTheOrderTheyStarted() {
        var tracker = TypingTracker()
        _ = tracker.typing(bob, in: "r", isTyping: true, now: 0)
        let change = tracker.typing(alice, in: "r", isTyping: true, now: 10)
        #expect(change?.users == [bob, alice])
    }

    @Test func eventsWithinTheThrottleAreIgnored() {
        var tracker = TypingTracker(throttleMilliseconds: 1_000, expiryMilliseconds: 5_000)
        _ = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        // A refresh within 1 s does not extend the expiry.
        #expect(tracker.typing(alice, in: "r", isTyping: true, now: 500) == nil)
        #expect(tracker.expire(now: 5_000) == [.init(roomID: "r", users: [])])
    }

    @Test func aRefreshAfterTheThrottleExtendsTheExpiry() {
        var tracker = TypingTracker(throttleMilliseconds: 1_000, expiryMilliseconds: 5_000)
        _ = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        #expect(tracker.typing(alice, in: "r", isTyping: true, now: 1_000) == nil)
        #expect(tracker.expire(now: 5_000) == [])
        #expect(tracker.expire(now: 6_000) == [.init(roomID: "r", users: [])])
    }

    @Test func aStopIsNeverThrottled() {
        var tracker = TypingTracker()
        _ = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        #expect(tracker.typing(alice, in: "r", isTyping: false, now: 10) == .init(roomID: "r", users: []))
        // Starting again right after stopping is throttled.
        #expect(tracker.typing(alice, in: "r", isTyping: true, now: 20) == nil)
        #expect(tracker.typing(alice, in: "r", isTyping: true, now: 1_010) == .init(roomID: "r", users: [alice]))
    }

    @Test func aStopOfSomeoneNotTypingChangesNothing() {
        var tracker = TypingTracker()
        #expect(tracker.typing(alice, in: "r", isTyping: false, now: 0) == nil)
    }

    @Test func expiryRemovesOnlyStaleEntries() {
        var tracker = TypingTracker(throttleMilliseconds: 1_000, expiryMilliseconds: 5_000)
        _ = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        _ = tracker.typing(bob, in: "r", isTyping: true, now: 3_000)
        #expect(tracker.nextExpiry == 5_000)
        #expect(tracker.expire(now: 4_999) == [])
        #expect(tracker.expire(now: 5_000) == [.init(roomID: "r", users: [bob])])
        #expect(tracker.expire(now: 8_000) == [.init(roomID: "r", users: [])])
        #expect(tracker.nextExpiry == nil)
    }

    @Test func removingAUserStopsThemInEveryRoom() {
        var tracker = TypingTracker()
        _ = tracker.typing(alice, in: "r1", isTyping: true, now: 0)
        _ = tracker.typing(alice, in: "r2", isTyping: true, now: 0)
        _ = tracker.typing(bob, in: "r2", isTyping: true, now: 0)
        #expect(tracker.removeUser("u_a") == [.init(roomID: "r1", users: []), .init(roomID: "r2", users: [bob])])
        #expect(tracker.removeUser("u_a") == [])
    }

    @Test func leavingARoomStopsTypingThere() {
        var tracker = TypingTracker()
        _ = tracker.typing(alice, in: "r", isTyping: true, now: 0)
        #expect(tracker.remove("u_a", from: "r") == .init(roomID: "r", users: []))
        #expect(tracker.remove("u_a", from: "r") == nil)
    }

    @Test func roomsAreIndependent() {
        var tracker = TypingTracker()
        _ = tracker.typing(alice, in: "r1", isTyping: true, now: 0)
        #expect(tracker.typing(alice, in: "r2", isTyping: true, now: 1) == .init(roomID: "r2", users: [alice]))
    }
}

@Suite struct TypingTrackerSignalTests {
    let alice = ChatUser(id: "u_a", username: "alice", displayName: "Alice")

    @Test func aRefreshIsAcceptedWithoutAChangeSoItIsRelayed() {
        var tracker = TypingTracker()
        #expect(tracker.signal(alice, in: "r", isTyping: true, now: 0).accepted)
        let refresh = tracker.signal(alice, in: "r", isTyping: true, now: 1_000)
        #expect(refresh == .init(accepted: true, change: nil))
    }

    @Test func aThrottledSignalIsNotAccepted() {
        var tracker = TypingTracker()
        _ = tracker.signal(alice, in: "r", isTyping: true, now: 0)
        #expect(tracker.signal(alice, in: "r", isTyping: true, now: 10) == .init(accepted: false, change: nil))
    }

    @Test func aRelayedSignalSkipsTheThrottleAndRefreshesTheExpiry() {
        var tracker = TypingTracker(throttleMilliseconds: 1_000, expiryMilliseconds: 5_000)
        _ = tracker.signal(alice, in: "r", isTyping: true, now: 0, throttled: false)
        // Arrives 990 ms later (network jitter on an event accepted 1 s later at its origin).
        #expect(tracker.signal(alice, in: "r", isTyping: true, now: 990, throttled: false).accepted)
        #expect(tracker.expire(now: 5_000).isEmpty)
        #expect(tracker.expire(now: 5_990) == [.init(roomID: "r", users: [])])
    }

    @Test func aStopWhileNotTypingIsNotAccepted() {
        var tracker = TypingTracker()
        #expect(tracker.signal(alice, in: "r", isTyping: false, now: 0) == .init(accepted: false, change: nil))
    }
}
