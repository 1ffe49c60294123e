import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct BroadcastAckTests {
    let harness = Harness()

    func clients(_ count: Int) throws -> [(FakeEngineConnection, SocketIOSocket)] {
        try (0..<count).map { index in
            let (connection, sid) = harness.connectMain(id: "c\(index)")
            return (connection, try #require(harness.server.mainNamespace.socket(id: sid)))
        }
    }

    /// The broadcast timer runs on a recipient's loop: advance the embedded loop past it.
    func waitForResult<T: Sendable>(_ recorder: Recorder<T>, after time: TimeAmount = .milliseconds(50)) async throws -> T? {
        harness.loop.advanceTime(by: time)
        return recorder.last
    }

    @Test(.timeLimit(.minutes(1)))
    func collectsTheFirstArgumentOfEveryAcknowledgement() async throws {
        let all = try clients(2)
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        harness.server.timeout(.seconds(5)).emit("question", 42) { results.record($0) }
        #expect(all[0].0.takeSent() == [.text(#"20["question",42]"#)])
        #expect(all[1].0.takeSent() == [.text(#"20["question",42]"#)])
        all[1].0.receive(#"30["b",1]"#)
        #expect(results.values.isEmpty)
        all[0].0.receive(#"30["a"]"#)
        #expect(results.values == [.success(["b", "a"])])
    }

    @Test(.timeLimit(.minutes(1)))
    func encodesThePacketOnceForAllRecipients() throws {
        let all = try clients(3)
        harness.server.timeout(.seconds(5)).emit("q") { _ in }
        let addresses = all.map { $0.0.rawSent[0].webSocketFrame.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        #expect(Set(addresses).count == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func completesAtOnceWithNoRecipients() throws {
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        harness.server.to("empty").timeout(.seconds(5)).emit("q") { results.record($0) }
        #expect(results.values == [.success([])])
    }

    @Test(.timeLimit(.minutes(1)))
    func failsWithTimeoutWhenAClientDoesNotAnswer() async throws {
        let all = try clients(2)
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        harness.server.timeout(.milliseconds(50)).emit("q") { results.record($0) }
        all[0].0.receive(#"30["a"]"#)
        #expect(try await waitForResult(results) == .failure(SocketIOAckError(code: .timeout)))
        all[1].0.receive(#"30["late"]"#)
        #expect(results.values.count == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func ackIDsAreUniqueAcrossTheNamespace() throws {
        let all = try clients(2)
        all[0].1.emit("one") { _ in }
        harness.server.timeout(.seconds(5)).emit("two") { _ in }
        #expect(all[0].0.takeSent() == [.text(#"20["one"]"#), .text(#"21["two"]"#)])
        #expect(all[1].0.takeSent() == [.text(#"21["two"]"#)])
    }

    @Test(.timeLimit(.minutes(1)))
    func roomSelectionAppliesToAcknowledgedBroadcasts() throws {
        let all = try clients(2)
        all[1].1.join("r")
        let results = Recorder<Result<[JSONValue], SocketIOAckError>>()
        harness.server.to("r").timeout(.seconds(5)).emit("q") { results.record($0) }
        #expect(all[0].0.takeSent().isEmpty)
        all[1].0.receive(#"30[true]"#)
        #expect(results.values == [.success([true])])
    }
}
