import NIOConcurrencyHelpers
import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

/// A shared store that hands out the live session of a connected socket (as the Redis store does for a
/// node that may have died): the newest session it was told about, once.
final class LiveCopySessionStore: SocketIOSessionStore {
    private let live = NIOLockedValueBox([String: SocketIOSession]())

    func recordPacket(namespace: String, offset: String, packet: [JSONValue], options: SocketIOBroadcastOptions) {}
    func saveSession(_ session: SocketIOSession) {}
    func restoreSession(
        namespace: String, pid: String, offset: String,
        completion: @escaping @Sendable (SocketIORecoveredSession?) -> Void
    ) {
        let session = live.withLockedValue { $0.removeValue(forKey: pid) }
        completion(session.map { SocketIORecoveredSession(session: $0, missedPackets: []) })
    }
    func sessionChanged(_ session: SocketIOSession) { live.withLockedValue { $0[session.pid] = session } }
}

/// A client that comes back to the same server while its old connection there is still open (half-open)
/// and recovers its live session: the old socket leaves first, then the recovered one (same id) joins.
@Suite struct SameServerTakeoverTests {
    @Test func theOldSocketLeavesBeforeTheRecoveredOneWithTheSameIDConnects() throws {
        let harness = Harness(configuration: .init(connectionStateRecovery: .init(store: LiveCopySessionStore())))
        let order = NIOLockedValueBox([String]())
        harness.server.onConnection { socket in
            order.withLockedValue { $0.append("connect \(socket.recovered)") }
            socket.onDisconnect { _, reason in order.withLockedValue { $0.append("disconnect \(reason.rawValue)") } }
        }
        let old = harness.open(id: "old")
        old.receive("0")
        let reply = try JSONParser().parse(String(try #require(old.takeSent().last?.text).dropFirst()))
        let sid = try #require(reply["sid"]?.stringValue)
        let pid = try #require(reply["pid"]?.stringValue)
        let oldSocket = try #require(harness.server.mainNamespace.socket(id: sid))
        oldSocket.join("room")

        let new = harness.open(id: "new")
        new.receive("0{\"pid\":\"\(pid)\",\"offset\":\"x\"}")
        let answer = try JSONParser().parse(String(try #require(new.takeSent().last?.text).dropFirst()))
        #expect(answer["sid"]?.stringValue == sid, "the session was recovered")
        #expect(order.withLockedValue { $0 } == ["connect false", "disconnect transport close", "connect true"])
        #expect(!oldSocket.isConnected)
        let newSocket = try #require(harness.server.mainNamespace.socket(id: sid))
        #expect(newSocket !== oldSocket)
        #expect(newSocket.rooms == [sid, "room"])
        #expect(harness.server.mainNamespace.sockets.count == 1)

        // The old connection finally drops: the recovered socket keeps its rooms.
        old.finish(.transportClose)
        #expect(newSocket.isConnected)
        #expect(newSocket.rooms == [sid, "room"])
        #expect(harness.server.mainNamespace.sockets.count == 1)
    }
}
