import Testing

@testable import EngineIO

@Suite struct TokenBucketTests {
    @Test func fullBucketGivesItsBurstThenRefuses() {
        var bucket = TokenBucket(capacity: 3, perSecond: 1, now: 0)
        #expect(bucket.take(now: 0) == true)
        #expect(bucket.take(now: 0) == true)
        #expect(bucket.take(now: 0) == true)
        #expect(bucket.take(now: 0) == false)
    }

    @Test func tokensComeBackAtTheRate() {
        var bucket = TokenBucket(capacity: 1, perSecond: 2, now: 0)
        #expect(bucket.take(now: 0) == true)
        #expect(bucket.take(now: 499) == false)
        #expect(bucket.take(now: 500) == true)
        #expect(bucket.take(now: 500) == false)
    }

    @Test func refillStopsAtCapacity() {
        var bucket = TokenBucket(capacity: 2, perSecond: 10, now: 0)
        #expect(bucket.take(now: 0) == true)
        #expect(bucket.take(now: 0) == true)
        // A long pause refills to 2, not 100.
        #expect(bucket.take(now: 10_000) == true)
        #expect(bucket.take(now: 10_000) == true)
        #expect(bucket.take(now: 10_000) == false)
    }

    @Test func clockGoingBackwardsAddsNothing() {
        var bucket = TokenBucket(capacity: 1, perSecond: 1, now: 5_000)
        #expect(bucket.take(now: 5_000) == true)
        #expect(bucket.take(now: 0) == false)
        #expect(bucket.take(now: 5_999) == false)
        #expect(bucket.take(now: 6_000) == true)
    }

    @Test func isFullOnlyOnceRefilled() {
        var bucket = TokenBucket(capacity: 2, perSecond: 1, now: 0)
        #expect(bucket.isFull(now: 0))
        _ = bucket.take(now: 0)
        #expect(!bucket.isFull(now: 999))
        #expect(bucket.isFull(now: 1_000))
    }
}

@Suite struct SessionAdmissionTests {
    @Test func totalCapRefusesTheSessionAboveIt() {
        var admission = SessionAdmission(limits: ServerLimits(maxSessions: 2, maxSessionsPerAddress: nil, connectRate: nil))
        #expect(admission.open(address: "10.0.0.1") == nil)
        #expect(admission.open(address: "10.0.0.2") == nil)
        #expect(admission.attempt(address: "10.0.0.3", now: 0) == .serverAtCapacity)
        #expect(admission.open(address: "10.0.0.3") == .serverAtCapacity)
        #expect(admission.sessionCount == 2)
        admission.close(address: "10.0.0.1")
        #expect(admission.attempt(address: "10.0.0.3", now: 0) == nil)
        #expect(admission.open(address: "10.0.0.3") == nil)
    }

    @Test func perAddressCapOnlyAffectsThatAddress() {
        var admission = SessionAdmission(limits: ServerLimits(maxSessions: nil, maxSessionsPerAddress: 1, connectRate: nil))
        #expect(admission.open(address: "10.0.0.1") == nil)
        #expect(admission.open(address: "10.0.0.1") == .addressAtCapacity)
        #expect(admission.attempt(address: "10.0.0.1", now: 0) == .addressAtCapacity)
        #expect(admission.open(address: "10.0.0.2") == nil)
        #expect(admission.sessionCount(from: "10.0.0.1") == 1)
        admission.close(address: "10.0.0.1")
        #expect(admission.sessionCount(from: "10.0.0.1") == 0)
        #expect(admission.open(address: "10.0.0.1") == nil)
    }

    @Test func unknownAddressIsOnlyBoundByTheTotal() {
        var admission = SessionAdmission(
            limits: ServerLimits(maxSessions: 3, maxSessionsPerAddress: 1, connectRate: .init(burst: 1, perSecond: 1)))
        #expect(admission.attempt(address: nil, now: 0) == nil)
        #expect(admission.attempt(address: nil, now: 0) == nil)
        #expect(admission.open(address: nil) == nil)
        #expect(admission.open(address: nil) == nil)
        #expect(admission.open(address: nil) == nil)
        #expect(admission.open(address: nil) == .serverAtCapacity)
    }

    @Test func connectRateIsPerAddressAndRefills() {
        var admission = SessionAdmission(
            limits: ServerLimits(maxSessions: nil, maxSessionsPerAddress: nil, connectRate: .init(burst: 2, perSecond: 1)))
        #expect(admission.attempt(address: "a", now: 0) == nil)
        #expect(admission.attempt(address: "a", now: 0) == nil)
        #expect(admission.attempt(address: "a", now: 0) == .rateLimited)
        #expect(admission.attempt(address: "b", now: 0) == nil)
        #expect(admission.attempt(address: "a", now: 1_000) == nil)
        #expect(admission.attempt(address: "a", now: 1_000) == .rateLimited)
    }

    @Test func fullBucketsAreForgottenOnceThereAreMany() {
        var admission = SessionAdmission(
            limits: ServerLimits(maxSessions: nil, maxSessionsPerAddress: nil, connectRate: .init(burst: 5, perSecond: 1)),
            bucketSweepThreshold: 4)
        for index in 0..<4 { #expect(admission.attempt(address: "10.0.0.\(index)", now: 0) == nil) }
        #expect(admission.bucketCount == 4)
        // 10 s later every bucket is full again: the next attempt sweeps them away.
        #expect(admission.attempt(address: "10.0.1.1", now: 10_000) == nil)
        #expect(admission.bucketCount == 1)
    }

    @Test func closingMoreThanOpenedNeverGoesNegative() {
        var admission = SessionAdmission(limits: ServerLimits())
        admission.close(address: "a")
        #expect(admission.sessionCount == 0)
        #expect(admission.sessionCount(from: "a") == 0)
    }

    @Test func refusalsMapToHTTP503And429WithJSONBodies() {
        #expect(AdmissionRefusal.serverAtCapacity.requestError.httpStatus == 503)
        #expect(AdmissionRefusal.serverAtCapacity.requestError.jsonBody == #"{"code":6,"message":"Server at capacity"}"#)
        #expect(AdmissionRefusal.addressAtCapacity.requestError.httpStatus == 503)
        #expect(AdmissionRefusal.rateLimited.requestError.httpStatus == 429)
        #expect(AdmissionRefusal.rateLimited.requestError.jsonBody == #"{"code":7,"message":"Too many handshakes"}"#)
        #expect(EngineRequestError.forbidden().httpStatus == 403)
        #expect(EngineRequestError.badRequest.httpStatus == 400)
    }

    @Test func unlimitedTurnsAdmissionOff() {
        #expect(!ServerLimits.unlimited.limitsAdmission)
        #expect(ServerLimits().limitsAdmission)
    }
}
