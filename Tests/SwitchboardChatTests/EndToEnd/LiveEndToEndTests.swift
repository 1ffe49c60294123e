import SwitchboardChat
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct LiveEndToEndTests {
    @Test func typingReachesOthersAndExpires() async throws {
        let chat = try await ChatHarness(limits: ChatLimits(typingThrottleMilliseconds: 100, typingExpiryMilliseconds: 600))
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        let carol = try await chat.user("carol", joinGeneral: false)
        defer { alice.disconnect(); bob.disconnect(); carol.disconnect() }

        // Without an acknowledgement, as browsers send it.
        alice.socket.emit("typing", ["roomId": "r_general", "typing": true])
        let started = try await bob.log.wait(for: "typing:update")
        #expect(started["roomId"] == "r_general")
        #expect(started["users"]?.arrayValue?.map { $0["username"] } == ["alice"])
        // Alice's own signal is not echoed to her (only the expiry, later, reaches the whole room).
        #expect(!alice.log.all("typing:update").contains { $0["users"]?.arrayValue?.isEmpty == false })
        // Expiry without a refresh sends the empty set (to the whole room).
        try await bob.log.wait(for: "typing:update") { $0["users"]?.arrayValue?.isEmpty == true }
        #expect(carol.log.all("typing:update").isEmpty)

        // A stop is announced at once; a non-member's typing is refused.
        try await Task.sleep(for: .milliseconds(150))
        try await alice.ok("typing", ["roomId": "r_general", "typing": true])
        try await bob.log.wait(for: "typing:update") { _ in bob.log.all("typing:update").count >= 3 }
        try await alice.ok("typing", ["roomId": "r_general", "typing": false])
        try await bob.log.wait(for: "typing:update") { _ in bob.log.all("typing:update").count >= 4 }
        #expect(bob.log.all("typing:update").last?["users"]?.arrayValue?.isEmpty == true)
        #expect(try await carol.failure("typing", ["roomId": "r_general", "typing": true]) == "forbidden")
    }

    @Test func typingIsThrottledPerUserAndRoom() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }
        for _ in 0..<5 { try await alice.ok("typing", ["roomId": "r_general", "typing": true]) }
        try await bob.log.wait(for: "typing:update")
        try await Task.sleep(for: .milliseconds(200))
        #expect(bob.log.all("typing:update").count == 1)
    }

    @Test func presenceFollowsTheFirstAndLastSocket() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bobAccount = try await chat.register("bob")
        let bob = try await chat.connect(bobAccount)
        try await bob.ok("rooms:join", ["roomId": "r_general"])
        defer { alice.disconnect() }

        let online = try await alice.ok("presence:list", ["roomId": "r_general"])["online"]?.arrayValue ?? []
        #expect(Set(online.compactMap { $0["username"]?.stringValue }) == ["alice", "bob"])

        // A second tab of Bob is not news; closing one of two tabs neither.
        let secondTab = try await chat.connect(bobAccount)
        secondTab.disconnect()
        try await Task.sleep(for: .milliseconds(200))
        let bobUpdates = alice.log.all("presence:update").filter { $0["user"]?["username"] == "bob" }
        #expect(bobUpdates.isEmpty)

        bob.disconnect()
        let offline = try await alice.log.wait(for: "presence:update") { $0["user"]?["username"] == "bob" }
        #expect(offline["online"] == false)
        let after = try await alice.ok("presence:list", ["roomId": "r_general"])["online"]?.arrayValue ?? []
        #expect(after.map { $0["username"] } == ["alice"])

        let back = try await chat.connect(bobAccount)
        defer { back.disconnect() }
        try await alice.log.wait(for: "presence:update") { $0["user"]?["username"] == "bob" && $0["online"] == true }
    }
}
