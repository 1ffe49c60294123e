import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import SocketIO
import SwitchboardJSON
import Testing

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let time = NIOLockedValueBox(NIODeadline.uptimeNanoseconds(1_000_000_000))
    var now: NIODeadline { time.withLockedValue { $0 } }
    func advance(by amount: TimeAmount) { time.withLockedValue { $0 = $0 + amount } }
}

@Suite struct ConnectionStateRecoveryTests {
    let clock = ManualClock()
    let harness: Harness

    init() {
        let clock = clock
        let store = InMemorySessionStore(maxDisconnectionDuration: .minutes(2), now: { clock.now })
        harness = Harness(configuration: .init(connectionStateRecovery: .init(store: store)))
    }

    /// Connects to `/` with `auth`; returns the connection and the CONNECT reply payload.
    func connect(id: String, auth: String = "") throws -> (FakeEngineConnection, JSONValue, [WireMessage]) {
        let connection = harness.open(id: id)
        connection.receive("0" + auth)
        let sent = connection.takeSent()
        let reply = try #require(sent.last?.text)
        #expect(reply.hasPrefix("0{"))
        return (connection, try JSONParser().parse(String(reply.dropFirst())), Array(sent.dropLast()))
    }

    func lastArgument(_ message: WireMessage?) throws -> String {
        let text = try #require(message?.text)
        let payload = try JSONParser().parse(String(text.dropFirst()))
        return try #require(payload.arrayValue?.last?.stringValue)
    }

    @Test func connectReplyCarriesSidAndPidAndEventsCarryAnOffset() throws {
        let (connection, reply, _) = try connect(id: "a")
        #expect(reply["sid"]?.stringValue?.count == 20)
        #expect(reply["pid"]?.stringValue?.count == 20)
        harness.server.emit("news", 1)
        let socket = try #require(harness.server.mainNamespace.sockets.first)
        socket.emit("direct")
        let sent = connection.takeSent()
        #expect(sent.count == 2)
        #expect(sent[0].text?.hasPrefix(#"2["news",1,""#) == true)
        #expect(sent[1].text?.hasPrefix(#"2["direct",""#) == true)
        #expect(try lastArgument(sent[0]) != lastArgument(sent[1]))
    }

    @Test func volatileAndAcknowledgedEventsCarryNoOffset() throws {
        let (connection, _, _) = try connect(id: "a")
        let socket = try #require(harness.server.mainNamespace.sockets.first)
        harness.server.mainNamespace.volatile.emit("v")
        socket.emit("q") { _ in }
        #expect(connection.takeSent() == [.text(#"2["v"]"#), .text(#"20["q"]"#)])
    }

