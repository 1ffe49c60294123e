@testable import SocketIO
import Testing

@Suite struct RecipientGroupsTests {
    final class Loop {}

    @Test func groupsRecipientsPerLoopInOrderOfFirstAppearance() {
        let a = Loop(), b = Loop()
        let loops = [1: a, 2: b, 3: a, 4: b, 5: a]
        let groups = RecipientGroups([1, 2, 3, 4, 5], loopOf: { loops[$0]! }, idOf: { ObjectIdentifier($0) })
        #expect(groups.groups.map { ObjectIdentifier($0.loop) } == [ObjectIdentifier(a), ObjectIdentifier(b)])
        #expect(groups.groups.map(\.recipients) == [[1, 3, 5], [2, 4]])
        #expect(groups.count == 5)
        #expect(!groups.isEmpty)
    }

    @Test func noRecipientsMakeNoGroup() {
        let groups = RecipientGroups([Int](), loopOf: { _ in Loop() }, idOf: { ObjectIdentifier($0) })
        #expect(groups.groups.isEmpty)
        #expect(groups.isEmpty)
    }

    @Test func cacheAnswersOnlyAtTheGenerationItWasBuiltAt() {
        var cache = RoomRecipientCache<[Int]>(minimumMembers: 2)
        let kept = cache.store([1, 2], for: "r", memberCount: 2, generation: 7)
        #expect(kept)
        #expect(cache.value(for: "r", generation: 7) == [1, 2])
        #expect(cache.value(for: "r", generation: 8) == nil)
        #expect(cache.value(for: "other", generation: 7) == nil)
    }

    @Test func invalidatingARoomForgetsOnlyThatRoom() {
        var cache = RoomRecipientCache<[Int]>(minimumMembers: 1)
        cache.store([1], for: "a", memberCount: 1, generation: 0)
        cache.store([2], for: "b", memberCount: 1, generation: 0)
        cache.invalidate("a")
        #expect(cache.value(for: "a", generation: 0) == nil)
        #expect(cache.value(for: "b", generation: 0) == [2])
        #expect(cache.count == 1)
    }

    @Test func smallRoomsAreNotKeptAndDropAnOlderEntry() {
        var cache = RoomRecipientCache<[Int]>(minimumMembers: 3)
        let large = cache.store([1, 2, 3], for: "r", memberCount: 3, generation: 0)
        let small = cache.store([1, 2], for: "r", memberCount: 2, generation: 0)
        #expect(large && !small)
        #expect(cache.value(for: "r", generation: 0) == nil)
        #expect(cache.count == 0)
    }
}
