@testable import SwitchboardTransport
import Testing

@Suite("TickBatch: one end-of-tick run per tick")
struct TickBatchTests {
    @Test func onlyTheFirstElementOfATickAsksForTheEndOfTickRun() {
        var batch = TickBatch<Int>()
        let first = batch.add(1)
        let second = batch.add(2)
        let third = batch.add(3)
        #expect(first && !second && !third)
        #expect(batch.count == 3)
    }

    @Test func takeAllReturnsTheTickInArrivalOrderAndEmptiesTheBatch() {
        var batch = TickBatch<Int>()
        _ = batch.add(1)
        _ = batch.add(2)
        let taken = batch.takeAll()
        #expect(taken == [1, 2])
        #expect(batch.isEmpty)
    }

    @Test func elementsAddedWhileATickIsWorkedThroughStartTheNextTick() {
        var batch = TickBatch<Int>()
        _ = batch.add(1)
        var taken = batch.takeAll()
        let startsNextTick = batch.add(2)
        #expect(startsNextTick, "first element of the next tick")
        #expect(taken == [1])
        batch.recycle(&taken)
        let next = batch.takeAll()
        #expect(next == [2])
    }

    @Test func recycledStorageIsReusedWithoutLosingElements() {
        var batch = TickBatch<Int>()
        for round in 0..<5 {
            for value in 0..<100 { _ = batch.add(round * 100 + value) }
            var taken = batch.takeAll()
            #expect(taken == Array(round * 100..<(round * 100 + 100)))
            batch.recycle(&taken)
            #expect(taken.isEmpty)
        }
        #expect(batch.isEmpty)
    }

    @Test func anElementOfTheCurrentTickCanBeChangedByItsIndex() {
        var batch = TickBatch<Int>()
        _ = batch.add(10)
        _ = batch.add(20)
        let old = batch.modify(at: 1) { value in
            defer { value = 21 }
            return value
        }
        #expect(old == 20)
        #expect(batch.takeAll() == [10, 21])
    }
}
