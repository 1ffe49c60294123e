import Testing

@testable import SocketIO

@Suite("Room member sets: one element inline, a Set from the second on")
struct CompactStringSetTests {
    @Test func insertingKeepsOneElementInlineThenSwitchesToASet() {
        var set = CompactStringSet.empty
        #expect(set.isEmpty)
        set.insert("a")
        #expect(set == .one("a"))
        set.insert("a")
        #expect(set == .one("a"), "inserting the same element changes nothing")
        set.insert("b")
        #expect(set == .many(["a", "b"]))
        #expect(set.count == 2)
        #expect(set.contains("b"))
        #expect(!set.contains("c"))
    }

    @Test func removingEmptiesAndMissingElementsAreIgnored() {
        var one = CompactStringSet.one("a")
        one.remove("b")
        #expect(one == .one("a"))
        one.remove("a")
        #expect(one.isEmpty)
        var many = CompactStringSet(["a", "b", "c"])
        many.remove("b")
        #expect(many.set == ["a", "c"])
        many.remove("a")
        many.remove("c")
        #expect(many.isEmpty)
        #expect(many.count == 0)
    }

    @Test func viewsListEveryElement() {
        for elements in [[], ["x"], ["x", "y", "z"]] as [[String]] {
            let set = CompactStringSet(elements)
            #expect(set.set == Set(elements))
            #expect(set.array.sorted() == elements.sorted())
            var seen: [String] = []
            set.forEach { seen.append($0) }
            #expect(seen.sorted() == elements.sorted())
            #expect(set.count == elements.count)
        }
    }

    @Test func unionAddsEachElementOnce() {
        var set = CompactStringSet.one("a")
        set.formUnion(["a", "b", "b", "c"])
        #expect(set.set == ["a", "b", "c"])
    }

    @Test func insertAndRemoveReportWhetherTheSetChanged() {
        var set = CompactStringSet.empty
        let results = [
            set.insert("a"), set.insert("a"), set.insert("b"), set.insert("b"),
            set.remove("c"), set.remove("a"), set.remove("a"),
        ]
        #expect(results == [true, false, true, false, false, true, false])
        var one = CompactStringSet.one("x")
        let fromOne = [one.remove("y"), one.remove("x"), one.remove("x")]
        #expect(fromOne == [false, true, false])
    }
}
