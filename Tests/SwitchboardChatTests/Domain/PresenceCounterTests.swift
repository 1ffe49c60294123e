import Testing

@testable import SwitchboardChat

@Suite struct PresenceCounterTests {
    @Test func firstSocketBringsAUserOnlineAndLastTakesThemOffline() {
        var presence = PresenceCounter()
        #expect(presence.connect(user: "u", socket: "s1"))
        #expect(!presence.connect(user: "u", socket: "s2"))
        #expect(presence.isOnline("u"))
        #expect(!presence.disconnect(user: "u", socket: "s1"))
        #expect(presence.isOnline("u"))
        #expect(presence.disconnect(user: "u", socket: "s2"))
        #expect(!presence.isOnline("u"))
        #expect(presence.onlineCount == 0)
    }

    @Test func unknownOrRepeatedDisconnectsChangeNothing() {
        var presence = PresenceCounter()
        #expect(!presence.disconnect(user: "u", socket: "s"))
        _ = presence.connect(user: "u", socket: "s")
        #expect(presence.disconnect(user: "u", socket: "s"))
        #expect(!presence.disconnect(user: "u", socket: "s"))
    }

    @Test func usersAreCountedSeparately() {
        var presence = PresenceCounter()
        _ = presence.connect(user: "a", socket: "1")
        _ = presence.connect(user: "b", socket: "2")
        _ = presence.connect(user: "b", socket: "3")
        #expect(presence.onlineCount == 2)
    }
}
