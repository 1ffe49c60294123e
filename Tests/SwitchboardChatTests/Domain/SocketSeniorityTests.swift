import Testing

@testable import SwitchboardChat

@Suite struct SocketSeniorityTests {
    @Test func aLoneSocketIsTheOldest() {
        let mine = SocketSeniority(connectedAt: 100, socketID: "b")
        #expect(mine.isOldest(among: []))
        #expect(mine.isOldest(among: [mine]))
    }

    @Test func anEarlierSocketElsewhereMeansTheUserWasAlreadyOnline() {
        let mine = SocketSeniority(connectedAt: 100, socketID: "a")
        #expect(!mine.isOldest(among: [mine, SocketSeniority(connectedAt: 99, socketID: "z")]))
        #expect(mine.isOldest(among: [mine, SocketSeniority(connectedAt: 101, socketID: "0")]))
    }

    @Test func socketsConnectingInTheSameMillisecondHaveExactlyOneOldest() {
        let first = SocketSeniority(connectedAt: 100, socketID: "a")
        let second = SocketSeniority(connectedAt: 100, socketID: "b")
        let both = [first, second]
        #expect(first.isOldest(among: both))
        #expect(!second.isOldest(among: both))
    }
}
