@testable import ChatStore
import NIOConcurrencyHelpers
import Testing

@Suite struct HistoryReaderTests {
    func stored(_ index: UInt64) -> StoredMessage {
        NewMessage(clientMessageID: "c\(index)", room: "r", sender: "s", body: "\(index)").stored(as: MessageID(milliseconds: 1000 + index, sequence: 0)!)
    }

    @Test func mergeInterleavesByIDAndDropsDuplicates() {
        let hot = [9, 8, 7, 6].map { stored($0) }
        let archived = [7, 6, 5, 4].map { stored($0) }
        let page = HistoryReader.merge(hot: hot, archived: archived, limit: 5)
        #expect(page.messages.map(\.body) == ["9", "8", "7", "6", "5"])
        #expect(page.nextCursor == stored(5).id)
    }

    @Test func mergeOfShortSourcesHasNoNextCursor() {
        let page = HistoryReader.merge(hot: [stored(3)], archived: [stored(3), stored(1)], limit: 5)
        #expect(page.messages.map(\.body) == ["3", "1"])
        #expect(page.nextCursor == nil)
        #expect(HistoryReader.merge(hot: [], archived: [], limit: 5) == HistoryPage(messages: [], nextCursor: nil))
    }

    @Test func mergePrefersTheHotCopyOfAnEditedMessage() {
        var edited = stored(2)
        edited.body = "edited"
        edited.editedAt = 5000
        let page = HistoryReader.merge(hot: [edited], archived: [stored(2)], limit: 5)
        #expect(page.messages == [edited])
    }

    /// Pages through the whole room at every possible archive/trim split and checks the result is always
    /// the same complete, duplicate-free, newest-first sequence.
    @Test func pagingIsSeamlessWhateverHasBeenArchivedOrTrimmed() async throws {
        for archivedCount in [0, 1, 5, 13, 20] {
            for trimmedCount in Set([0, archivedCount / 2, archivedCount]) {
                let hot = InMemoryHotStore()
                let archive = InMemoryArchive()
                var all: [StoredMessage] = []
                for index in 0..<20 {
                    all.append(try await hot.append(newMessage(index, room: index % 4 == 3 ? "other" : "r")).message)
                }
                try await archive.insertBatch(Array(all.prefix(archivedCount)))
                if trimmedCount > 0 { try await hot.trim(upTo: all[trimmedCount - 1].id) }
                let reader = HistoryReader(hotStore: hot, archive: archive)
                for pageSize in [1, 3, 7, 50] {
                    var seen: [StoredMessage] = []
                    var cursor: MessageID?
                    repeat {
                        let page = try await reader.page(room: "r", before: cursor, limit: pageSize)
                        #expect(page.messages.count <= pageSize)
                        seen += page.messages
                        cursor = page.nextCursor
                    } while cursor != nil
                    let expected = all.filter { $0.room == "r" }.reversed()
                    #expect(seen == Array(expected), "archived \(archivedCount) trimmed \(trimmedCount) page \(pageSize)")
                }
            }
        }
    }

    /// An archive that counts history reads and records their cursors and limits.
    final class RecordingArchive: MessageArchive {
        let inner = InMemoryArchive()
        let reads = NIOLockedValueBox<[(MessageID?, Int)]>([])
        func migrate() async throws {}
        func insertBatch(_ messages: [StoredMessage]) async throws -> Int { try await inner.insertBatch(messages) }
        func messages(in room: String, before: MessageID?, limit: Int) async throws -> [StoredMessage] {
            reads.withLockedValue { $0.append((before, limit)) }
            return try await inner.messages(in: room, before: before, limit: limit)
        }
        func readCheckpoint() async throws -> MessageID? { nil }
        func writeCheckpoint(_ id: MessageID) async throws {}
        func message(_ id: MessageID, in room: String) async throws -> StoredMessage? { try await inner.message(id, in: room) }
        func apply(_ change: MessageChange, to id: MessageID, in room: String) async throws -> StoredMessage? {
            try await inner.apply(change, to: id, in: room)
        }
    }

    @Test func theArchiveIsAskedOnlyForWhatLiesBelowTheHotStoresOldestAnswer() async throws {
        let hot = InMemoryHotStore()
        let archive = RecordingArchive()
        var all: [StoredMessage] = []
        for index in 0..<10 { all.append(try await hot.append(newMessage(index)).message) }
        try await archive.insertBatch(Array(all[0..<6]))
        try await hot.trim(upTo: all[3].id)  // hot: 4…9, archive: 0…5
        let reader = HistoryReader(hotStore: hot, archive: archive)
        let full = try await reader.page(room: "lobby", limit: 5)
        #expect(full.messages == Array(all[5...].reversed()) && full.nextCursor == all[5].id)
        #expect(archive.reads.withLockedValue { $0.isEmpty })
        let rest = try await reader.page(room: "lobby", before: full.nextCursor, limit: 3)
        #expect(rest.messages == [all[4], all[3], all[2]] && rest.nextCursor == all[2].id)
        #expect(archive.reads.withLockedValue { $0.map(\.0) == [all[4].id] && $0.map(\.1) == [2] })
        let last = try await reader.page(room: "lobby", before: rest.nextCursor, limit: 3)
        #expect(last.messages == [all[1], all[0]] && last.nextCursor == nil)
    }

    @Test func readerWithoutArchiveServesTheHotStore() async throws {
        let hot = InMemoryHotStore()
        for index in 0..<3 { _ = try await hot.append(newMessage(index)) }
        let page = try await HistoryReader(hotStore: hot, archive: nil).page(room: "lobby", limit: 2)
        #expect(page.messages.map(\.body) == ["message 2", "message 1"])
        #expect(page.nextCursor == page.messages.last?.id)
    }

    @Test func pageSizeOutsideTheBoundIsAnError() async throws {
        let reader = HistoryReader(hotStore: InMemoryHotStore(), archive: nil, maxPageSize: 10)
        await #expect(throws: ChatStoreError.self) { try await reader.page(room: "r", limit: 11) }
        await #expect(throws: ChatStoreError.self) { try await reader.page(room: "r", limit: 0) }
    }
}
