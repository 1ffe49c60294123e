import Testing
@testable import SwitchboardChat

@Suite("Chat input rules")
struct ChatRulesTests {
    let rules = ChatRules(maxNameLength: 5, maxMessageLength: 10)

    @Test("a name is trimmed of surrounding white space")
    func nameIsTrimmed() throws {
        #expect(try rules.validateName("  ann \n") == "ann")
    }

    @Test("an empty or blank name is refused")
    func blankNameRefused() {
        #expect(throws: ChatError.self) { try rules.validateName("   ") }
        #expect(throws: ChatError.self) { try rules.validateName("") }
    }

    @Test("a name longer than the limit is refused, one at the limit accepted")
    func nameLengthLimit() throws {
        #expect(try rules.validateName("abcde") == "abcde")
        #expect(throws: ChatError.self) { try rules.validateName("abcdef") }
    }

    @Test("name length counts characters, not bytes")
    func nameLengthCountsCharacters() throws {
        #expect(try rules.validateName("ééééé") == "ééééé")
        #expect(try rules.validateName("👩‍👩‍👧‍👦x") == "👩‍👩‍👧‍👦x")
    }

    @Test("a name with control characters is refused")
    func controlCharactersRefused() {
        #expect(throws: ChatError.self) { try rules.validateName("a\u{0007}b") }
    }

    @Test("a message is trimmed; empty and over-long messages are refused")
    func messageRules() throws {
        #expect(try rules.validateMessage(" hi ") == "hi")
        #expect(throws: ChatError.self) { try rules.validateMessage(" \n ") }
        #expect(try rules.validateMessage("0123456789") == "0123456789")
        #expect(throws: ChatError.self) { try rules.validateMessage("0123456789x") }
    }

    @Test("HTML in a message is kept verbatim as text (clients render it as text)")
    func htmlIsKeptAsText() throws {
        let rules = ChatRules()
        #expect(try rules.validateMessage("<img src=x onerror=alert(1)>") == "<img src=x onerror=alert(1)>")
    }
}

@Suite("Message history")
struct MessageHistoryTests {
    func message(_ n: Int) -> ChatMessage {
        ChatMessage(id: "\(n)", name: "n", text: "t\(n)", timestamp: Int64(n))
    }

    @Test("latest returns the newest messages, oldest first")
    func latestOrder() {
        var history = MessageHistory(capacity: 10)
        for n in 1...5 { history.append(message(n)) }
        #expect(history.latest(3).map(\.id) == ["3", "4", "5"])
        #expect(history.latest(100).map(\.id) == ["1", "2", "3", "4", "5"])
        #expect(history.latest(0).isEmpty)
    }

    @Test("a full history drops the oldest message")
    func dropsOldest() {
        var history = MessageHistory(capacity: 3)
        for n in 1...7 { history.append(message(n)) }
        #expect(history.count == 3)
        #expect(history.latest(3).map(\.id) == ["5", "6", "7"])
        #expect(history.latest(2).map(\.id) == ["6", "7"])
    }
}

@Suite("Message ids")
struct MessageIDGeneratorTests {
    @Test("ids sort in the order they were made, within and across milliseconds")
    func idsSortByTime() {
        var generator = MessageIDGenerator()
        var ids: [String] = []
        for now: Int64 in [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_001] {
            ids.append(generator.next(nowMilliseconds: now).id)
        }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
    }

    @Test("a clock stepping back never makes an id sort before an earlier one")
    func clockStepBack() {
        var generator = MessageIDGenerator()
        let first = generator.next(nowMilliseconds: 2_000)
        let second = generator.next(nowMilliseconds: 1_000)
        #expect(second.id > first.id)
        #expect(second.timestamp == first.timestamp)
    }
}

@Suite("Chat room state")
struct ChatRoomStateTests {
    @Test("sending before registering is refused")
    func mustRegisterFirst() {
        var chat = ChatRoomState()
        #expect(throws: ChatError(.notRegistered, "register a name before sending")) {
            try chat.send(socketID: "s1", text: "hi", nowMilliseconds: 1)
        }
    }

    @Test("a registered user's messages carry the name and land in history")
    func sendRecords() throws {
        var chat = ChatRoomState()
        _ = try chat.register(socketID: "s1", name: " ann ")
        let message = try chat.send(socketID: "s1", text: "hello", nowMilliseconds: 42)
        #expect(message.name == "ann")
        #expect(message.text == "hello")
        #expect(message.timestamp == 42)
        #expect(chat.history.latest(10) == [message])
    }

    @Test("unregistering forgets the name")
    func unregister() throws {
        var chat = ChatRoomState()
        _ = try chat.register(socketID: "s1", name: "ann")
        #expect(chat.unregister(socketID: "s1") == "ann")
        #expect(throws: ChatError.self) { try chat.send(socketID: "s1", text: "x", nowMilliseconds: 1) }
    }
}
