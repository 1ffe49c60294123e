@testable import SocketIO
import Testing

@Suite struct LoopHopBatchTests {
    final class Loop {}

    @Test func groupsWorkPerDestinationInOrderOfFirstUse() {
        let a = Loop(), b = Loop()
        var batch = LoopHopBatch<Loop, Int>()
        let firsts = [
            batch.add(1, to: a, id: ObjectIdentifier(a)), batch.add(2, to: b, id: ObjectIdentifier(b)),
            batch.add(3, to: a, id: ObjectIdentifier(a)), batch.add(4, to: b, id: ObjectIdentifier(b)),
        ]
        #expect(firsts == [true, false, false, false])
        #expect(batch.destinationCount == 2)
        let hops = batch.takeAll()
        #expect(hops.map { ObjectIdentifier($0.destination) } == [ObjectIdentifier(a), ObjectIdentifier(b)])
        #expect(hops.map(\.work) == [[1, 3], [2, 4]])
    }

    @Test func takeAllEmptiesTheBatchAndTheNextAddStartsANewTick() {
        let a = Loop()
        var batch = LoopHopBatch<Loop, Int>()
        _ = batch.add(1, to: a, id: ObjectIdentifier(a))
        _ = batch.takeAll()
        #expect(batch.isEmpty)
        let again = batch.takeAll()
        #expect(again.isEmpty)
        let first = batch.add(2, to: a, id: ObjectIdentifier(a))
        #expect(first)
        let next = batch.takeAll()
        #expect(next.map(\.work) == [[2]])
    }

    @Test func onlyTheFirstWorkOfATickAsksForTheSend() {
        let loops = (0..<3).map { _ in Loop() }
        var batch = LoopHopBatch<Loop, Int>()
        var firsts = 0
        for round in 0..<4 {
            for loop in loops where batch.add(round, to: loop, id: ObjectIdentifier(loop)) { firsts += 1 }
        }
        #expect(firsts == 1)
        let hops = batch.takeAll()
        #expect(hops.map(\.work) == Array(repeating: [0, 1, 2, 3], count: 3))
    }
}