    @Test func reconnectingWithPidAndOffsetRestoresTheSocket() throws {
        let (first, reply, _) = try connect(id: "a")
        let sid = try #require(reply["sid"]?.stringValue)
        let pid = try #require(reply["pid"]?.stringValue)
        let socket = try #require(harness.server.mainNamespace.socket(id: sid))
        socket.join("r")
        socket.data = ["user": "ada"]
        harness.server.emit("seen")
        let offset = try lastArgument(first.takeSent().last)
        first.finish(.transportClose)
        #expect(!socket.isConnected)

        harness.server.to("r").emit("missed", 1)
        harness.server.to("elsewhere").emit("not-for-you")
        harness.server.emit("missed-too")

        let (second, secondReply, replayed) = try connect(id: "b", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
        #expect(secondReply["sid"]?.stringValue == sid)
        #expect(secondReply["pid"]?.stringValue == pid)
        #expect(replayed.count == 2)
        #expect(replayed.first?.text?.hasPrefix(#"2["missed",1,""#) == true)
        #expect(replayed.last?.text?.hasPrefix(#"2["missed-too",""#) == true)
        let restored = try #require(harness.server.mainNamespace.socket(id: sid))
        #expect(restored.recovered)
        #expect(restored.rooms == [sid, "r"])
        #expect(restored.data == ["user": "ada"])
        harness.server.to("r").emit("live")
        #expect(second.takeSent().first?.text?.hasPrefix(#"2["live",""#) == true)
    }

    @Test func sessionIsHandedOutOnlyOnce() throws {
        let (first, reply, _) = try connect(id: "a")
        let pid = try #require(reply["pid"]?.stringValue)
        harness.server.emit("seen")
        let offset = try lastArgument(first.takeSent().last)
        first.finish(.pingTimeout)
        let auth = #"{"pid":"\#(pid)","offset":"\#(offset)"}"#
        _ = try connect(id: "b", auth: auth)
        let (_, third, _) = try connect(id: "c", auth: auth)
        #expect(third["sid"]?.stringValue != reply["sid"]?.stringValue)
    }

    @Test func expiredSessionIsNotRecovered() throws {
        let (first, reply, _) = try connect(id: "a")
        let pid = try #require(reply["pid"]?.stringValue)
        harness.server.emit("seen")
        let offset = try lastArgument(first.takeSent().last)
        first.finish(.transportClose)
        clock.advance(by: .minutes(2) + .seconds(1))
        let (_, second, replayed) = try connect(id: "b", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
        #expect(second["sid"]?.stringValue != reply["sid"]?.stringValue)
        #expect(replayed.isEmpty)
        #expect(harness.server.mainNamespace.sockets.allSatisfy { !$0.recovered })
    }

    @Test func deliberateDisconnectKeepsNoSession() throws {
        let (first, reply, _) = try connect(id: "a")
        let pid = try #require(reply["pid"]?.stringValue)
        harness.server.emit("seen")
        let offset = try lastArgument(first.takeSent().last)
        first.receive("1")
        let (_, second, _) = try connect(id: "b", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
        #expect(second["sid"]?.stringValue != reply["sid"]?.stringValue)
    }

    @Test func unknownOffsetIsNotRecovered() throws {
        let (first, reply, _) = try connect(id: "a")
        let pid = try #require(reply["pid"]?.stringValue)
        first.finish(.transportClose)
        let (_, second, _) = try connect(id: "b", auth: #"{"pid":"\#(pid)","offset":"nope"}"#)
        #expect(second["sid"]?.stringValue != reply["sid"]?.stringValue)
    }

    @Test func recoveredSocketSkipsMiddlewaresByDefault() throws {
        let ran = Recorder<Bool>()
        harness.server.use { socket, next in ran.record(socket.recovered); next(nil) }
        let (first, reply, _) = try connect(id: "a")
        let pid = try #require(reply["pid"]?.stringValue)
        harness.server.emit("seen")
        let offset = try lastArgument(first.takeSent().last)
        first.finish(.transportError)
        _ = try connect(id: "b", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
        #expect(ran.values == [false])
    }

    @Test func middlewaresRunForRecoveredSocketsWhenNotSkipped() throws {
        let harness = Harness(configuration: .init(connectionStateRecovery: .init(skipMiddlewares: false)))
        let ran = Recorder<Bool>()
        harness.server.use { socket, next in ran.record(socket.recovered); next(nil) }
        let (_, auth) = try harness.disconnectedSession()
        let second = harness.open(id: "b")
        second.receive("0" + auth)
        #expect(ran.values == [false, true])
    }
}

@Suite struct InMemorySessionStoreTests {
    @Test func packetSelectionFollowsRoomsAndExceptions() {
        #expect(InMemorySessionStoreProbe.reaches(rooms: [], except: [], socketRooms: ["a"]))
        #expect(InMemorySessionStoreProbe.reaches(rooms: ["a"], except: [], socketRooms: ["a", "b"]))
        #expect(!InMemorySessionStoreProbe.reaches(rooms: ["c"], except: [], socketRooms: ["a", "b"]))
        #expect(!InMemorySessionStoreProbe.reaches(rooms: [], except: ["b"], socketRooms: ["a", "b"]))
    }

    @Test func oldPacketsArePrunedSoTheirOffsetsNoLongerRecover() {
        let clock = ManualClock()
        let store = InMemorySessionStore(maxDisconnectionDuration: .seconds(10), now: { clock.now })
        store.recordPacket(namespace: "/", offset: "o1", packet: ["e", "o1"], options: SocketIOBroadcastOptions())
        store.saveSession(SocketIOSession(namespace: "/", sid: "s", pid: "p", rooms: ["s"], data: .null))
        clock.advance(by: .seconds(11))
        store.recordPacket(namespace: "/", offset: "o2", packet: ["e", "o2"], options: SocketIOBroadcastOptions())
        store.saveSession(SocketIOSession(namespace: "/", sid: "s2", pid: "p2", rooms: ["s2"], data: .null))
        let results = Recorder<SocketIORecoveredSession?>()
        store.restoreSession(namespace: "/", pid: "p", offset: "o1") { results.record($0) }
        store.restoreSession(namespace: "/", pid: "p2", offset: "o1") { results.record($0) }
        store.restoreSession(namespace: "/other", pid: "p2", offset: "o2") { results.record($0) }
        #expect(results.values == [nil, nil, nil])
    }
}

/// Checks the store's selection rule through its public behaviour.
enum InMemorySessionStoreProbe {
    static func reaches(rooms: Set<String>, except: Set<String>, socketRooms: Set<String>) -> Bool {
        let store = InMemorySessionStore()
        store.recordPacket(namespace: "/", offset: "start", packet: ["s", "start"], options: SocketIOBroadcastOptions())
        store.recordPacket(namespace: "/", offset: "x", packet: ["e", "x"], options: SocketIOBroadcastOptions(rooms: rooms, except: except))
        store.saveSession(SocketIOSession(namespace: "/", sid: "s", pid: "p", rooms: socketRooms, data: .null))
        let result = Recorder<SocketIORecoveredSession?>()
        store.restoreSession(namespace: "/", pid: "p", offset: "start") { result.record($0) }
        return result.last??.missedPackets.count == 1
    }
}

/// A store that answers restores only when the test says so (like a remote store would, later).
final class DeferredSessionStore: SocketIOSessionStore {
    let inner = InMemorySessionStore()
    let pending = NIOLockedValueBox([@Sendable () -> Void]())

    func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions) {
        inner.recordPacket(namespace: namespace, offset: offset, packet: packet, options: options)
    }
    func saveSession(_ session: SocketIOSession) { inner.saveSession(session) }
    func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    ) {
        pending.withLockedValue { $0.append { self.inner.restoreSession(namespace: namespace, pid: pid, offset: offset, completion: completion) } }
    }
    func answerAll() {
        for answer in pending.withLockedValue({ list in defer { list.removeAll() }; return list }) { answer() }
    }
}

@Suite struct DeferredRecoveryTests {
    let store = DeferredSessionStore()
    let harness: Harness

    init() {
        harness = Harness(configuration: .init(connectionStateRecovery: .init(store: store)))
    }

    @Test func socketConnectsOnceTheStoreAnswers() throws {
        let (sid, auth) = try harness.disconnectedSession()
        let second = harness.open(id: "b")
        second.receive("0" + auth)
        #expect(second.takeSent().isEmpty)
        second.receive("0" + auth)  // a duplicate CONNECT while restoring is ignored
        store.answerAll()
        let sent = second.takeSent()
        #expect(sent.count == 1)
        #expect(sent.first?.text?.hasPrefix(#"0{"sid":"\#(sid)""#) == true)
        #expect(harness.server.mainNamespace.socket(id: sid)?.recovered == true)
    }

    @Test func answerAfterTheClientLeftIsDiscarded() throws {
        let (sid, auth) = try harness.disconnectedSession()
        let second = harness.open(id: "b")
        second.receive("0" + auth)
        second.finish(.transportClose)
        store.answerAll()
        #expect(harness.server.mainNamespace.socket(id: sid) == nil)
        #expect(harness.server.mainNamespace.sockets.isEmpty)
        let third = harness.open(id: "c")
        third.receive("0" + auth)
        store.answerAll()
        #expect(third.takeSent().last?.text?.hasPrefix(#"0{"sid":"\#(sid)""#) == true)
    }
}

extension Harness {
    /// Connects socket "a" to `/`, broadcasts one event so it has an offset, then closes its transport;
    /// returns the socket id and the recovery auth (`{"pid":…,"offset":…}`) a new connection would send.
    func disconnectedSession() throws -> (sid: String, auth: String) {
        let first = open(id: "a")
        first.receive("0")
        let reply = try JSONParser().parse(String(try #require(first.takeSent().first?.text).dropFirst()))
        server.emit("seen")
        let text = try #require(first.takeSent().last?.text)
        let offset = try #require(try JSONParser().parse(String(text.dropFirst())).arrayValue?.last?.stringValue)
        first.finish(.transportClose)
        let pid = try #require(reply["pid"]?.stringValue)
        return (try #require(reply["sid"]?.stringValue), #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
    }
}
