import ChatStore
import Testing

@Suite struct InMemoryHotStoreTests {
    @Test func appendAssignsIncreasingIDsAndCreationTime() async throws {
        let clock = TestClock()
        let store = InMemoryHotStore(clock: clock.function)
        let first = try await store.append(newMessage(1))
        let second = try await store.append(newMessage(2))
        clock.advance(by: 5)
        let third = try await store.append(newMessage(3))
        #expect(!first.isDuplicate)
        #expect(first.message.id < second.message.id && second.message.id < third.message.id)
        #expect(first.message.createdAt == clock.now - 5)
        #expect(third.message.createdAt == clock.now)
        #expect(third.message.body == "message 3" && third.message.metadata == ["i": "3"])
    }

    @Test func idsStayAboveTheGivenStartEvenWhenTheClockIsBehind() async throws {
        let clock = TestClock()
        let archived = MessageID(milliseconds: UInt64(clock.now) + 60_000, sequence: 7)!
        let store = InMemoryHotStore(clock: clock.function, startingAfter: archived)
        let first = try await store.append(newMessage(1)).message
        #expect(first.id > archived && first.id.milliseconds == archived.milliseconds)
    }

    @Test func appendIsIdempotentOnRoomAndClientMessageID() async throws {
        let store = InMemoryHotStore()
        let first = try await store.append(newMessage(1))
        var again = newMessage(1)
        again.body = "changed"
        let repeated = try await store.append(again)
        #expect(repeated.isDuplicate)
        #expect(repeated.message == first.message)
        let otherRoom = try await store.append(newMessage(1, room: "other"))
        #expect(!otherRoom.isDuplicate)
        #expect(store.count == 2)
    }

    @Test func invalidMessagesAreRejectedAndNotStored() async throws {
        let store = InMemoryHotStore()
        await #expect(throws: ChatStoreError.self) {
            try await store.append(NewMessage(clientMessageID: "", room: "r", sender: "s", body: "b"))
        }
        #expect(store.count == 0)
    }

    @Test func roomPagesAreNewestFirstWithAnExclusiveCursor() async throws {
        let store = InMemoryHotStore()
        var ids: [MessageID] = []
        for index in 0..<10 {
            ids.append(try await store.append(newMessage(index, room: index.isMultiple(of: 2) ? "even" : "odd")).message.id)
        }
        let page = try await store.messages(in: "even", before: nil, limit: 3)
        #expect(page.map(\.body) == ["message 8", "message 6", "message 4"])
        let next = try await store.messages(in: "even", before: page.last!.id, limit: 3)
        #expect(next.map(\.body) == ["message 2", "message 0"])
        #expect(try await store.messages(in: "nobody", before: nil, limit: 3).isEmpty)
    }

    @Test func pendingIsOldestFirstAcrossRoomsAfterTheCheckpoint() async throws {
        let store = InMemoryHotStore()
        var ids: [MessageID] = []
        for index in 0..<6 { ids.append(try await store.append(newMessage(index, room: "r\(index % 3)")).message.id) }
        #expect(try await store.pending(after: nil, limit: 4).map(\.id) == Array(ids[0..<4]))
        #expect(try await store.pending(after: ids[3], limit: 4).map(\.id) == Array(ids[4...]))
        #expect(try await store.pending(after: ids[5], limit: 4).isEmpty)
    }

    @Test func trimRemovesUpToTheIDEverywhereAndIsIdempotent() async throws {
        let store = InMemoryHotStore()
        var ids: [MessageID] = []
        for index in 0..<6 { ids.append(try await store.append(newMessage(index, room: "r\(index % 2)")).message.id) }
        try await store.trim(upTo: ids[2])
        try await store.trim(upTo: ids[2])
        try await store.trim(upTo: ids[0])
        #expect(store.count == 3)
        #expect(try await store.pending(after: nil, limit: 10).map(\.id) == Array(ids[3...]))
        #expect(try await store.messages(in: "r0", before: nil, limit: 10).map(\.id) == [ids[4]])
        #expect(try await store.messages(in: "r1", before: nil, limit: 10).map(\.id) == [ids[5], ids[3]])
    }

    @Test func trimmingManyMessagesCompactsWithoutLosingTheRest() async throws {
        let store = InMemoryHotStore()
        var ids: [MessageID] = []
        for index in 0..<3000 { ids.append(try await store.append(newMessage(index, room: "r\(index % 7)")).message.id) }
        try await store.trim(upTo: ids[2499])
        #expect(store.count == 500)
        #expect(try await store.pending(after: nil, limit: 1000).map(\.id) == Array(ids[2500...]))
        let page = try await store.messages(in: "r0", before: nil, limit: 1000)
        #expect(page.map(\.id) == ids[2500...].enumerated().filter { ($0.offset + 2500) % 7 == 0 }.map(\.element).reversed())
        // Idempotency keys of trimmed messages are released; kept ones still deduplicate.
        #expect(try await store.append(newMessage(2999, room: "r\(2999 % 7)")).isDuplicate)
    }
}
