import EngineIO
import NIOCore
import Testing

@testable import SwitchboardClient

@Suite("Engine.IO client session")
struct EngineClientSessionTests {
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let handshake = #"{"sid":"abc","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000}"#

    static func openPacket(upgrades: Bool = true) -> EnginePacket {
        let body = upgrades ? handshake : handshake.replacingOccurrences(of: #"["websocket"]"#, with: "[]")
        return .open(ByteBuffer(string: body))
    }

    static func text(_ string: String) -> EngineMessage { .text(ByteBuffer(string: string)) }

    @Test func openOverPollingStartsTheWebSocketProbe() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        let actions = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        #expect(actions.count == 2)
        guard case .opened(let info) = actions.first else { Issue.record("no opened"); return }
        #expect(info.sid == "abc")
        #expect(info.pingIntervalMilliseconds == 300)
        #expect(actions.last == .openProbeTransport(sid: "abc"))
        #expect(session.activeTransport == .polling)
    }

    @Test func openWithoutOfferedUpgradeStaysOnPolling() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        let actions = session.received(Self.openPacket(upgrades: false), on: .polling, now: Self.t0)
        #expect(actions.count == 1)
        #expect(session.state == .open(.polling))
    }

    @Test func pollingOnlySessionNeverProbes() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: false, now: Self.t0)
        let actions = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        #expect(actions.count == 1)
        #expect(session.state == .open(.polling))
    }

    @Test func webSocketOnlySessionOpensOnTheWebSocket() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(session.state == .open(.websocket))
        #expect(session.send([Self.text("2[\"a\"]")]) == [.write([.message(Self.text("2[\"a\"]"))], on: .websocket)])
    }

    @Test func invalidHandshakeClosesWithParseError() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        let actions = session.received(.open(ByteBuffer(string: "{}")), on: .polling, now: Self.t0)
        #expect(actions == [.close(.parseError, sendCloseOn: nil)])
        #expect(session.state == .closed)
    }

    @Test func messageBeforeHandshakeIsAProtocolError() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        let actions = session.received(.message(Self.text("x")), on: .polling, now: Self.t0)
        #expect(actions == [.close(.parseError, sendCloseOn: nil)])
    }

    @Test func pingIsAnsweredWithPongOnTheActiveTransport() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        let actions = session.received(.ping(ByteBuffer()), on: .polling, now: Self.t0 + .milliseconds(300))
        #expect(actions == [.write([.pong(ByteBuffer())], on: .polling)])
    }

    @Test func silenceLongerThanIntervalPlusTimeoutIsAPingTimeout() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(session.heartbeatDeadline == Self.t0 + .milliseconds(500))
        #expect(session.checkHeartbeat(now: Self.t0 + .milliseconds(499)).isEmpty)
        #expect(session.checkHeartbeat(now: Self.t0 + .milliseconds(500)) == [.close(.pingTimeout, sendCloseOn: nil)])
        #expect(session.state == .closed)
    }

    @Test func eachPingPushesTheWatchdogBack() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        _ = session.received(.ping(ByteBuffer()), on: .websocket, now: Self.t0 + .milliseconds(300))
        #expect(session.checkHeartbeat(now: Self.t0 + .milliseconds(700)).isEmpty)
        #expect(session.heartbeatDeadline == Self.t0 + .milliseconds(800))
    }

    @Test func messagesAreDelivered() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(session.received(.message(Self.text("0")), on: .websocket, now: Self.t0) == [.deliver(Self.text("0"))])
        #expect(session.received(.noop, on: .websocket, now: Self.t0).isEmpty)
    }

    @Test func serverClosePacketClosesTheSession() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(session.received(.close, on: .websocket, now: Self.t0) == [.close(.transportClose, sendCloseOn: nil)])
        #expect(session.send([Self.text("x")]).isEmpty)
    }

    @Test func fullUpgradeSendsProbePausesPollingThenUpgradesWithoutLosingMessages() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        // Before the probe is answered, messages still go over polling.
        #expect(session.send([Self.text("a")]) == [.write([.message(Self.text("a"))], on: .polling)])
        #expect(session.probeTransportOpened() == [.write([.ping(ByteBuffer(string: "probe"))], on: .websocket)])
        #expect(session.received(.pong(ByteBuffer(string: "probe")), on: .websocket, now: Self.t0) == [.pausePolling])
        // While pausing, messages are held; packets from the last poll are still delivered.
        #expect(session.send([Self.text("b")]).isEmpty)
        #expect(session.received(.message(Self.text("c")), on: .polling, now: Self.t0) == [.deliver(Self.text("c"))])
        let actions = session.pollingPaused()
        #expect(actions == [.write([.upgrade, .message(Self.text("b"))], on: .websocket), .upgraded])
        #expect(session.state == .open(.websocket))
        #expect(session.send([Self.text("d")]) == [.write([.message(Self.text("d"))], on: .websocket)])
        // Late packets from the old transport are ignored.
        #expect(session.received(.message(Self.text("late")), on: .polling, now: Self.t0).isEmpty)
    }

    @Test func pingDuringPauseIsAnsweredOverTheWebSocketAfterTheUpgrade() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        _ = session.probeTransportOpened()
        _ = session.received(.pong(ByteBuffer(string: "probe")), on: .websocket, now: Self.t0)
        #expect(session.received(.ping(ByteBuffer()), on: .polling, now: Self.t0).isEmpty)
        #expect(session.pollingPaused().first == .write([.upgrade, .pong(ByteBuffer())], on: .websocket))
    }

    @Test func wrongProbeAnswerDiscardsTheProbeAndKeepsPolling() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        _ = session.probeTransportOpened()
        #expect(session.received(.pong(ByteBuffer(string: "nope")), on: .websocket, now: Self.t0) == [.discardProbeTransport])
        #expect(session.state == .open(.polling))
    }

    @Test func probeFailureReleasesHeldMessagesOverPolling() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        _ = session.probeTransportOpened()
        _ = session.received(.pong(ByteBuffer(string: "probe")), on: .websocket, now: Self.t0)
        _ = session.send([Self.text("held")])
        let actions = session.transportClosed(.websocket, error: true)
        #expect(actions == [.discardProbeTransport, .write([.message(Self.text("held"))], on: .polling)])
        #expect(session.state == .open(.polling))
    }

    @Test func pollingFailureDuringProbeClosesTheSession() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        #expect(session.transportClosed(.polling, error: true) == [.close(.transportError, sendCloseOn: nil)])
    }

    @Test func applicationCloseSendsClosePacketOnTheActiveTransport() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        #expect(session.close() == [.close(.forcedClose, sendCloseOn: nil)])
        var open = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = open.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(open.close() == [.close(.forcedClose, sendCloseOn: .websocket)])
        #expect(open.close().isEmpty)
    }

    @Test func transportFailureWhileOpeningIsATransportError() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        #expect(session.transportClosed(.websocket, error: true) == [.close(.transportError, sendCloseOn: nil)])
        #expect(session.received(Self.openPacket(), on: .websocket, now: Self.t0).isEmpty)
    }

    @Test func packetsFromAnotherTransportWhileOpeningAreIgnored() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        #expect(session.received(Self.openPacket(), on: .websocket, now: Self.t0).isEmpty)
        #expect(session.state == .opening(.polling))
        #expect(session.send([Self.text("early")]).isEmpty)
    }

    @Test func probeAnswerBeforeTheProbeWasSentIsRejected() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        #expect(session.received(.pong(ByteBuffer(string: "probe")), on: .websocket, now: Self.t0) == [.discardProbeTransport])
        #expect(session.probeTransportOpened().isEmpty)
    }

    @Test func pollingPausedOutsideAnUpgradeDoesNothing() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        #expect(session.pollingPaused().isEmpty)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        #expect(session.pollingPaused().isEmpty)
    }

    @Test func closingDuringAnUpgradeSendsCloseOverPolling() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        _ = session.probeTransportOpened()
        _ = session.received(.pong(ByteBuffer(string: "probe")), on: .websocket, now: Self.t0)
        #expect(session.close() == [.close(.forcedClose, sendCloseOn: .polling)])
    }

    @Test func heartbeatIsNotWatchedBeforeTheHandshake() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        #expect(session.heartbeatDeadline == nil)
        #expect(session.checkHeartbeat(now: Self.t0 + .seconds(3600)).isEmpty)
    }

    @Test func watchdogRunsDuringTheUpgrade() {
        var session = EngineClientSession(transport: .polling, upgradeEnabled: true, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .polling, now: Self.t0)
        _ = session.probeTransportOpened()
        #expect(session.checkHeartbeat(now: Self.t0 + .milliseconds(500)) == [.close(.pingTimeout, sendCloseOn: nil)])
    }

    @Test func upgradePacketFromTheServerIsAProtocolError() {
        var session = EngineClientSession(transport: .websocket, upgradeEnabled: false, now: Self.t0)
        _ = session.received(Self.openPacket(), on: .websocket, now: Self.t0)
        #expect(session.received(.upgrade, on: .websocket, now: Self.t0) == [.close(.parseError, sendCloseOn: nil)])
    }

    @Test func handshakeFieldsAreParsed() throws {
        let info = try #require(EngineOpenInfo(openPacketBody: ByteBuffer(string: Self.handshake)))
        #expect(info == EngineOpenInfo(sid: "abc", upgrades: ["websocket"], pingIntervalMilliseconds: 300, pingTimeoutMilliseconds: 200, maxPayload: 1000))
        #expect(EngineOpenInfo(openPacketBody: ByteBuffer(string: #"{"sid":"a","pingInterval":0,"pingTimeout":1}"#)) == nil)
        #expect(EngineOpenInfo(openPacketBody: ByteBuffer(string: "not json")) == nil)
        let defaults = try #require(EngineOpenInfo(openPacketBody: ByteBuffer(string: #"{"sid":"a","pingInterval":1,"pingTimeout":1}"#)))
        #expect(defaults.upgrades.isEmpty)
        #expect(defaults.maxPayload == 1_000_000)
    }
}
