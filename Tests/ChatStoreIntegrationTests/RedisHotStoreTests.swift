import ChatStore
import ChatStoreRedis
import NIOConcurrencyHelpers
import RESP
import SwitchboardRedis
import Testing

@Suite(.serialized) struct RedisHotStoreTests {
    @Test(.timeLimit(.minutes(1)))
    func appendAssignsIncreasingIDsAndIsIdempotent() async throws {
        try await withRedisHotStore { (store, _) async throws in
            let first = try await store.append(newMessage(1))
            let second = try await store.append(newMessage(2))
            #expect(!first.isDuplicate && !second.isDuplicate)
            #expect(first.message.id < second.message.id)
            #expect(first.message.createdAt == Int64(first.message.id.milliseconds))
            let repeated = try await store.append(newMessage(1))
            #expect(repeated.isDuplicate && repeated.message.id == first.message.id)
            #expect(try await !store.append(newMessage(1, room: "other")).isDuplicate)
            #expect(try await store.pending(after: nil, limit: 100).count == 3)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func roomPagesPendingAndTrimMatchTheInMemoryStore() async throws {
        try await withRedisHotStore { (store, _) async throws in
            let memory = InMemoryHotStore()
            var redisIDs: [MessageID] = []
            for index in 0..<30 {
                let message = newMessage(index, room: "r:\(index % 3)")
                redisIDs.append(try await store.append(message).message.id)
                _ = try await memory.append(message)
            }
            func bodies(_ messages: [StoredMessage]) -> [String] { messages.map(\.body) }
            let page = try await store.messages(in: "r:1", before: nil, limit: 4)
            #expect(bodies(page) == bodies(try await memory.messages(in: "r:1", before: nil, limit: 4)))
            #expect(page.first?.metadata == ["n": "28"] && page.first?.sender == "user3" && page.first?.room == "r:1")
            let next = try await store.messages(in: "r:1", before: page.last!.id, limit: 100)
            #expect(next.count == 6 && next.allSatisfy { $0.id < page.last!.id })
            #expect(try await store.pending(after: redisIDs[9], limit: 5).map(\.id) == Array(redisIDs[10..<15]))
            try await store.trim(upTo: redisIDs[19])
            try await store.trim(upTo: redisIDs[19])
            #expect(try await store.pending(after: nil, limit: 100).map(\.id) == Array(redisIDs[20...]))
            for room in 0..<3 {
                let left = try await store.messages(in: "r:\(room)", before: nil, limit: 100)
                #expect(left.allSatisfy { $0.id > redisIDs[19] })
                #expect(left.count == (20..<30).filter { $0 % 3 == room }.count)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func malformedStreamEntriesAreClearErrors() async throws {
        try await withRedisHotStore { (store, _) async throws in
            try await store.client.send(RESPCommand("XADD", "chat:room:bad", "*", "r", "bad", "c", "x"))
            await #expect {
                try await store.messages(in: "bad", before: nil, limit: 10)
            } throws: { error in
                guard let error = error as? ChatStoreError else { return false }
                return error.code == .malformedRecord && error.message.contains("has no sender")
            }
            try await store.client.send(RESPCommand("XADD", "chat:room:json", "*", "r", "json", "c", "x", "s", "s", "b", "b", "m", "[1]"))
            await #expect {
                try await store.messages(in: "json", before: nil, limit: 10)
            } throws: { error in
                (error as? ChatStoreError)?.code == .malformedRecord
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func invalidMessagesAreRejectedBeforeReachingRedis() async throws {
        try await withRedisHotStore { (store, _) async throws in
            await #expect(throws: ChatStoreError.self) {
                try await store.append(NewMessage(clientMessageID: "c", room: "", sender: "s", body: "b"))
            }
            #expect(try await store.pending(after: nil, limit: 10).isEmpty)
        }
    }

    /// Appends from several tasks while Redis is killed and restarted twice: every append that returned
    /// must be in the store afterwards, exactly once.
    @Test(.timeLimit(.minutes(2)))
    func redisRestartLosesNoAcknowledgedMessage() async throws {
        try await withRedisHotStore { (store, server) async throws in
            let acknowledged = NIOLockedValueBox<[StoredMessage]>([])
            let failures = NIOLockedValueBox(0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for index in 0..<150 {
                            do {
                                let result = try await store.append(newMessage(worker * 1000 + index, room: "room\(worker)"))
                                acknowledged.withLockedValue { $0.append(result.message) }
                            } catch {
                                failures.withLockedValue { $0 += 1 }
                            }
                        }
                    }
                }
                group.addTask {
                    for _ in 0..<2 {
                        try await Task.sleep(for: .milliseconds(150))
                        server.kill()
                        try await Task.sleep(for: .milliseconds(100))
                        try await server.start()
                    }
                }
                try await group.waitForAll()
            }
            let acked = acknowledged.withLockedValue { $0 }
            #expect(acked.count + failures.withLockedValue { $0 } == 600)
            #expect(acked.count >= 500, "appends retry through a restart; only a few may time out")
            let stored = try await store.pending(after: nil, limit: 10_000)
            let storedIDs = Set(stored.map(\.id))
            #expect(stored.count == storedIDs.count)
            let missing = acked.filter { !storedIDs.contains($0.id) }
            #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5).map(\.clientMessageID))")
            // Per (room, clientMessageID) at most one stored message.
            let keys = stored.map { "\($0.room)/\($0.clientMessageID)" }
            #expect(Set(keys).count == keys.count)
        }
    }
}

@Suite(.serialized) struct RedisHotStoreChangeTests {
    @Test(.timeLimit(.minutes(1)))
    func editsAndDeletesShowInPagesPendingAndLookupsAndLeaveWithTheTrim() async throws {
        try await withRedisHotStore { (store, _) async throws in
            let first = try await store.append(newMessage(1)).message
            let second = try await store.append(newMessage(2)).message
            #expect(try await store.message(first.id, in: "lobby") == first)
            #expect(try await store.message(first.id, in: "other") == nil)
            #expect(try await store.apply(.delete(at: 5), to: first.id, in: "other") == nil)
            let edited = try await store.apply(.edit(body: "edited, with commas, ✓", at: 100), to: first.id, in: "lobby")
            #expect(edited == first.applying(.edit(body: "edited, with commas, ✓", at: 100)))
            let deleted = try await store.apply(.delete(at: 200), to: second.id, in: "lobby")
            #expect(deleted?.body == "" && deleted?.deletedAt == 200)
            #expect(try await store.apply(.edit(body: "older", at: 50), to: first.id, in: "lobby") == edited)
            #expect(try await store.messages(in: "lobby", before: nil, limit: 10) == [deleted!, edited!])
            #expect(try await store.pending(after: nil, limit: 10) == [edited!, deleted!])
            #expect(try await store.message(first.id, in: "lobby") == edited)
            var repeated = newMessage(1)
            repeated.body = "a retry with other text"
            #expect(try await store.append(repeated) == AppendResult(message: edited!, isDuplicate: true))
            try await store.trim(upTo: second.id)
            #expect(try await store.message(first.id, in: "lobby") == nil)
            #expect(try await store.apply(.edit(body: "late", at: 300), to: first.id, in: "lobby") == nil)
            #expect(try await store.client.send(RESPCommand("EXISTS", "chat:changes")).integer == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentEditsOfOneMessageAllApplyInTimeOrder() async throws {
        try await withRedisHotStore { (store, _) async throws in
            let message = try await store.append(newMessage(1)).message
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1...20 {
                    group.addTask { _ = try await store.apply(.edit(body: "edit \(index)", at: Int64(index)), to: message.id, in: "lobby") }
                }
                try await group.waitForAll()
            }
            let final = try await store.message(message.id, in: "lobby")
            #expect(final?.body == "edit 20" && final?.editedAt == 20)
        }
    }
}
