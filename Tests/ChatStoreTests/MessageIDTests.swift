import ChatStore
import Testing

@Suite struct MessageIDTests {
    @Test func partsRoundTripThroughRawValueAndText() throws {
        let id = try #require(MessageID(milliseconds: 1_700_000_000_123, sequence: 42))
        #expect(id.milliseconds == 1_700_000_000_123)
        #expect(id.sequence == 42)
        #expect(id.description == "1700000000123-42")
        #expect(MessageID("1700000000123-42") == id)
        #expect(MessageID(rawValue: id.rawValue) == id)
    }

    @Test func orderingFollowsTimeThenSequence() throws {
        let a = try #require(MessageID(milliseconds: 10, sequence: 5))
        let b = try #require(MessageID(milliseconds: 11, sequence: 0))
        let c = try #require(MessageID(milliseconds: 11, sequence: 1))
        #expect(a < b && b < c)
    }

    @Test(arguments: ["", "-", "1-", "-1", "1-2-3", "a-1", "1-b", " 1-1", "1-1 ", "+1-1", "99999999999999999999999-0"])
    func malformedTextIsRejected(_ text: String) {
        #expect(MessageID(text) == nil)
    }

    @Test func outOfRangePartsAreRejected() {
        #expect(MessageID(milliseconds: MessageID.maxMilliseconds + 1, sequence: 0) == nil)
        #expect(MessageID(milliseconds: 0, sequence: MessageID.maxSequence + 1) == nil)
        #expect(MessageID(rawValue: -1) == nil)
        #expect(MessageID("0-4194304") == nil)
        #expect(MessageID("0-4194303") != nil)
    }

    @Test func generatorIsStrictlyIncreasingWhenTheClockStallsOrStepsBack() {
        var generator = MessageIDGenerator()
        let first = generator.next(nowMilliseconds: 1000)
        let second = generator.next(nowMilliseconds: 1000)
        let third = generator.next(nowMilliseconds: 900)
        let fourth = generator.next(nowMilliseconds: 1001)
        #expect(first.description == "1000-0")
        #expect(second.description == "1000-1")
        #expect(third.description == "1000-2")
        #expect(fourth.description == "1001-0")
    }

    @Test func generatorBorrowsTheNextMillisecondWhenTheSequenceIsExhausted() throws {
        let start: MessageID = try #require(MessageID(milliseconds: 5, sequence: MessageID.maxSequence))
        var generator = MessageIDGenerator(after: start)
        #expect(generator.next(nowMilliseconds: 5).description == "6-0")
    }
}
