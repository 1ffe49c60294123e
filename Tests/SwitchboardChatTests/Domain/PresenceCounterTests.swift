import Testing

@testable import SwitchboardChat

@Suite struct PresenceCounterTests {
    @Test func firstSocketBringsAUserOnlineAndLastTakesThemOffline() {
        var presence = PresenceCounter()
        let first = presence.connect(user: "u", socket: "s1")
        let second = presence.connect(user: "u", socket: "s2")
        #expect(first)
        #expect(!second)
        #expect(presence.isOnline("u"))
        let closedOne = presence.disconnect(user: "u", socket: "s1")
        #expect(!closedOne)
        #expect(presence.isOnline("u"))
        let closedLast = presence.disconnect(user: "u", socket: "s2")
        #expect(closedLast)
        #expect(!presence.isOnline("u"))
        #expect(presence.onlineCount == 0)
    }

    @Test func theOnlineUserIDsAreEachUserWithASocketOnce() {
        var presence = PresenceCounter()
        _ = presence.connect(user: "b", socket: "s1")
        _ = presence.connect(user: "a", socket: "s2")
        _ = presence.connect(user: "b", socket: "s3")
        #expect(presence.onlineUserIDs == ["a", "b"])
        _ = presence.disconnect(user: "a", socket: "s2")
        #expect(presence.onlineUserIDs == ["b"])
    }

    @Test func unknownOrRepeatedDisconnectsChangeNothing() {
        var presence = PresenceCounter()
        let unknown = presence.disconnect(user: "u", socket: "s")
        #expect(!unknown)
        _ = presence.connect(user: "u", socket: "s")
        let last = presence.disconnect(user: "u", socket: "s")
        let repeated = presence.disconnect(user: "u", socket: "s")
        #expect(last)
        #expect(!repeated)
    }

    @Test func usersAreCountedSeparately() {
        var presence = PresenceCounter()
        _ = presence.connect(user: "a", socket: "1")
        _ = presence.connect(user: "b", socket: "2")
        _ = presence.connect(user: "b", socket: "3")
        #expect(presence.onlineCount == 2)
    }
}
