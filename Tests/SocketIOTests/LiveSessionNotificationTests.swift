import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

/// A store that records what the server tells it about live sessions.
final class RecordingSessionStore: SocketIOSessionStore {
    enum Call: Hashable {
        case changed(SocketIOSession)
        case saved(SocketIOSession)
        case ended(namespace: String, pid: String)
    }

    let inner = InMemorySessionStore()
    private let log = NIOLockedValueBox([Call]())

    var calls: [Call] { log.withLockedValue { $0 } }

    func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions) {
        inner.recordPacket(namespace: namespace, offset: offset, packet: packet, options: options)
    }
    func saveSession(_ session: SocketIOSession) {
        log.withLockedValue { $0.append(.saved(session)) }
        inner.saveSession(session)
    }
    func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    ) {
        inner.restoreSession(namespace: namespace, pid: pid, offset: offset, completion: completion)
    }
    func sessionChanged(_ session: SocketIOSession) { log.withLockedValue { $0.append(.changed(session)) } }
    func sessionEnded(namespace: String, pid: String) { log.withLockedValue { $0.append(.ended(namespace: namespace, pid: pid)) } }
}

/// The server tells the session store about live sessions (for a shared store that outlives the server),
/// on connect and on rooms or data changes only.
@Suite struct LiveSessionNotificationTests {
    let store = RecordingSessionStore()
    let harness: Harness

    init() {
        harness = Harness(configuration: .init(connectionStateRecovery: .init(store: store)))
    }

    func connect(id: String) throws -> (FakeEngineConnection, SocketIOSocket, String) {
        let connection = harness.open(id: id)
        connection.receive("0")
        let text = try #require(connection.takeSent().last?.text)
        let reply = try JSONParser().parse(String(text.dropFirst()))
        let sid = try #require(reply["sid"]?.stringValue)
        let socket = try #require(harness.server.mainNamespace.socket(id: sid))
        return (connection, socket, try #require(reply["pid"]?.stringValue))
    }

    @Test func connectJoinLeaveAndDataChangesAreReportedButEventsAreNot() throws {
        let (_, socket, pid) = try connect(id: "a")
        let sid = socket.id
        func session(_ rooms: Set<String>, _ data: JSONValue) -> RecordingSessionStore.Call {
            .changed(SocketIOSession(namespace: "/", sid: sid, pid: pid, rooms: rooms, data: data))
        }
        socket.join("r")
        harness.server.emit("news")
        socket.emit("direct")
        socket.data = ["user": "ada"]
        socket.data = ["user": "ada"]  // unchanged: not reported again
        socket.leave("r")
        #expect(store.calls == [
            session([sid], .null), session([sid, "r"], .null), session([sid, "r"], ["user": "ada"]),
            session([sid], ["user": "ada"]),
        ])
    }

    @Test func roomsChangedThroughTheAdapterAreReportedToo() throws {
        let (_, socket, pid) = try connect(id: "a")
        harness.server.socketsJoin("all")
        harness.server.socketsLeave("all")
        let sid = socket.id
        #expect(store.calls.suffix(2) == [
            .changed(SocketIOSession(namespace: "/", sid: sid, pid: pid, rooms: [sid, "all"], data: .null)),
            .changed(SocketIOSession(namespace: "/", sid: sid, pid: pid, rooms: [sid], data: .null)),
        ])
    }

    @Test func aTransportCloseSavesTheSessionAndADeliberateDisconnectEndsIt() throws {
        let (first, dropped, droppedPid) = try connect(id: "a")
        let (second, left, leftPid) = try connect(id: "b")
        first.finish(.transportClose)
        second.receive("1")
        let tail = Array(store.calls.suffix(2))
        #expect(tail == [
            .saved(SocketIOSession(namespace: "/", sid: dropped.id, pid: droppedPid, rooms: [dropped.id], data: .null)),
            .ended(namespace: "/", pid: leftPid),
        ])
        #expect(!left.isConnected)
    }

    @Test func aSocketThatIsNotConnectedReportsNothing() throws {
        let (connection, socket, _) = try connect(id: "a")
        connection.finish(.transportClose)
        let before = store.calls.count
        socket.data = ["late": true]
        socket.join("late")
        #expect(store.calls.count == before)
    }
}
