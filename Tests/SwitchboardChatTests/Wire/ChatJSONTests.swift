import ChatStore
import SwitchboardJSON
import Testing

@testable import SwitchboardChat

@Suite struct ChatJSONTests {
    let alice = ChatUser(id: "u_a", username: "alice", displayName: "Alice <b>")

    func stored(deleted: Bool = false, edited: Bool = false, mentions: String? = nil) -> StoredMessage {
        StoredMessage(
            id: MessageID(milliseconds: 1_000, sequence: 2)!, clientMessageID: "c1", room: "r_x", sender: "u_a",
            body: deleted ? "" : "hi <script>", createdAt: 1_000, editedAt: edited ? 1_500 : nil,
            deletedAt: deleted ? 2_000 : nil, metadata: mentions.map { ["mentions": $0] } ?? [:])
    }

    @Test func aMessageHasTheContractsFieldsAndKeepsTextVerbatim() {
        let json = MessageView(stored: stored(), sender: alice).json
        #expect(json.jsonString == #"{"id":"1000-2","clientMessageId":"c1","roomId":"r_x","sender":{"id":"u_a","username":"alice","displayName":"Alice <b>"},"text":"hi <script>","createdAt":1000}"#)
    }

    @Test func editedDeletedAndMentionedMessagesCarryTheOptionalFields() {
        let edited = MessageView(stored: stored(edited: true, mentions: "u_b,u_c"), sender: alice).json
        #expect(edited["editedAt"] == 1_500)
        #expect(edited["mentions"] == ["u_b", "u_c"])
        #expect(edited["deleted"] == nil)
        let deleted = MessageView(stored: stored(deleted: true), sender: alice).json
        #expect(deleted["deleted"] == true)
        #expect(deleted["text"] == "")
        #expect(deleted["mentions"] == nil)
    }

    @Test func aRoomListsMembersAndPeerOnlyWhenSet() {
        let publicRoom = RoomView(
            id: "r_1", name: "general", kind: .public, members: nil, peer: nil, unread: 2,
            lastMessageID: MessageID(milliseconds: 5, sequence: 0), joined: true)
        #expect(publicRoom.json.jsonString == #"{"id":"r_1","name":"general","kind":"public","unread":2,"lastMessageId":"5-0","joined":true}"#)
        let direct = RoomView(
            id: "dm:u_a:u_b", name: "Alice <b>", kind: .direct, members: ["u_a", "u_b"], peer: alice, unread: 0,
            lastMessageID: nil, joined: true)
        #expect(direct.json["members"] == ["u_a", "u_b"])
        #expect(direct.json["peer"]?["id"] == "u_a")
        #expect(direct.json["lastMessageId"] == nil)
    }

    @Test func errorsAndAcksHaveTheContractsShape() {
        #expect(ChatError(.forbidden, "no").ack.jsonString == #"{"ok":false,"error":{"code":"forbidden","message":"no"}}"#)
        #expect(ChatError(.rateLimited, "slow", retryAfterMilliseconds: 250).json["retryAfterMs"] == 250)
        #expect(okAck(["unread": 3]).jsonString == #"{"ok":true,"unread":3}"#)
        #expect(okAck().jsonString == #"{"ok":true}"#)
    }

    @Test func payloadFieldsOfTheWrongTypeAreBadRequests() throws {
        let payload = EventPayload(value: ["roomId": 5, "limit": 2.5, "private": "yes", "before": .null])
        #expect(throws: ChatError.self) { try payload.string("roomId") }
        #expect(throws: ChatError.self) { try payload.optionalInt("limit") }
        #expect(throws: ChatError.self) { try payload.optionalBool("private") }
        #expect(try payload.optionalString("before") == nil)
        #expect(try payload.optionalString("missing") == nil)
        #expect(throws: ChatError.self) { try EventPayload(value: .null).string("roomId") }
    }

    @Test func generatedIdentifiersHaveThePrefixAndNoColon() {
        var seen: Set<String> = []
        for _ in 0..<200 {
            let id = IdentifierGenerator.make(prefix: "u_")
            #expect(id.hasPrefix("u_") && id.count == 18 && !id.contains(":"))
            seen.insert(id)
        }
        #expect(seen.count == 200)
    }
}

@Suite struct ChatUserJSONTests {
    @Test func aUserReadsBackWhatItWrites() {
        let user = ChatUser(id: "u_1", username: "ann", displayName: "Ann")
        #expect(ChatUser(json: user.json) == user)
        #expect(ChatUser(json: ["id": .string("u_1"), "username": .string("ann")]) == nil)
    }
}
