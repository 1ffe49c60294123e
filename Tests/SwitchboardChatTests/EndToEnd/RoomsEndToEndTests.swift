import SwitchboardChat
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct RoomsEndToEndTests {
    @Test func createListJoinAndLeaveAPublicRoom() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }

        let created = try await alice.ok("rooms:create", ["name": "Design"])
        let roomID = try #require(created["room"]?["id"]?.stringValue)
        #expect(roomID.hasPrefix("r_"))
        #expect(created["room"]?["kind"] == "public")
        #expect(created["room"]?["joined"] == true)
        #expect(try await alice.failure("rooms:create", ["name": "design"]) == "conflict")
        #expect(try await alice.failure("rooms:create", ["name": "<b>bad</b>"]) == "bad_request")
        #expect(try await alice.failure("rooms:create", ["name": .string(String(repeating: "x", count: 49))]) == "too_long")

        let listed = try await bob.ok("rooms:list")["rooms"]?.arrayValue ?? []
        #expect(listed.contains { $0["id"]?.stringValue == roomID && $0["joined"] == false })
        #expect(try await bob.failure("history:fetch", ["roomId": .string(roomID)]) == "forbidden")

        let joined = try await bob.ok("rooms:join", ["roomId": .string(roomID)])
        #expect(joined["room"]?["joined"] == true)
        let member = try await alice.log.wait(for: "room:member") { $0["roomId"]?.stringValue == roomID }
        #expect(member["user"]?["username"] == "bob")
        #expect(member["joined"] == true)
        try await bob.ok("history:fetch", ["roomId": .string(roomID)])

        try await bob.ok("rooms:leave", ["roomId": .string(roomID)])
        try await alice.log.wait(for: "room:member") { $0["roomId"]?.stringValue == roomID && $0["joined"] == false }
        #expect(try await bob.failure("message:send", ["roomId": .string(roomID), "clientMessageId": "c1", "text": "hi"]) == "forbidden")
        #expect(try await bob.failure("rooms:join", ["roomId": "r_nope"]) == "not_found")
        #expect(try await bob.failure("rooms:join", [:]) == "bad_request")
    }

    @Test func privateRoomsAreForMembersAndInvitees() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        let carol = try await chat.user("carol")
        defer { alice.disconnect(); bob.disconnect(); carol.disconnect() }

        let roomID = try #require(
            try await alice.ok("rooms:create", ["name": "Secret", "private": true])["room"]?["id"]?.stringValue)
        try await alice.ok("message:send", ["roomId": .string(roomID), "clientMessageId": "s1", "text": "classified"])

        let bobsList = try await bob.ok("rooms:list")["rooms"]?.arrayValue ?? []
        #expect(!bobsList.contains { $0["id"]?.stringValue == roomID })
        #expect(try await bob.failure("rooms:join", ["roomId": .string(roomID)]) == "forbidden")
        #expect(try await bob.failure("history:fetch", ["roomId": .string(roomID)]) == "forbidden")
        #expect(try await bob.failure("presence:list", ["roomId": .string(roomID)]) == "forbidden")
        #expect(try await bob.failure("rooms:invite", ["roomId": .string(roomID), "username": "carol"]) == "forbidden")
        #expect(try await bob.failure("message:send", ["roomId": .string(roomID), "clientMessageId": "x", "text": "hi"]) == "forbidden")

        let invited = try await alice.ok("rooms:invite", ["roomId": .string(roomID), "username": "bob"])
        #expect(invited["room"]?["members"]?.arrayValue?.count == 2)
        let added = try await bob.log.wait(for: "room:added")
        #expect(added["room"]?["id"]?.stringValue == roomID)
        #expect(added["room"]?["kind"] == "private")
        let notification = try await bob.log.wait(for: "notification") { $0["kind"] == "invite" }
        #expect(notification["from"]?["username"] == "alice")
        #expect(notification["roomId"]?.stringValue == roomID)

        let history = try await bob.ok("history:fetch", ["roomId": .string(roomID)])
        #expect(history["messages"]?[0]?["text"] == "classified")
        // Bob's socket joined the room's channel: he gets new messages without reconnecting.
        try await alice.ok("message:send", ["roomId": .string(roomID), "clientMessageId": "s2", "text": "welcome"])
        try await bob.log.wait(for: "message:new") { $0["text"] == "welcome" }
        #expect(!carol.log.all("message:new").contains { $0["roomId"]?.stringValue == roomID })
        #expect(try await alice.failure("rooms:invite", ["roomId": .string(roomID), "username": "nobody"]) == "not_found")
        #expect(try await alice.failure("rooms:invite", ["roomId": "r_general", "username": "bob"]) == "bad_request")
    }

    @Test func directRoomsReachOnlyTheirTwoUsers() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        let carol = try await chat.user("carol")
        defer { alice.disconnect(); bob.disconnect(); carol.disconnect() }

        let opened = try await alice.ok("dm:open", ["username": "bob"])
        let roomID = try #require(opened["room"]?["id"]?.stringValue)
        let ids = [alice.account!.id, bob.account!.id].sorted()
        #expect(roomID == "dm:\(ids[0]):\(ids[1])")
        #expect(opened["room"]?["kind"] == "direct")
        #expect(opened["room"]?["peer"]?["username"] == "bob")
        #expect(opened["room"]?["name"] == "bob")
        let added = try await bob.log.wait(for: "room:added")
        #expect(added["room"]?["peer"]?["username"] == "alice")
        // Opening again returns the same room, and the peer is not told twice.
        #expect(try await bob.ok("dm:open", ["username": "ALICE"])["room"]?["id"]?.stringValue == roomID)

        try await alice.ok("message:send", ["roomId": .string(roomID), "clientMessageId": "d1", "text": "psst"])
        try await bob.log.wait(for: "message:new") { $0["roomId"]?.stringValue == roomID }
        let notification = try await bob.log.wait(for: "notification") { $0["kind"] == "direct" }
        #expect(notification["text"] == "psst")
        #expect(try await carol.failure("history:fetch", ["roomId": .string(roomID)]) == "forbidden")
        #expect(try await carol.failure("rooms:join", ["roomId": .string(roomID)]) == "forbidden")
        #expect(try await carol.failure("message:send", ["roomId": .string(roomID), "clientMessageId": "x", "text": "hi"]) == "forbidden")
        #expect(try await alice.failure("rooms:invite", ["roomId": .string(roomID), "username": "carol"]) == "forbidden")
        #expect(try await alice.failure("dm:open", ["username": "alice"]) == "bad_request")
        #expect(try await alice.failure("dm:open", ["username": "nobody"]) == "not_found")
        try await Task.sleep(for: .milliseconds(100))
        #expect(carol.log.all("message:new").isEmpty)
        #expect(bob.log.all("room:added").count == 1)
    }
}
