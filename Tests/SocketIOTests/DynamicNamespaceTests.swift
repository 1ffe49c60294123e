import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct DynamicNamespaceTests {
    @Test func clientJoinsAChildCreatedByAClosureMatch() {
        let harness = Harness()
        let connected = Recorder<String>()
        let parent = harness.server.of(matching: { name, _ in name.hasPrefix("/team-") })
        parent.onConnection { connected.record($0.namespace.name) }
        let connection = harness.open()
        connection.receive("0/team-7,")
        #expect(connection.takeSent().first?.text?.hasPrefix(#"0/team-7,{"sid":"#) == true)
        #expect(connected.values == ["/team-7"])
        #expect(parent.children.map(\.name) == ["/team-7"])
        #expect(parent.children.first?.parent === parent)
    }

    @Test func unmatchedNameIsStillRefused() {
        let harness = Harness()
        _ = harness.server.of(matching: { name, _ in name.hasPrefix("/team-") })
        let connection = harness.open()
        connection.receive("0/other,")
        #expect(connection.takeSent() == [.text(#"4/other,{"message":"Invalid namespace"}"#)])
    }

    @Test func closureSeesTheAuthPayload() {
        let harness = Harness()
        _ = harness.server.of(matching: { _, auth in auth["token"]?.stringValue == "ok" })
        let refused = harness.open(id: "a")
        refused.receive(#"0/x,{"token":"no"}"#)
        #expect(refused.takeSent() == [.text(#"4/x,{"message":"Invalid namespace"}"#)])
        let accepted = harness.open(id: "b")
        accepted.receive(#"0/x,{"token":"ok"}"#)
        #expect(accepted.takeSent().first?.text?.hasPrefix(#"0/x,{"sid":"#) == true)
    }

    @Test func regexMatchesWholeNames() throws {
        let harness = Harness()
        let parent = try harness.server.of(regex: #"/room-\d+"#)
        let good = harness.open(id: "a")
        good.receive("0/room-12,")
        #expect(good.takeSent().first?.text?.hasPrefix(#"0/room-12,{"sid":"#) == true)
        let bad = harness.open(id: "b")
        bad.receive("0/room-12x,")
        #expect(bad.takeSent() == [.text(#"4/room-12x,{"message":"Invalid namespace"}"#)])
        #expect(parent.children.map(\.name) == ["/room-12"])
    }

    @Test func staticNamespaceWinsOverAMatchingParent() {
        let harness = Harness()
        let fromParent = Recorder<String>()
        let fromStatic = Recorder<String>()
        let parent = harness.server.of(matching: { _, _ in true })
        parent.onConnection { fromParent.record($0.namespace.name) }
        harness.server.of("/fixed").onConnection { fromStatic.record($0.namespace.name) }
        let connection = harness.open()
        connection.receive("0/fixed,")
        #expect(fromStatic.values == ["/fixed"])
        #expect(fromParent.values.isEmpty)
        #expect(parent.children.isEmpty)
    }

    @Test func childrenShareTheParentsMiddlewaresAddedBeforeAndAfter() {
        let harness = Harness()
        let seen = Recorder<String>()
        let parent = harness.server.of(matching: { name, _ in name.hasPrefix("/g") })
        parent.use { socket, next in seen.record("early:" + socket.namespace.name); next(nil) }
        let first = harness.open(id: "a")
        first.receive("0/g1,")
        parent.use { socket, next in
            seen.record("late:" + socket.namespace.name)
            next(SocketIOMiddlewareError(message: "closed"))
        }
        let second = harness.open(id: "b")
        second.receive("0/g1,")
        #expect(seen.values == ["early:/g1", "early:/g1", "late:/g1"])
        #expect(second.takeSent() == [.text(#"4/g1,{"message":"closed"}"#)])
    }

    @Test func secondClientJoinsTheSameChild() {
        let harness = Harness()
        let parent = harness.server.of(matching: { _, _ in true })
        harness.open(id: "a").receive("0/same,")
        harness.open(id: "b").receive("0/same,")
        #expect(parent.children.count == 1)
        #expect(parent.children.first?.sockets.count == 2)
    }

    @Test func parentEmitReachesEveryChild() {
        let harness = Harness()
        let parent = harness.server.of(matching: { _, _ in true })
        let a = harness.open(id: "a")
        a.receive("0/one,")
        let b = harness.open(id: "b")
        b.receive("0/two,")
        _ = a.takeSent()
        _ = b.takeSent()
        parent.emit("hi", 1)
        #expect(a.takeSent() == [.text(#"2/one,["hi",1]"#)])
        #expect(b.takeSent() == [.text(#"2/two,["hi",1]"#)])
    }

    @Test func emptyChildIsRemovedWhenCleanupIsOn() {
        let harness = Harness(configuration: .init(cleanupEmptyChildNamespaces: true))
        let parent = harness.server.of(matching: { _, _ in true })
        let connection = harness.open()
        connection.receive("0/tmp,")
        let first = parent.children.first
        #expect(first != nil)
        connection.receive("1/tmp,")
        #expect(parent.children.isEmpty)
        connection.receive("0/tmp,")
        #expect(parent.children.count == 1)
        #expect(parent.children.first !== first)
    }

    @Test func emptyChildStaysWithoutCleanup() {
        let harness = Harness()
        let parent = harness.server.of(matching: { _, _ in true })
        let connection = harness.open()
        connection.receive("0/tmp,")
        connection.receive("1/tmp,")
        #expect(parent.children.map(\.name) == ["/tmp"])
    }
}
