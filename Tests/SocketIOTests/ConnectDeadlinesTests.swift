import NIOCore
import Testing

@testable import SocketIO

@Suite("Connect deadlines: one timer per loop for the clients that have not joined a namespace")
struct ConnectDeadlinesTests {
    static let ms: UInt64 = 1_000_000

    @Test func theFirstClientSetsTheTimerAndLaterOnesDoNot() {
        var deadlines = ConnectDeadlines<Int, String>(timeoutNanoseconds: 1_000 * Self.ms)
        #expect(deadlines.add(1, "a", now: 0) == 1_000 * Self.ms)
        #expect(deadlines.add(2, "b", now: 10 * Self.ms) == nil)
        #expect(deadlines.sweepAt == 1_000 * Self.ms)
        #expect(deadlines.count == 2)
    }

    @Test func aSweepExpiresOnlyPassedDeadlinesAndSetsTheNextSweep() {
        var deadlines = ConnectDeadlines<Int, String>(timeoutNanoseconds: 1_000 * Self.ms)
        _ = deadlines.add(1, "a", now: 0)
        _ = deadlines.add(2, "b", now: 500 * Self.ms)
        let first = deadlines.sweep(now: 1_000 * Self.ms)
        #expect(first.expired == ["a"])
        #expect(first.next == 1_500 * Self.ms)
        let second = deadlines.sweep(now: 1_500 * Self.ms)
        #expect(second.expired == ["b"])
        #expect(second.next == nil, "nobody waits: the timer stays off")
        #expect(deadlines.sweepAt == nil)
        #expect(deadlines.add(3, "c", now: 2_000 * Self.ms) == 3_000 * Self.ms, "the next client sets it again")
    }

    @Test func removedClientsNeverExpire() {
        var deadlines = ConnectDeadlines<Int, String>(timeoutNanoseconds: 1_000 * Self.ms)
        _ = deadlines.add(1, "joined", now: 0)
        _ = deadlines.add(2, "waiting", now: 0)
        deadlines.remove(1)
        deadlines.remove(7)  // unknown: nothing happens
        #expect(deadlines.sweep(now: 1_000 * Self.ms).expired == ["waiting"])
        #expect(deadlines.count == 0)
    }

    @Test func sweepsAreAtLeastASixteenthOfTheTimeoutApart() {
        var deadlines = ConnectDeadlines<Int, Int>(timeoutNanoseconds: 1_600 * Self.ms)
        #expect(deadlines.granularity == 100 * Self.ms)
        _ = deadlines.add(1, 1, now: 0)
        _ = deadlines.add(2, 2, now: 1 * Self.ms)
        let sweep = deadlines.sweep(now: 1_600 * Self.ms)
        #expect(sweep.expired == [1])
        #expect(sweep.next == 1_700 * Self.ms, "1 ms later would be due, but the next sweep waits 100 ms")
        #expect(ConnectDeadlines<Int, Int>(timeoutNanoseconds: 5 * Self.ms).granularity == 1 * Self.ms)
    }

    @Test func aTimerSweepRunsLateWithoutLosingClients() {
        var deadlines = ConnectDeadlines<Int, Int>(timeoutNanoseconds: 1_000 * Self.ms)
        for key in 0..<100 { _ = deadlines.add(key, key, now: UInt64(key) * Self.ms) }
        let sweep = deadlines.sweep(now: 5_000 * Self.ms)
        #expect(sweep.expired.sorted() == Array(0..<100))
        #expect(sweep.next == nil)
    }
}

@Suite("Connect timeout on an event loop")
struct ConnectTimeoutTimerTests {
    @Test func clientsOpenedAtDifferentTimesAreClosedAtTheirOwnDeadlines() {
        let harness = Harness(connectTimeout: .milliseconds(1000))
        let first = harness.open(id: "first")
        harness.loop.advanceTime(by: .milliseconds(500))
        let second = harness.open(id: "second")
        let joined = harness.open(id: "joined")
        joined.receive("0")
        harness.loop.advanceTime(by: .milliseconds(500))
        #expect(first.isClosed)
        #expect(!second.isClosed)
        harness.loop.advanceTime(by: .milliseconds(499))
        #expect(!second.isClosed)
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(second.isClosed)
        harness.loop.advanceTime(by: .seconds(5))
        #expect(!joined.isClosed)
    }
}
