import SwitchboardChat
import SwitchboardJSON
import Testing

@Suite(.timeLimit(.minutes(1))) struct MessagesEndToEndTests {
    static func send(_ client: ChatClient, _ text: String, id: String, room: String = "r_general") async throws -> JSONValue {
        try await client.ok("message:send", ["roomId": .string(room), "clientMessageId": .string(id), "text": .string(text)])
    }

    @Test func aRetriedSendIsStoredOnceAndBroadcastOnce() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }

        let first = try await Self.send(alice, "  hello  ", id: "c-1")
        let retry = try await Self.send(alice, "hello", id: "c-1")
        let message = try #require(first["message"])
        #expect(retry["message"] == message)
        #expect(message["text"] == "hello")
        #expect(message["clientMessageId"] == "c-1")
        #expect(message["roomId"] == "r_general")
        #expect(message["sender"]?["username"] == "alice")
        #expect(message["createdAt"]?.intValue != nil)
        #expect(message["id"]?.stringValue?.contains("-") == true)

        let received = try await bob.log.wait(for: "message:new")
        #expect(received == message)
        let history = try await bob.ok("history:fetch", ["roomId": "r_general"])
        #expect(history["messages"]?.arrayValue?.count == 1)
        try await Task.sleep(for: .milliseconds(100))
        #expect(bob.log.all("message:new").count == 1)
    }

    @Test func invalidSendsAreRefused() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        defer { alice.disconnect() }
        #expect(try await alice.failure("message:send", ["roomId": "r_general", "clientMessageId": "c", "text": "   "]) == "bad_request")
        #expect(try await alice.failure("message:send", ["roomId": "r_general", "clientMessageId": "c", "text": .string(String(repeating: "x", count: 4_001))]) == "too_long")
        #expect(try await alice.failure("message:send", ["roomId": "r_general", "clientMessageId": "", "text": "hi"]) == "bad_request")
        #expect(try await alice.failure("message:send", ["roomId": "r_general", "text": "hi"]) == "bad_request")
        #expect(try await alice.failure("message:send", ["roomId": "r_nope", "clientMessageId": "c", "text": "hi"]) == "not_found")
        #expect(try await alice.failure("message:send", "not an object") == "bad_request")
    }

    @Test func onlyTheAuthorEditsAndDeletes() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }
        let id = try #require(try await Self.send(alice, "frist", id: "e1")["message"]?["id"])

        #expect(try await bob.failure("message:edit", ["roomId": "r_general", "messageId": id, "text": "hacked"]) == "forbidden")
        #expect(try await bob.failure("message:delete", ["roomId": "r_general", "messageId": id]) == "forbidden")
        #expect(try await alice.failure("message:edit", ["roomId": "r_general", "messageId": "1-0", "text": "x"]) == "not_found")
        #expect(try await alice.failure("message:edit", ["roomId": "r_general", "messageId": "bogus", "text": "x"]) == "bad_request")

        let edited = try await alice.ok("message:edit", ["roomId": "r_general", "messageId": id, "text": "first"])
        #expect(edited["message"]?["text"] == "first")
        #expect(edited["message"]?["editedAt"]?.intValue != nil)
        let update = try await bob.log.wait(for: "message:updated")
        #expect(update["text"] == "first")

        let deleted = try await alice.ok("message:delete", ["roomId": "r_general", "messageId": id])
        #expect(deleted["message"]?["deleted"] == true)
        #expect(deleted["message"]?["text"] == "")
        #expect(deleted["message"]?["id"] == id)
        try await bob.log.wait(for: "message:updated") { $0["deleted"] == true }
        let history = try await bob.ok("history:fetch", ["roomId": "r_general"])
        #expect(history["messages"]?[0]?["deleted"] == true)
        #expect(history["messages"]?[0]?["text"] == "")
        #expect(try await alice.failure("message:edit", ["roomId": "r_general", "messageId": id, "text": "again"]) == "not_found")
    }

    @Test func historyPagesGoBackwardsToTheFirstMessage() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        defer { alice.disconnect() }
        for n in 1...7 { _ = try await Self.send(alice, "m\(n)", id: "h\(n)") }

        var texts: [String] = []
        var cursor: JSONValue = .null
        var pages = 0
        repeat {
            var request: JSONObject = ["roomId": "r_general", "limit": 3]
            if !cursor.isNull { request["before"] = cursor }
            let page = try await alice.ok("history:fetch", .object(request))
            texts += page["messages"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
            cursor = page["nextCursor"] ?? .null
            pages += 1
        } while !cursor.isNull && pages < 10
        #expect(texts == ["m7", "m6", "m5", "m4", "m3", "m2", "m1"])
        #expect(pages == 3)
        let defaultPage = try await alice.ok("history:fetch", ["roomId": "r_general"])
        #expect(defaultPage["messages"]?.arrayValue?.count == 7)
        #expect(defaultPage["nextCursor"] == .null)
        for limit: JSONValue in [0, 101, "ten"] {
            #expect(try await alice.failure("history:fetch", ["roomId": "r_general", "limit": limit]) == "bad_request")
        }
        #expect(try await alice.failure("history:fetch", ["roomId": "r_general", "before": "x"]) == "bad_request")
    }

    @Test func readMarkersMoveForwardAndCountUnread() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }
        var ids: [JSONValue] = []
        for n in 1...3 { ids.append(try await Self.send(alice, "u\(n)", id: "u\(n)")["message"]?["id"] ?? .null) }

        let general = (try await bob.ok("rooms:list")["rooms"]?.arrayValue ?? []).first { $0["id"] == "r_general" }
        #expect(general?["unread"] == 3)
        #expect(general?["lastMessageId"] == ids[2])
        // The sender's own messages are not unread for her.
        let alicesGeneral = (try await alice.ok("rooms:list")["rooms"]?.arrayValue ?? []).first { $0["id"] == "r_general" }
        #expect(alicesGeneral?["unread"] == 0)

        #expect(try await bob.ok("room:read", ["roomId": "r_general", "messageId": ids[1]])["unread"] == 1)
        let receipt = try await alice.log.wait(for: "room:read")
        #expect(receipt["userId"]?.stringValue == bob.account?.id)
        #expect(receipt["messageId"] == ids[1])
        // Moving the marker back changes nothing.
        #expect(try await bob.ok("room:read", ["roomId": "r_general", "messageId": ids[0]])["unread"] == 1)
        #expect(try await bob.ok("room:read", ["roomId": "r_general", "messageId": ids[2]])["unread"] == 0)
        // A reconnect sees the same count.
        let again = try await chat.connect(bob.account!)
        defer { again.disconnect() }
        let session = again.log.all("session")[0]
        #expect((session["rooms"]?.arrayValue ?? []).first { $0["id"] == "r_general" }?["unread"] == 0)
    }

    @Test func mentionsNotifyMembersOnly() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        let carol = try await chat.user("carol", joinGeneral: false)
        defer { alice.disconnect(); bob.disconnect(); carol.disconnect() }

        let sent = try await Self.send(alice, "hey @Bob and @carol and @alice", id: "m1")
        #expect(sent["message"]?["mentions"] == [.string(bob.account!.id)])
        let notification = try await bob.log.wait(for: "notification")
        #expect(notification["kind"] == "mention")
        #expect(notification["roomId"] == "r_general")
        #expect(notification["messageId"] == sent["message"]?["id"])
        #expect(notification["from"]?["username"] == "alice")
        #expect(notification["text"] == "hey @Bob and @carol and @alice")
        try await Task.sleep(for: .milliseconds(100))
        #expect(carol.log.all("notification").isEmpty)
        #expect(alice.log.all("notification").isEmpty)
    }

    @Test func sendingTooFastIsRateLimited() async throws {
        let chat = try await ChatHarness(limits: ChatLimits(sendsPerSecond: 1, sendBurst: 3))
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        defer { alice.disconnect() }
        for n in 1...3 { _ = try await Self.send(alice, "r\(n)", id: "r\(n)") }
        let reply = try await alice.call("message:send", ["roomId": "r_general", "clientMessageId": "r4", "text": "r4"])
        #expect(reply["ok"] == false)
        #expect(reply["error"]?["code"] == "rate_limited")
        #expect((reply["error"]?["retryAfterMs"]?.intValue ?? 0) > 0)
        #expect(reply["error"]?["message"]?.stringValue?.isEmpty == false)
    }

    @Test func aStoreOutageIsUnavailableAndLosesNothing() async throws {
        let chat = try await ChatHarness()
        defer { Task { await chat.stop() } }
        let alice = try await chat.user("alice")
        let bob = try await chat.user("bob")
        defer { alice.disconnect(); bob.disconnect() }
        _ = try await Self.send(alice, "before", id: "o1")

        chat.hotStore.isDown = true
        #expect(try await alice.failure("message:send", ["roomId": "r_general", "clientMessageId": "o2", "text": "during"]) == "unavailable")
        #expect(try await bob.failure("history:fetch", ["roomId": "r_general"]) == "unavailable")
        chat.hotStore.isDown = false

        // The client retries with the same clientMessageId: stored once, after the first message.
        let retried = try await Self.send(alice, "during", id: "o2")
        _ = try await Self.send(alice, "during", id: "o2")
        let history = try await bob.ok("history:fetch", ["roomId": "r_general"])
        #expect(history["messages"]?.arrayValue?.map { $0["text"] } == ["during", "before"])
        #expect(history["messages"]?[0]?["id"] == retried["message"]?["id"])
        #expect(bob.log.all("message:new").filter { $0["text"] == "during" }.count <= 1)
    }
}
