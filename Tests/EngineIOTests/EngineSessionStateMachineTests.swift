import NIOCore
import Testing

@testable import EngineIO

@Suite struct EngineSessionStateMachineTests {
    let timing = EngineSessionStateMachine.Timing(pingInterval: 300, pingTimeout: 200, upgradeTimeout: 1_000)

    func polling(at now: Int64 = 0) -> EngineSessionStateMachine {
        EngineSessionStateMachine(transport: .polling, timing: timing, now: now)
    }

    func websocket(at now: Int64 = 0) -> EngineSessionStateMachine {
        EngineSessionStateMachine(transport: .websocket, timing: timing, now: now)
    }

    func message(_ text: String) -> OutboundEngineMessage { OutboundEngineMessage(text: ByteBuffer(string: text)) }
    func packet(_ text: String) -> EngineOutboundPacket { .message(message(text)) }
    func inbound(_ text: String) -> EnginePacket { .message(.text(ByteBuffer(string: text))) }
    let probe = ByteBuffer(string: "probe")

    /// A polling session whose WebSocket answered the probe.
    func probed() -> EngineSessionStateMachine {
        var machine = polling()
        _ = machine.webSocketOpened(now: 10)
        _ = machine.probePacketReceived(.ping(probe))
        return machine
    }

    // MARK: Polling

    @Test func pollWithNothingQueuedIsParked() {
        var machine = polling()
        #expect(machine.pollRequestReceived(now: 1) == [.parkPoll])
        #expect(machine.hasParkedPoll)
    }

    @Test func pollWithQueuedPacketsIsAnsweredAtOnceWithAllOfThem() {
        var machine = polling()
        #expect(machine.send([message("a"), message("b")]) == .queued)
        #expect(machine.send([message("c")]) == .queued)
        #expect(machine.pollRequestReceived(now: 1) == [.answerPoll([packet("a"), packet("b"), packet("c")])])
        #expect(machine.queue.isEmpty)
    }

