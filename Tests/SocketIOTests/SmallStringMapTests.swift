import Testing

@testable import SocketIO

@Suite("Small string-keyed maps: an array up to eight entries, a dictionary beyond")
struct SmallStringMapTests {
    @Test func setGetReplaceAndRemove() {
        var table = SmallStringMap<Int>()
        #expect(table["a"] == nil)
        table["a"] = 1
        table["b"] = 2
        table["a"] = 3
        #expect(table["a"] == 3)
        #expect(table["b"] == 2)
        #expect(table.count == 2)
        table["a"] = nil
        #expect(table["a"] == nil)
        #expect(table["b"] == 2)
        #expect(table.count == 1)
        table["missing"] = nil
        #expect(table.count == 1)
    }

    @Test func manyEventsKeepEveryValueAcrossTheSwitchToADictionary() {
        var table = SmallStringMap<Int>()
        let limit = SmallStringMap<Int>.largeThreshold * 3
        for index in 0..<limit { table["event\(index)"] = index }
        #expect(table.count == limit)
        for index in 0..<limit { #expect(table["event\(index)"] == index) }
        table["event0"] = 100
        table["event1"] = nil
        #expect(table["event0"] == 100)
        #expect(table["event1"] == nil)
        #expect(table.count == limit - 1)
    }

    @Test func fiveHandlersTakeLessThanADictionary() {
        var table = SmallStringMap<Int>()
        for event in ["echo", "join", "leave", "bcast", "stats"] { table[event] = event.count }
        #expect(table["leave"] == 5)
        #expect(table.count == 5)
    }

    @Test func copiesAreIndependent() {
        var table = SmallStringMap<Int>()
        table["a"] = 1
        var copy = table
        copy["a"] = 2
        copy["b"] = 3
        #expect(table["a"] == 1)
        #expect(table["b"] == nil)
        #expect(copy["a"] == 2)
    }

    @Test func entriesKeepInsertionOrderWhileSmallAndRemoveAllEmpties() {
        var map = SmallStringMap<Int>()
        #expect(map.isEmpty)
        map["/b"] = 1
        map["/a"] = 2
        map["/c"] = 3
        map["/a"] = nil
        #expect(map.entries.map(\.key) == ["/b", "/c"])
        #expect(map.values == [1, 3])
        map.removeAll()
        #expect(map.isEmpty)
        #expect(map["/b"] == nil)
    }

    @Test func largeMapsListEveryEntry() {
        var map = SmallStringMap<Int>()
        for index in 0..<20 { map["k\(index)"] = index }
        #expect(map.entries.map(\.key).sorted() == (0..<20).map { "k\($0)" }.sorted())
        #expect(map.values.sorted() == Array(0..<20))
    }
}
