import Testing

@testable import SwitchboardChat

@Suite struct RateLimiterTests {
    @Test func aBurstIsAllowedThenRefused() {
        var limiter = RateLimiter(perSecond: 10, burst: 20)
        for _ in 0..<20 { #expect(limiter.admit("u", now: 0) == .allowed) }
        #expect(limiter.admit("u", now: 0) == .limited(retryAfterMilliseconds: 100))
    }

    @Test func tokensComeBackAtTheRefillRate() {
        var limiter = RateLimiter(perSecond: 10, burst: 2)
        #expect(limiter.admit("u", now: 0) == .allowed)
        #expect(limiter.admit("u", now: 0) == .allowed)
        #expect(limiter.admit("u", now: 50) == .limited(retryAfterMilliseconds: 50))
        #expect(limiter.admit("u", now: 100) == .allowed)
        #expect(limiter.admit("u", now: 100) == .limited(retryAfterMilliseconds: 100))
    }

    @Test func keysHaveTheirOwnBuckets() {
        var limiter = RateLimiter(perSecond: 1, burst: 1)
        #expect(limiter.admit("a", now: 0) == .allowed)
        #expect(limiter.admit("b", now: 0) == .allowed)
        #expect(limiter.admit("a", now: 0) != .allowed)
    }

    @Test func checkDoesNotTakeAToken() {
        var limiter = RateLimiter(perSecond: 1, burst: 1)
        #expect(limiter.check("a", now: 0) == .allowed)
        #expect(limiter.check("a", now: 0) == .allowed)
        #expect(limiter.admit("a", now: 0) == .allowed)
        #expect(limiter.check("a", now: 0) == .limited(retryAfterMilliseconds: 1_000))
    }

    @Test func timeGoingBackwardsDoesNotRefill() {
        var limiter = RateLimiter(perSecond: 1, burst: 1)
        #expect(limiter.admit("a", now: 10_000) == .allowed)
        #expect(limiter.admit("a", now: 0) != .allowed)
    }

    @Test func pruningForgetsOnlyFullBuckets() {
        var limiter = RateLimiter(perSecond: 1, burst: 2)
        _ = limiter.admit("a", now: 0)
        _ = limiter.admit("b", now: 900)
        limiter.prune(now: 1_000)
        #expect(limiter.trackedKeys == 1)
        limiter.prune(now: 2_000)
        #expect(limiter.trackedKeys == 0)
    }
}