    @Test func sendAnswersTheParkedPoll() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.send([message("a")]) == .answerParkedPoll([packet("a")]))
        #expect(!machine.hasParkedPoll)
        #expect(machine.send([message("b")]) == .queued)
    }

    @Test func secondConcurrentPollAnswersTheFirstWithCloseRejectsTheSecondAndCloses() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(
            machine.pollRequestReceived(now: 2) == [
                .answerParkedPoll([.close]), .rejectRequest(.badRequest), .sessionClosed(.transportError),
            ])
        #expect(machine.isClosed)
        #expect(machine.pollRequestReceived(now: 3) == [.rejectRequest(.unknownSessionID)])
    }

    @Test func abortedParkedPollClosesTheSession() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.parkedPollAborted() == [.sessionClosed(.transportClose)])
        #expect(machine.isClosed)
    }

    @Test func abortWithoutParkedPollDoesNothing() {
        var machine = polling()
        #expect(machine.parkedPollAborted() == [])
        #expect(!machine.isClosed)
    }

    @Test func postIsAcceptedWhilePollingAndRefusedAfterUpgradeOrClose() {
        var machine = polling()
        #expect(machine.postRequestReceived() == .accept)
        var upgraded = probed()
        _ = upgraded.probePacketReceived(.upgrade)
        #expect(upgraded.postRequestReceived() == .reject(.badRequest))
        _ = machine.protocolViolation()
        #expect(machine.postRequestReceived() == .reject(.unknownSessionID))
    }

    @Test func messagesAreDeliveredAndNoopsIgnored() {
        var machine = polling()
        #expect(machine.packetReceived(inbound("hi"), now: 1) == .deliver(.text(ByteBuffer(string: "hi"))))
        #expect(machine.packetReceived(.noop, now: 1) == .none)
    }

    @Test func closePacketAnswersTheParkedPollWithNoopAndCloses() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.packetReceived(.close, now: 2) == .perform([.answerParkedPoll([.noop]), .sessionClosed(.transportClose)]))
        #expect(machine.isClosed)
        #expect(machine.packetReceived(inbound("late"), now: 3) == .none)
    }

    @Test func protocolViolationAnswersTheParkedPollWithCloseAndCloses() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.protocolViolation() == [.answerParkedPoll([.close]), .sessionClosed(.parseError)])
        #expect(machine.protocolViolation() == [])
    }

    // MARK: Heartbeat

    @Test func firstPingIsDueOneIntervalAfterTheHandshake() {
        var machine = polling(at: 1_000)
        #expect(machine.nextDeadline == 1_300)
        #expect(machine.timerFired(now: 1_299) == [])
        #expect(machine.timerFired(now: 1_300) == [])
        #expect(Array(machine.queue) == [.ping])
        #expect(machine.nextDeadline == 1_500)
    }

    @Test func pingAnswersTheParkedPoll() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.timerFired(now: 300) == [.answerParkedPoll([.ping])])
    }

    @Test func pingGoesToTheWebSocket() {
        var machine = websocket()
        #expect(machine.timerFired(now: 300) == [.writeWebSocket([.ping])])
    }

    @Test func pongSchedulesTheNextPingOneIntervalLater() {
        var machine = websocket()
        _ = machine.timerFired(now: 300)
        #expect(machine.packetReceived(.pong(ByteBuffer()), now: 350) == .none)
        #expect(machine.nextDeadline == 650)
        #expect(machine.timerFired(now: 650) == [.writeWebSocket([.ping])])
    }

    @Test func pongWithoutOutstandingPingChangesNothing() {
        var machine = websocket()
        _ = machine.packetReceived(.pong(ByteBuffer()), now: 100)
        #expect(machine.nextDeadline == 300)
    }

    @Test func pongReceivedIsThePongPacketWithoutThePacket() {
        var byPacket = websocket()
        var byPong = websocket()
        _ = byPacket.timerFired(now: 300)
        _ = byPong.timerFired(now: 300)
        _ = byPacket.packetReceived(.pong(ByteBuffer()), now: 350)
        byPong.pongReceived(now: 350)
        #expect(byPong.nextDeadline == byPacket.nextDeadline)
        #expect(byPong.nextDeadline == 650)
        byPong.pongReceived(now: 400)  // no ping outstanding: nothing moves
        #expect(byPong.nextDeadline == 650)
    }

    @Test func pongReceivedAfterCloseDoesNothing() {
        var machine = websocket()
        _ = machine.timerFired(now: 300)
        _ = machine.timerFired(now: 500)  // ping timeout: closed
        machine.pongReceived(now: 501)
        #expect(machine.nextDeadline == nil)
        #expect(machine.isClosed)
    }

    @Test func missingPongClosesWithPingTimeoutAtIntervalPlusTimeout() {
        var machine = websocket()
        _ = machine.timerFired(now: 300)
        #expect(machine.timerFired(now: 499) == [])
        #expect(machine.timerFired(now: 500) == [.closeWebSocket, .sessionClosed(.pingTimeout)])
        #expect(machine.nextDeadline == nil)
    }

    @Test func pongDeadlineCountsFromTheDuePingTimeNotALateTimer() {
        var machine = polling()
        _ = machine.timerFired(now: 340)
        #expect(machine.nextDeadline == 500)
    }

    @Test func pollAfterThePongDeadlineIsRefusedEvenBeforeTheTimerRuns() {
        var machine = polling()
        _ = machine.timerFired(now: 300)
        #expect(machine.pollRequestReceived(now: 500) == [.sessionClosed(.pingTimeout), .rejectRequest(.unknownSessionID)])
    }

    @Test func pingTimeoutAnswersAParkedPollWithClose() {
        var machine = polling()
        _ = machine.timerFired(now: 300)
        _ = machine.pollRequestReceived(now: 301)  // gets the ping
        _ = machine.pollRequestReceived(now: 302)  // parked
        #expect(machine.timerFired(now: 500) == [.answerParkedPoll([.close]), .sessionClosed(.pingTimeout)])
    }

    // MARK: Upgrade

    @Test func webSocketOpeningStartsTheUpgrade() {
        var machine = polling()
        #expect(machine.webSocketOpened(now: 10) == [.acceptProbeWebSocket])
        #expect(machine.phase == .upgrading(probed: false))
        #expect(machine.nextDeadline == 300)
    }

    @Test func probeIsAnsweredAndTheParkedPollGetsNoop() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 5)
        _ = machine.webSocketOpened(now: 10)
        #expect(
            machine.probePacketReceived(.ping(probe)) == [
                .writeProbeWebSocket([.control(.pong(probe))]), .answerParkedPoll([.noop]),
            ])
        #expect(machine.phase == .upgrading(probed: true))
    }

    @Test func pollAfterTheProbeIsAnsweredNoopAtOnce() {
        var machine = probed()
        #expect(machine.pollRequestReceived(now: 20) == [.answerPoll([.noop])])
        #expect(!machine.hasParkedPoll)
    }

    @Test func pollAfterTheProbeCarriesQueuedPacketsInstead() {
        var machine = probed()
        _ = machine.send([message("a")])
        #expect(machine.pollRequestReceived(now: 20) == [.answerPoll([packet("a")])])
    }

    @Test func upgradePacketPromotesTheWebSocketWithoutSendingAnything() {
        var machine = probed()
        #expect(machine.probePacketReceived(.upgrade) == [.promoteProbeWebSocket])
        #expect(machine.transport == .websocket)
        #expect(machine.send([message("x")]) == .writeWebSocket)
    }

    @Test func packetsQueuedDuringTheProbeAreFlushedOnceInOrderOnTheWebSocket() {
        var machine = probed()
        _ = machine.send([message("a")])
        _ = machine.send([message("b")])
        #expect(machine.probePacketReceived(.upgrade) == [.promoteProbeWebSocket, .writeWebSocket([packet("a"), packet("b")])])
        #expect(machine.queue.isEmpty)
    }

    @Test func pollAfterUpgradeIsRefused() {
        var machine = probed()
        _ = machine.probePacketReceived(.upgrade)
        #expect(machine.pollRequestReceived(now: 30) == [.rejectRequest(.badRequest)])
        #expect(!machine.isClosed)
    }

    @Test func secondWebSocketIsRejectedDuringAndAfterTheUpgrade() {
        var machine = polling()
        _ = machine.webSocketOpened(now: 10)
        #expect(machine.webSocketOpened(now: 11) == [.rejectWebSocket])
        _ = machine.probePacketReceived(.upgrade)
        #expect(machine.webSocketOpened(now: 12) == [.rejectWebSocket])
        var direct = websocket()
        #expect(direct.webSocketOpened(now: 1) == [.rejectWebSocket])
    }

    @Test func unexpectedPacketOnTheProbeAbandonsTheUpgrade() {
        var machine = polling()
        _ = machine.webSocketOpened(now: 10)
        #expect(machine.probePacketReceived(inbound("x")) == [.closeProbeWebSocket])
        #expect(machine.phase == .polling)
    }

    @Test func probeClosingReturnsToPolling() {
        var machine = probed()
        #expect(machine.probeWebSocketClosed() == [])
        #expect(machine.phase == .polling)
        #expect(machine.pollRequestReceived(now: 20) == [.parkPoll])
    }

    @Test func upgradeTimeoutClosesTheProbe() {
        var machine = polling()
        machine = EngineSessionStateMachine(
            transport: .polling, timing: .init(pingInterval: 5_000, pingTimeout: 200, upgradeTimeout: 1_000), now: 0)
        _ = machine.webSocketOpened(now: 10)
        #expect(machine.nextDeadline == 1_010)
        #expect(machine.timerFired(now: 1_010) == [.closeProbeWebSocket])
        #expect(machine.phase == .polling)
    }

    @Test func pingDuringTheProbeIsQueuedForPollingOrFlushedOverTheUpgrade() {
        var machine = probed()
        _ = machine.timerFired(now: 300)
        #expect(Array(machine.queue) == [.ping])
        #expect(machine.probePacketReceived(.upgrade) == [.promoteProbeWebSocket, .writeWebSocket([.ping])])
    }

    // MARK: WebSocket

    @Test func webSocketCloseEndsTheSession() {
        var machine = websocket()
        #expect(machine.webSocketClosed(reason: .transportClose) == [.sessionClosed(.transportClose)])
        #expect(machine.webSocketClosed(reason: .transportClose) == [])
    }

    @Test func closePacketOnTheWebSocketClosesIt() {
        var machine = websocket()
        #expect(machine.packetReceived(.close, now: 1) == .perform([.closeWebSocket, .sessionClosed(.transportClose)]))
    }

    @Test func protocolViolationOnTheWebSocketClosesIt() {
        var machine = websocket()
        #expect(machine.protocolViolation() == [.closeWebSocket, .sessionClosed(.parseError)])
    }

    // MARK: Server close

    @Test func serverCloseOnWebSocketClosesAtOnce() {
        var machine = websocket()
        #expect(machine.close(reason: .forcedClose, now: 1) == [.closeWebSocket, .sessionClosed(.forcedClose)])
        #expect(machine.send([message("late")]) == .drop)
    }

    @Test func serverCloseWithParkedPollFlushesQueueThenClose() {
        var machine = polling()
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.close(reason: .forcedClose, now: 2) == [.answerParkedPoll([.close]), .sessionClosed(.forcedClose)])
    }

    @Test func serverCloseWithoutParkedPollWaitsForTheNextPoll() {
        var machine = polling()
        _ = machine.send([message("a")])
        #expect(machine.close(reason: .serverShuttingDown, now: 10) == [])
        #expect(machine.send([message("b")]) == .drop)
        #expect(machine.pollRequestReceived(now: 20) == [.answerPoll([packet("a"), .close]), .sessionClosed(.serverShuttingDown)])
    }

    @Test func serverCloseGivesUpWaitingAfterIntervalPlusTimeout() {
        var machine = polling()
        _ = machine.close(reason: .forcedClose, now: 10)
        #expect(machine.nextDeadline == 510)
        #expect(machine.timerFired(now: 510) == [.sessionClosed(.forcedClose)])
    }

    @Test func serverCloseDuringTheUpgradeClosesTheProbe() {
        var machine = probed()
        #expect(machine.close(reason: .forcedClose, now: 20) == [.closeProbeWebSocket])
    }

    @Test func terminateEndsAClosingSessionAtOnce() {
        var machine = polling()
        _ = machine.close(reason: .serverShuttingDown, now: 10)
        #expect(machine.terminate(reason: .serverShuttingDown) == [.sessionClosed(.serverShuttingDown)])
        #expect(machine.terminate(reason: .serverShuttingDown) == [])
    }

    @Test func closedSessionIgnoresEverything() {
        var machine = websocket()
        _ = machine.webSocketClosed(reason: .transportError)
        #expect(machine.timerFired(now: 10_000) == [])
        #expect(machine.close(reason: .forcedClose, now: 1) == [])
        #expect(machine.nextDeadline == nil)
        #expect(machine.webSocketOpened(now: 1) == [.rejectWebSocket])
    }
}

