import ClusterProtocol
import Testing

@Suite struct AdapterRequestBookTests {
    let a = ClusterNodeID("a"), b = ClusterNodeID("b"), c = ClusterNodeID("c")

    @Test func completesOnceEveryReceiverAnswered() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectNone(book.expect(id, receivers: 2))
        expectNone(book.receive(id, from: a, 1))
        expectComplete(book.receive(id, from: b, 2), id: id, responses: [1, 2], missing: 0)
        #expect(!book.isPending(id))
        #expect(book.count == 0)
    }

    @Test func answersBeforeTheReceiverCountAreKept() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectNone(book.receive(id, from: a, 1))
        expectNone(book.receive(id, from: b, 2))
        expectComplete(book.expect(id, receivers: 2), id: id, responses: [1, 2], missing: 0)
    }

    @Test func noReceiverCompletesAtOnce() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectComplete(book.expect(id, receivers: 0), id: id, responses: [], missing: 0)
    }

    @Test func aNegativeReceiverCountCountsAsNone() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectComplete(book.expect(id, receivers: -1), id: id, responses: [], missing: 0)
    }

    @Test func theDeadlineReportsTheNodesThatDidNotAnswer() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectNone(book.expect(id, receivers: 3))
        expectNone(book.receive(id, from: a, 1))
        expectComplete(book.deadlinePassed(id), id: id, responses: [1], missing: 2)
    }

    @Test func theDeadlineBeforeTheReceiverCountReportsUnknownMissing() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectNone(book.receive(id, from: a, 1))
        expectComplete(book.deadlinePassed(id), id: id, responses: [1], missing: nil)
    }

    @Test func aFailedPublishCompletesWithUnknownMissing() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectComplete(book.publishFailed(id), id: id, responses: [], missing: nil)
    }

    @Test func aSecondAnswerFromTheSameNodeIsIgnored() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        expectNone(book.expect(id, receivers: 2))
        expectNone(book.receive(id, from: a, 1))
        expectNone(book.receive(id, from: a, 99))
        expectComplete(book.receive(id, from: c, 3), id: id, responses: [1, 3], missing: 0)
    }

    @Test func eventsAboutFinishedOrUnknownRequestsAreIgnored() {
        var book = ClusterRequestBook<Int>()
        let id = book.start()
        _ = book.expect(id, receivers: 0)
        expectNone(book.receive(id, from: a, 1))
        expectNone(book.expect(id, receivers: 1))
        expectNone(book.deadlinePassed(id))
        expectNone(book.publishFailed(id))
        expectNone(book.receive(12345, from: a, 1))
    }

    @Test func requestsHaveDistinctIDsAndAreIndependent() {
        var book = ClusterRequestBook<String>()
        let first = book.start()
        let second = book.start()
        #expect(first != second)
        #expect(book.count == 2)
        expectNone(book.expect(first, receivers: 1))
        expectNone(book.expect(second, receivers: 1))
        guard case .complete(let id, let responses, _) = book.receive(second, from: a, "two") else {
            Issue.record("second did not complete")
            return
        }
        #expect(id == second && responses == ["two"])
        #expect(book.isPending(first))
    }

    private func expectNone<R>(_ action: ClusterRequestBook<R>.Action, sourceLocation: SourceLocation = #_sourceLocation) {
        if case .complete = action { Issue.record("completed too early", sourceLocation: sourceLocation) }
    }

    private func expectComplete(
        _ action: ClusterRequestBook<Int>.Action, id: UInt64, responses: [Int], missing: Int?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .complete(let gotID, let gotResponses, let gotMissing) = action else {
            Issue.record("did not complete", sourceLocation: sourceLocation)
            return
        }
        #expect(gotID == id, sourceLocation: sourceLocation)
        #expect(gotResponses == responses, sourceLocation: sourceLocation)
        #expect(gotMissing == missing, sourceLocation: sourceLocation)
    }
}

@Suite struct AdapterDuplicateFilterTests {
    @Test func aBroadcastIsDeliveredOncePerSender() {
        var filter = ClusterDuplicateFilter()
        var results: [Bool] = []
        results.append(filter.isFirstDelivery(sender: ClusterNodeID("a"), id: 1))
        results.append(filter.isFirstDelivery(sender: ClusterNodeID("a"), id: 1))
        results.append(filter.isFirstDelivery(sender: ClusterNodeID("b"), id: 1))
        results.append(filter.isFirstDelivery(sender: ClusterNodeID("a"), id: 2))
        #expect(results == [true, false, true, true])
    }

    @Test func onlyTheLatestIDsOfASenderAreRemembered() {
        var filter = ClusterDuplicateFilter(capacityPerSender: 2)
        let a = ClusterNodeID("a")
        var results: [Bool] = []
        for id in UInt64(1)...3 { results.append(filter.isFirstDelivery(sender: a, id: id)) }
        results.append(filter.isFirstDelivery(sender: a, id: 1))  // 1 was forgotten when 3 arrived
        results.append(filter.isFirstDelivery(sender: a, id: 3))
        #expect(results == [true, true, true, true, false])
    }

    @Test func theLeastRecentlyHeardSenderIsForgottenFirst() {
        var filter = ClusterDuplicateFilter(capacityPerSender: 8, maximumSenders: 2)
        let (a, b, c) = (ClusterNodeID("a"), ClusterNodeID("b"), ClusterNodeID("c"))
        _ = filter.isFirstDelivery(sender: a, id: 1)
        _ = filter.isFirstDelivery(sender: b, id: 1)
        _ = filter.isFirstDelivery(sender: a, id: 2)
        _ = filter.isFirstDelivery(sender: c, id: 1)  // forgets b
        let aAgain = filter.isFirstDelivery(sender: a, id: 1)
        let bAgain = filter.isFirstDelivery(sender: b, id: 1)
        #expect(!aAgain)
        #expect(bAgain)
    }
}
