import NIOCore
import NIOEmbedded
@testable import SocketIO
import SwitchboardJSON
import Testing

@Suite struct TokenBucketTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    /// Takes a token at each offset (milliseconds from `start`) and returns which were admitted.
    func admitted(_ bucket: inout TokenBucket, at offsets: [Int64]) -> [Bool] {
        offsets.map { bucket.take(now: start + .milliseconds($0)) }
    }

    @Test func admitsABurstThenRefuses() {
        var bucket = TokenBucket(capacity: 3, refillPerSecond: 1)
        #expect(admitted(&bucket, at: [0, 0, 0, 0]) == [true, true, true, false])
    }

    @Test func refillsWithElapsedTimeUpToCapacity() {
        var bucket = TokenBucket(capacity: 2, refillPerSecond: 2)
        let results = admitted(&bucket, at: [0, 0, 400, 500, 500, 60_000, 60_000, 60_000])
        #expect(results == [true, true, false, true, false, true, true, false])
    }

    @Test func clockGoingBackwardsAddsNoTokens() {
        var bucket = TokenBucket(capacity: 1, refillPerSecond: 1)
        #expect(admitted(&bucket, at: [5_000, 0, 5_000, 6_000]) == [true, false, false, true])
    }
}

@Suite struct EventRateLimitTests {
    @Test func eventsOverTheLimitAreDroppedWithAnErrorEventAndOthersAreUnaffected() throws {
        let harness = Harness(configuration: .init(eventRateLimit: .init(eventsPerSecond: 1, burst: 2)))
        let (noisy, noisySocket) = try harness.connectSocket(id: "noisy")
        let (calm, calmSocket) = try harness.connectSocket(id: "calm")
        let handled = Recorder<String>()
        let errors = Recorder<String>()
        for socket in [noisySocket, calmSocket] {
            socket.on("e") { socket, _, _ in handled.record(socket === noisySocket ? "noisy" : "calm") }
            socket.onError { _, error in errors.record("\(error)") }
        }
        for _ in 0..<3 { noisy.receive(#"2["e"]"#) }
        calm.receive(#"2["e"]"#)
        calm.receive(#"2["e"]"#)
        #expect(handled.values == ["noisy", "noisy", "calm", "calm"])
        #expect(noisy.takeSent() == [.text(#"2["error",{"message":"rate limit exceeded","event":"e"}]"#)])
        #expect(calm.takeSent().isEmpty)
        #expect(errors.values == [#"SocketIORateLimitError(event: "e")"#])
        harness.loop.advanceTime(by: .seconds(1))
        noisy.receive(#"2["e"]"#)
        #expect(handled.values.last == "noisy")
        #expect(noisySocket.isConnected)
    }

    @Test func disconnectReactionEndsOnlyTheOffendingSocket() throws {
        let harness = Harness(configuration: .init(eventRateLimit: .init(eventsPerSecond: 0, burst: 1, reaction: .disconnect)))
        let (noisy, noisySocket) = try harness.connectSocket(id: "noisy")
        let (_, calmSocket) = try harness.connectSocket(id: "calm")
        noisy.receive(#"2["e"]"#)
        noisy.receive(#"2["e"]"#)
        #expect(noisy.takeSent() == [.text("1")])
        #expect(!noisySocket.isConnected)
        #expect(calmSocket.isConnected)
    }
}
