import ChatStore
import Testing

@Suite struct MessageChangeTests {
    let original = StoredMessage(id: MessageID(milliseconds: 1_000, sequence: 0)!, clientMessageID: "c", room: "r", sender: "s", body: "hello", createdAt: 1_000, metadata: ["k": "v"])

    @Test func editReplacesTheBodyAndSetsTheEditTime() {
        let edited = original.applying(.edit(body: "hi", at: 2_000))
        #expect(edited.body == "hi" && edited.editedAt == 2_000 && edited.deletedAt == nil)
        #expect(edited.id == original.id && edited.metadata == original.metadata && edited.createdAt == 1_000)
    }

    @Test func anOlderEditDoesNotReplaceALaterOne() {
        let later = original.applying(.edit(body: "later", at: 3_000))
        #expect(later.applying(.edit(body: "earlier", at: 2_000)) == later)
        #expect(later.applying(.edit(body: "same time", at: 3_000)).body == "same time")
    }

    @Test func deleteLeavesATombstoneWithAnEmptyBody() {
        let deleted = original.applying(.edit(body: "x", at: 1_500)).applying(.delete(at: 2_000))
        #expect(deleted.body == "" && deleted.deletedAt == 2_000 && deleted.editedAt == 1_500)
    }

    @Test func aTombstoneIgnoresEditsAndFurtherDeletes() {
        let deleted = original.applying(.delete(at: 2_000))
        #expect(deleted.applying(.edit(body: "back", at: 3_000)) == deleted)
        #expect(deleted.applying(.delete(at: 4_000)).deletedAt == 2_000)
    }

    @Test func revisionsOrderTombstonesAfterEditsAfterTheOriginal() {
        let edited = original.applying(.edit(body: "e", at: 2_000))
        let reEdited = edited.applying(.edit(body: "f", at: 3_000))
        let deleted = original.applying(.delete(at: 1_500))
        #expect(edited.isNewerRevision(than: original) && !original.isNewerRevision(than: edited))
        #expect(reEdited.isNewerRevision(than: edited) && !edited.isNewerRevision(than: reEdited))
        #expect(deleted.isNewerRevision(than: reEdited) && !reEdited.isNewerRevision(than: deleted))
        #expect(!original.isNewerRevision(than: original) && !deleted.isNewerRevision(than: deleted))
    }
}

@Suite struct InMemoryChangeTests {
    @Test func hotStoreFindsAndChangesOnlyMessagesOfTheGivenRoom() async throws {
        let store = InMemoryHotStore()
        let message = try await store.append(newMessage(1, room: "a")).message
        #expect(try await store.message(message.id, in: "a") == message)
        #expect(try await store.message(message.id, in: "b") == nil)
        #expect(try await store.apply(.edit(body: "x", at: 5), to: message.id, in: "b") == nil)
        let edited = try await store.apply(.edit(body: "x", at: 5), to: message.id, in: "a")
        #expect(edited?.body == "x" && edited?.editedAt == 5)
        #expect(try await store.messages(in: "a", before: nil, limit: 10) == [edited!])
        #expect(try await store.pending(after: nil, limit: 10) == [edited!])
    }

    @Test func hotStoreForgetsTrimmedMessages() async throws {
        let store = InMemoryHotStore()
        let message = try await store.append(newMessage(1)).message
        try await store.trim(upTo: message.id)
        #expect(try await store.message(message.id, in: "lobby") == nil)
        #expect(try await store.apply(.delete(at: 9), to: message.id, in: "lobby") == nil)
    }

    @Test func archiveChangesAndReadsArchivedMessages() async throws {
        let archive = InMemoryArchive()
        let message = newMessage(1).stored(as: MessageID(milliseconds: 10, sequence: 0)!)
        #expect(try await archive.apply(.delete(at: 20), to: message.id, in: "lobby") == nil)
        try await archive.insertBatch([message])
        let deleted = try await archive.apply(.delete(at: 20), to: message.id, in: "lobby")
        #expect(deleted?.body == "" && deleted?.deletedAt == 20)
        #expect(try await archive.message(message.id, in: "lobby") == deleted)
        #expect(try await archive.message(message.id, in: "other") == nil)
    }

    @Test func archiveBatchNeverOverwritesANewerRevisionButTakesANewerOne() async throws {
        let archive = InMemoryArchive()
        let message = newMessage(1).stored(as: MessageID(milliseconds: 10, sequence: 0)!)
        try await archive.insertBatch([message])
        let edited = try await archive.apply(.edit(body: "edited", at: 20), to: message.id, in: "lobby")!
        #expect(try await archive.insertBatch([message]) == 0)
        #expect(try await archive.message(message.id, in: "lobby") == edited)
        let deleted = message.applying(.delete(at: 30))
        #expect(try await archive.insertBatch([deleted]) == 0)
        #expect(try await archive.message(message.id, in: "lobby") == deleted)
        #expect(try await archive.messages(in: "lobby", before: nil, limit: 5) == [deleted])
    }
}
