import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

@testable import SwitchboardClient

@Suite("Namespace socket state machine")
struct NamespaceSocketStateMachineTests {
    typealias Machine = NamespaceSocketStateMachine
    static let t0 = NIODeadline.uptimeNanoseconds(5_000_000_000)

    static func connected(
        namespace: String = "/", auth: JSONObject? = nil, retries: Int = 0, ackTimeout: TimeAmount? = nil,
        pid: String? = nil
    ) -> Machine {
        var machine = Machine(namespace: namespace, auth: auth, retries: retries, ackTimeout: ackTimeout)
        _ = machine.open(engineOpen: true)
        var data: JSONObject = ["sid": "s1"]
        if let pid { data["pid"] = .string(pid) }
        _ = machine.received(SocketIOPacket(type: .connect, namespace: namespace, data: .object(data)), now: t0)
        return machine
    }

    static func event(_ name: String, _ args: [JSONValue] = [], id: Int? = nil, nsp: String = "/") -> SocketIOPacket {
        SocketIOPacket.event(name, arguments: args, namespace: nsp, ackID: id)
    }

    @Test func openWithEngineOpenSendsConnectWithAuth() {
        var machine = Machine(namespace: "/guarded", auth: ["token": "secret"])
        let actions = machine.open(engineOpen: true)
        #expect(actions == [.send(SocketIOPacket(type: .connect, namespace: "/guarded", data: ["token": "secret"]))])
        #expect(machine.state == .connecting)
    }

    @Test func openWaitsForTheEngineThenSendsConnectWithoutPayload() {
        var machine = Machine(namespace: "/")
        #expect(machine.open(engineOpen: false).isEmpty)
        #expect(machine.state == .awaitingEngine)
        #expect(machine.engineOpened() == [.send(SocketIOPacket(type: .connect, namespace: "/"))])
    }

    @Test func connectAnswerConnectsAndFlushesTheOfflineBufferInOrder() {
        var machine = Machine(namespace: "/")
        _ = machine.emit("a", arguments: [1], options: .init(), now: Self.t0)
        _ = machine.emit("b", arguments: [2], options: .init(), now: Self.t0)
        _ = machine.open(engineOpen: true)
        let actions = machine.received(SocketIOPacket(type: .connect, data: ["sid": "s1"]), now: Self.t0)
        #expect(actions == [.reportConnect, .send(Self.event("a", [1])), .send(Self.event("b", [2]))])
        #expect(machine.sid == "s1")
        #expect(machine.offlineBuffer.isEmpty)
    }

    @Test func volatileEmitsAreDroppedWhileDisconnected() {
        var machine = Machine(namespace: "/")
        let (id, actions) = machine.emit("v", arguments: [], options: .init(isVolatile: true), now: Self.t0)
        #expect(id == nil)
        #expect(actions.isEmpty)
        #expect(machine.offlineBuffer.isEmpty)
        var online = Self.connected()
        #expect(online.emit("v", arguments: [], options: .init(isVolatile: true), now: Self.t0).actions == [.send(Self.event("v"))])
    }

    @Test func connectErrorIsReportedAndTheSocketGoesIdle() {
        var machine = Machine(namespace: "/guarded")
        _ = machine.open(engineOpen: true)
        let payload: JSONValue = ["message": "not authorized", "data": ["reason": "bad token"]]
        let actions = machine.received(SocketIOPacket(type: .connectError, namespace: "/guarded", data: payload), now: Self.t0)
        #expect(actions == [.reportConnectError(payload)])
        #expect(machine.state == .idle)
        #expect(machine.engineOpened().isEmpty)
    }

    @Test func connectWithoutSidIsAConnectError() {
        var machine = Machine(namespace: "/")
        _ = machine.open(engineOpen: true)
        let actions = machine.received(SocketIOPacket(type: .connect, data: [:]), now: Self.t0)
        #expect(actions.count == 1)
        #expect(machine.state == .idle)
    }

    @Test func eventsAreDeliveredWithTheirAckID() {
        var machine = Self.connected()
        #expect(machine.received(Self.event("hi", ["x"], id: 7), now: Self.t0) == [.deliverEvent(name: "hi", arguments: ["x"], ackID: 7)])
    }

