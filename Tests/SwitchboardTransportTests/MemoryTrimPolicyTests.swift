@testable import SwitchboardTransport
import Testing

@Suite("When freed memory is handed back to the system after sessions end")
struct MemoryTrimPolicyTests {
    @Test func growthAndSmallDropsAskForNothing() {
        var policy = MemoryTrimPolicy()
        for count in stride(from: 0, through: 19_000, by: 1_000) { #expect(policy.sessionCountChanged(to: count, now: 0) == .none) }
        #expect(policy.peak == 19_000)
        #expect(policy.sessionCountChanged(to: 10_000, now: 1) == .none, "a 47 % drop is not enough")
    }

    @Test func halfTheSessionsGoneSchedulesOneTrimAfterTheSettleDelay() {
        var policy = MemoryTrimPolicy()
        _ = policy.sessionCountChanged(to: 19_000, now: 0)
        #expect(policy.sessionCountChanged(to: 9_500, now: 100) == .schedule(at: 1_100))
        #expect(policy.sessionCountChanged(to: 0, now: 200) == .none, "one trim is pending already")
        policy.trimDue(sessionCount: 0, now: 1_100)
        #expect(policy.peak == 0)
        #expect(policy.scheduledAt == nil)
    }

    @Test func smallServersNeverTrim() {
        var policy = MemoryTrimPolicy()
        _ = policy.sessionCountChanged(to: 1_500, now: 0)
        #expect(policy.sessionCountChanged(to: 600, now: 1) == .none, "900 fewer sessions is below the 1 000 minimum")
        #expect(policy.sessionCountChanged(to: 500, now: 2) == .schedule(at: 1_002))
    }

    @Test func trimsAreAtLeastTheIntervalApart() {
        var policy = MemoryTrimPolicy()
        _ = policy.sessionCountChanged(to: 4_000, now: 0)
        #expect(policy.sessionCountChanged(to: 2_000, now: 0) == .schedule(at: 1_000))
        policy.trimDue(sessionCount: 2_000, now: 1_000)
        _ = policy.sessionCountChanged(to: 6_000, now: 2_000)
        #expect(policy.sessionCountChanged(to: 1_000, now: 3_000) == .schedule(at: 11_000))
    }

    @Test func thePeakCountsFromTheLastTrim() {
        var policy = MemoryTrimPolicy()
        _ = policy.sessionCountChanged(to: 10_000, now: 0)
        _ = policy.sessionCountChanged(to: 4_000, now: 0)
        policy.trimDue(sessionCount: 4_000, now: 1_000)
        #expect(policy.sessionCountChanged(to: 2_500, now: 20_000) == .none, "1 500 below a peak of 4 000 is under 50 %")
        #expect(policy.sessionCountChanged(to: 2_000, now: 20_000) == .schedule(at: 21_000))
    }
}
