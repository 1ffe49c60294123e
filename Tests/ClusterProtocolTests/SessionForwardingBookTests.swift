import ClusterProtocol
import Testing

@Suite struct SessionForwardingBookTests {
    let a = ClusterNodeID("node-a")
    let b = ClusterNodeID("node-b")

    @Test func numbersStartAtOneAndAreNeverReused() {
        var book = ForwardingBook<String>()
        let first = book.open("x", owner: a)
        #expect(first == 1)
        _ = book.close(first)
        #expect(book.open("y", owner: a) == 2)
    }

    @Test func anAnswerFindsItsRequestOnceAndOnlyOnce() {
        var book = ForwardingBook<String>()
        let id = book.open("poll", owner: a, deadline: 100)
        #expect(book.close(id) == "poll")
        #expect(book.close(id) == nil)
        #expect(book.count == 0)
    }

    @Test func aStrayAnswerFindsNothing() {
        var book = ForwardingBook<String>()
        _ = book.open("poll", owner: a)
        #expect(book.close(99) == nil)
        #expect(book.count == 1)
    }

    @Test func aStreamStaysOpenWhileFramesArrive() {
        var book = ForwardingBook<String>()
        let id = book.open("socket", owner: a)
        #expect(book.pending(id) == "socket")
        #expect(book.pending(id) == "socket")
        #expect(book.count == 1)
    }

    @Test func expiryRemovesOnlyEntriesAtOrBeforeTheirDeadlineInOrder() {
        var book = ForwardingBook<String>()
        _ = book.open("late", owner: a, deadline: 300)
        _ = book.open("first", owner: a, deadline: 100)
        _ = book.open("never", owner: a, deadline: nil)
        _ = book.open("second", owner: b, deadline: 200)
        #expect(book.expire(now: 99).isEmpty)
        #expect(book.expire(now: 200) == ["first", "second"])
        #expect(book.count == 2)
        #expect(book.expire(now: .max) == ["late"])
        #expect(book.count == 1)
    }

    @Test func aLostOwnerFailsEverythingForwardedToItAndNothingElse() {
        var book = ForwardingBook<String>()
        _ = book.open("a1", owner: a)
        let kept = book.open("b1", owner: b)
        _ = book.open("a2", owner: a)
        #expect(book.ownerLost(a) == ["a1", "a2"])
        #expect(book.ownerLost(a).isEmpty)
        #expect(book.pending(kept) == "b1")
    }

    @Test func theOwnerBookKeysByEdgeAndNumber() {
        var book = ServedForwardsBook<String>()
        let first = book.insert("a-1", for: .init(edge: a, id: 1))
        let otherEdge = book.insert("b-1", for: .init(edge: b, id: 1))
        let again = book.insert("again", for: .init(edge: a, id: 1))
        #expect(first && otherEdge && !again)
        #expect(book.handle(for: .init(edge: a, id: 1)) == "a-1")
        #expect(book.remove(.init(edge: b, id: 1)) == "b-1")
        #expect(book.remove(.init(edge: b, id: 1)) == nil)
        #expect(book.count == 1)
    }

    @Test func aLostEdgeReleasesEverythingItHadOpen() {
        var book = ServedForwardsBook<String>()
        _ = book.insert("a-2", for: .init(edge: a, id: 2))
        _ = book.insert("b-1", for: .init(edge: b, id: 1))
        _ = book.insert("a-1", for: .init(edge: a, id: 1))
        #expect(book.edgeLost(a) == ["a-1", "a-2"])
        #expect(book.count == 1)
    }
}