    @Test func eventsForADisconnectedSocketAreIgnored() {
        var machine = Machine(namespace: "/")
        #expect(machine.received(Self.event("hi"), now: Self.t0).isEmpty)
    }

    @Test func eventsBeforeTheConnectAnswerAreDeliveredFirstOnConnection() {
        // A recovering server sends the missed events before its CONNECT answer.
        var machine = Machine(namespace: "/")
        _ = machine.open(engineOpen: true)
        #expect(machine.received(Self.event("missed", [1, "o-1"]), now: Self.t0).isEmpty)
        #expect(machine.received(Self.event("missed", [2, "o-2"]), now: Self.t0).isEmpty)
        let actions = machine.received(SocketIOPacket(type: .connect, namespace: "/", data: ["sid": "s"]), now: Self.t0)
        #expect(actions == [
            .deliverEvent(name: "missed", arguments: [1, "o-1"], ackID: nil),
            .deliverEvent(name: "missed", arguments: [2, "o-2"], ackID: nil),
            .reportConnect,
        ])
    }

    @Test func eventsBufferedBeforeARefusalAreDropped() {
        var machine = Machine(namespace: "/")
        _ = machine.open(engineOpen: true)
        _ = machine.received(Self.event("early"), now: Self.t0)
        _ = machine.received(SocketIOPacket(type: .connectError, namespace: "/", data: ["message": "no"]), now: Self.t0)
        _ = machine.open(engineOpen: true)
        #expect(machine.received(SocketIOPacket(type: .connect, namespace: "/", data: ["sid": "s"]), now: Self.t0) == [.reportConnect])
    }

    @Test func ackIDsIncreaseAndAcksResolveOnce() {
        var machine = Self.connected()
        let first = machine.emit("a", arguments: [], options: .init(wantsAck: true), now: Self.t0)
        let second = machine.emit("b", arguments: [], options: .init(wantsAck: true), now: Self.t0)
        #expect(first.ackID == 0)
        #expect(second.ackID == 1)
        #expect(first.actions == [.send(Self.event("a", id: 0))])
        let ack = SocketIOPacket(type: .ack, ackID: 1, data: ["ok"])
        #expect(machine.received(ack, now: Self.t0) == [.resolveAck(id: 1, arguments: ["ok"])])
        #expect(machine.received(ack, now: Self.t0).isEmpty)
    }

    @Test func ackTimeoutFailsTheAck() {
        var machine = Self.connected()
        let (id, _) = machine.emit("a", arguments: [], options: .init(wantsAck: true, timeout: .milliseconds(100)), now: Self.t0)
        #expect(machine.nextDeadline == Self.t0 + .milliseconds(100))
        #expect(machine.checkDeadlines(now: Self.t0 + .milliseconds(99)).isEmpty)
        #expect(machine.checkDeadlines(now: Self.t0 + .milliseconds(100)) == [.failAck(id: id!, reason: .timedOut)])
        #expect(machine.received(SocketIOPacket(type: .ack, ackID: id, data: []), now: Self.t0).isEmpty)
    }

    @Test func timedOutOfflineEmitIsRemovedFromTheBuffer() {
        var machine = Machine(namespace: "/")
        let (id, _) = machine.emit("a", arguments: [], options: .init(wantsAck: true, timeout: .milliseconds(10)), now: Self.t0)
        #expect(machine.checkDeadlines(now: Self.t0 + .seconds(1)) == [.failAck(id: id!, reason: .timedOut)])
        #expect(machine.offlineBuffer.isEmpty)
    }

    @Test func disconnectionFailsSentAcksButKeepsBufferedOnes() {
        var machine = Self.connected()
        let sent = machine.emit("a", arguments: [], options: .init(wantsAck: true), now: Self.t0)
        let actions = machine.engineClosed(reason: "transport close")
        #expect(actions == [.reportDisconnect("transport close"), .failAck(id: sent.ackID!, reason: .disconnected)])
        let buffered = machine.emit("b", arguments: [], options: .init(wantsAck: true), now: Self.t0)
        #expect(buffered.actions.isEmpty)
        #expect(machine.engineOpened().count == 1)
        let reconnect = machine.received(SocketIOPacket(type: .connect, data: ["sid": "s2"]), now: Self.t0)
        #expect(reconnect == [.reportConnect, .send(Self.event("b", id: buffered.ackID))])
    }

    @Test func serverDisconnectIsReportedAndStopsReconnection() {
        var machine = Self.connected()
        #expect(machine.received(SocketIOPacket(type: .disconnect), now: Self.t0) == [.reportDisconnect("io server disconnect")])
        #expect(machine.state == .idle)
        #expect(machine.engineOpened().isEmpty)
    }

    @Test func clientDisconnectSendsDisconnectPacket() {
        var machine = Self.connected(namespace: "/custom")
        #expect(machine.close() == [.send(SocketIOPacket(type: .disconnect, namespace: "/custom")), .reportDisconnect("io client disconnect")])
        #expect(machine.close().isEmpty)
    }

    @Test func retriesResendTheSamePacketWithTheSameAckID() {
        var machine = Self.connected(retries: 2, ackTimeout: .milliseconds(100))
        let (id, actions) = machine.emit("r", arguments: [1], options: .init(), now: Self.t0)
        let packet = Self.event("r", [1], id: id)
        #expect(actions == [.send(packet)])
        // A second emit waits behind the first.
        let (id2, queued) = machine.emit("s", arguments: [], options: .init(), now: Self.t0)
        #expect(queued.isEmpty)
        #expect(machine.checkDeadlines(now: Self.t0 + .milliseconds(100)) == [.send(packet)])
        #expect(machine.checkDeadlines(now: Self.t0 + .milliseconds(200)) == [.send(packet)])
        #expect(machine.checkDeadlines(now: Self.t0 + .milliseconds(300)) == [.failAck(id: id!, reason: .timedOut), .send(Self.event("s", id: id2))])
    }

    @Test func retriedEmitAckReleasesTheNextOne() {
        var machine = Self.connected(retries: 1, ackTimeout: .seconds(1))
        let (id, _) = machine.emit("r", arguments: [], options: .init(), now: Self.t0)
        let (id2, _) = machine.emit("s", arguments: [], options: .init(), now: Self.t0)
        let actions = machine.received(SocketIOPacket(type: .ack, ackID: id, data: []), now: Self.t0)
        #expect(actions == [.resolveAck(id: id!, arguments: []), .send(Self.event("s", id: id2))])
    }

    @Test func retriedEmitSurvivesDisconnectionAndIsResentAfterReconnect() {
        var machine = Self.connected(retries: 3, ackTimeout: .seconds(1))
        let (id, _) = machine.emit("r", arguments: [], options: .init(), now: Self.t0)
        #expect(machine.engineClosed(reason: "transport close") == [.reportDisconnect("transport close")])
        _ = machine.engineOpened()
        let actions = machine.received(SocketIOPacket(type: .connect, data: ["sid": "s2"]), now: Self.t0)
        #expect(actions == [.reportConnect, .send(Self.event("r", id: id))])
    }

    @Test func recoveryKeepsPidAndOffsetAndSendsThemInConnect() {
        var machine = Self.connected(auth: ["token": "t"], pid: "p1")
        _ = machine.received(Self.event("m", ["hello", "offset-1"]), now: Self.t0)
        _ = machine.received(Self.event("m", ["hello", "offset-2"]), now: Self.t0)
        #expect(machine.lastOffset == "offset-2")
        _ = machine.engineClosed(reason: "transport close")
        let connect = machine.engineOpened()
        #expect(connect == [.send(SocketIOPacket(type: .connect, data: ["pid": "p1", "offset": "offset-2", "token": "t"]))])
        _ = machine.received(SocketIOPacket(type: .connect, data: ["sid": "s2", "pid": "p1"]), now: Self.t0)
        #expect(machine.recovered)
    }

    @Test func newPidMeansNotRecovered() {
        var machine = Self.connected(pid: "p1")
        _ = machine.engineClosed(reason: "transport close")
        _ = machine.engineOpened()
        _ = machine.received(SocketIOPacket(type: .connect, data: ["sid": "s2", "pid": "p2"]), now: Self.t0)
        #expect(!machine.recovered)
        #expect(machine.lastOffset == nil)
    }

    @Test func withoutPidNoOffsetIsTracked() {
        var machine = Self.connected()
        _ = machine.received(Self.event("m", ["x"]), now: Self.t0)
        #expect(machine.lastOffset == nil)
    }
}