@Suite struct EngineSessionPollBatchingTests {
    let timing = EngineSessionStateMachine.Timing(pingInterval: 300, pingTimeout: 200, upgradeTimeout: 1_000, maxPacketsPerPoll: 3)

    func messages(_ count: Int) -> [OutboundEngineMessage] {
        (0..<count).map { OutboundEngineMessage(text: ByteBuffer(string: "m\($0)")) }
    }

    func packets(_ range: Range<Int>) -> [EngineOutboundPacket] {
        range.map { .message(OutboundEngineMessage(text: ByteBuffer(string: "m\($0)"))) }
    }

    @Test func pollResponsesCarryAtMostTheLimitAndTheRestWaitInOrder() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.send(messages(7))
        #expect(machine.pollRequestReceived(now: 1) == [.answerPoll(packets(0..<3))])
        #expect(machine.pollRequestReceived(now: 2) == [.answerPoll(packets(3..<6))])
        #expect(machine.pollRequestReceived(now: 3) == [.answerPoll(packets(6..<7))])
        #expect(machine.pollRequestReceived(now: 4) == [.parkPoll])
    }

    @Test func parkedPollAnsweredBySendIsLimitedToo() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.send(messages(5)) == .answerParkedPoll(packets(0..<3)))
        #expect(machine.queue.count == 2)
    }

    @Test func upgradeFlushesTheWholeQueueOverTheWebSocket() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.webSocketOpened(now: 1)
        _ = machine.probePacketReceived(.ping(ByteBuffer(string: "probe")))
        _ = machine.send(messages(5))
        #expect(machine.probePacketReceived(.upgrade) == [.promoteProbeWebSocket, .writeWebSocket(packets(0..<5))])
    }

    @Test func serverCloseWithALongQueueDeliversEverythingBeforeTheClosePacket() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.send(messages(5))
        #expect(machine.close(reason: .forcedClose, now: 1) == [])
        #expect(machine.pollRequestReceived(now: 2) == [.answerPoll(packets(0..<3))])
        #expect(!machine.isClosed)
        #expect(machine.pollRequestReceived(now: 3) == [.answerPoll(packets(3..<5) + [.close]), .sessionClosed(.forcedClose)])
    }
}
