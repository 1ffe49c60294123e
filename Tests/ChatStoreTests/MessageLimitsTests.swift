@testable import ChatStore
import Testing

@Suite struct MessageLimitsTests {
    let limits = MessageLimits(maxRoomBytes: 8, maxSenderBytes: 8, maxClientMessageIDBytes: 8, maxBodyBytes: 16, maxMetadataEntries: 2, maxMetadataBytes: 40)

    func message(room: String = "r", sender: String = "s", cid: String = "c", body: String = "b", metadata: [String: String] = [:]) -> NewMessage {
        NewMessage(clientMessageID: cid, room: room, sender: sender, body: body, metadata: metadata)
    }

    @Test func aMessageWithinBoundsIsAccepted() throws {
        try limits.validate(message(body: ""))
        try limits.validate(message(room: "12345678", body: String(repeating: "x", count: 16), metadata: ["a": "b", "c": "d"]))
    }

    @Test func emptyRoomIsRejected() {
        #expect(throws: ChatStoreError(.invalidMessage, "room is empty")) { try limits.validate(message(room: "")) }
    }

    @Test func emptySenderIsRejected() {
        #expect(throws: ChatStoreError(.invalidMessage, "sender is empty")) { try limits.validate(message(sender: "")) }
    }

    @Test func emptyClientMessageIDIsRejected() {
        #expect(throws: ChatStoreError(.invalidMessage, "clientMessageID is empty")) { try limits.validate(message(cid: "")) }
    }

    @Test func oversizedFieldsAreRejectedWithTheirSize() {
        #expect(throws: ChatStoreError(.invalidMessage, "room is 9 bytes, limit 8")) { try limits.validate(message(room: "123456789")) }
        #expect(throws: ChatStoreError(.invalidMessage, "body is 17 bytes, limit 16")) {
            try limits.validate(message(body: String(repeating: "é", count: 8) + "x"))
        }
    }

    @Test func tooManyMetadataEntriesAreRejected() {
        #expect(throws: ChatStoreError(.invalidMessage, "metadata has 3 entries, limit 2")) {
            try limits.validate(message(metadata: ["a": "", "b": "", "c": ""]))
        }
    }

    @Test func pageLimitsOutsideTheRangeAreRejected() {
        #expect(throws: ChatStoreError.self) { try MessageLimits.checkPageLimit(0) }
        #expect(throws: ChatStoreError.self) { try MessageLimits.checkPageLimit(10_001) }
    }
}

@Suite struct MetadataCodingTests {
    @Test func encodingSortsKeysAndRoundTrips() throws {
        let metadata = ["z": "last", "a": "first \"quoted\" \\ é\n"]
        let text = MetadataCoding.encode(metadata)
        #expect(text.hasPrefix("{\"a\":"))
        #expect(try MetadataCoding.decode(text) == metadata)
        #expect(MetadataCoding.encode([:]) == "{}")
        #expect(try MetadataCoding.decode("{}") == [:])
    }

    @Test(arguments: ["{", "[]", "\"x\"", "{\"a\":1}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":\"b\"} x"])
    func malformedMetadataIsAClearError(_ text: String) {
        #expect {
            try MetadataCoding.decode(text)
        } throws: { error in
            (error as? ChatStoreError)?.code == .malformedRecord
        }
    }
}
