import NIOCore
import Testing

@testable import EngineIO

@Suite struct SlowConsumerStateMachineTests {
    let timing = EngineSessionStateMachine.Timing(
        pingInterval: 300, pingTimeout: 200, upgradeTimeout: 1_000, outboundSoftLimit: 10, outboundHardLimit: 20)

    func message(_ size: Int) -> OutboundEngineMessage {
        OutboundEngineMessage(text: ByteBuffer(string: String(repeating: "x", count: size)))
    }

    @Test func queuedBytesCountPayloadsAndTypeBytes() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.send([message(3), message(4)])
        #expect(machine.queuedBytes == 9)
        _ = machine.pollRequestReceived(now: 1)
        #expect(machine.queuedBytes == 0)
    }

    @Test func aboveTheSoftLimitThePollingSessionIsBackedUp() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        #expect(machine.send([message(9)]) == .queued)
        #expect(!machine.isBackedUp)
        #expect(machine.send([message(0)]) == .queued)
        #expect(machine.isBackedUp)
        _ = machine.pollRequestReceived(now: 1)
        #expect(!machine.isBackedUp)
    }

    @Test func aboveTheHardLimitTheSessionClosesAsSlowConsumer() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        #expect(machine.send([message(19)]) == .queued)
        #expect(machine.send([message(0)]) == .close([.sessionClosed(.slowConsumer)]))
        #expect(machine.isClosed)
        #expect(machine.queue.isEmpty && machine.queuedBytes == 0)
        #expect(machine.send([message(1)]) == .drop)
    }

    @Test func slowConsumerWhileUpgradingAlsoClosesTheProbe() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.webSocketOpened(now: 1)
        #expect(machine.send([message(30)]) == .close([.closeProbeWebSocket, .sessionClosed(.slowConsumer)]))
    }

    @Test func aParkedPollTakesTheMessagesInsteadOfClosing() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.pollRequestReceived(now: 1)
        guard case .answerParkedPoll(let packets) = machine.send([message(30)]) else {
            Issue.record("expected the parked poll to be answered")
            return
        }
        #expect(packets.count == 1)
        #expect(!machine.isClosed)
    }

    @Test func noHardLimitNeverCloses() {
        let unbounded = EngineSessionStateMachine.Timing(
            pingInterval: 300, pingTimeout: 200, upgradeTimeout: 1_000, outboundSoftLimit: 10, outboundHardLimit: nil)
        var machine = EngineSessionStateMachine(transport: .polling, timing: unbounded, now: 0)
        #expect(machine.send([message(1_000)]) == .queued)
        #expect(machine.isBackedUp && !machine.isClosed)
    }

    @Test func queuedPingsCountTowardsTheQueue() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.timerFired(now: 300)
        #expect(machine.queuedBytes == 1)
    }

    @Test func upgradeMovesTheQueueToTheWebSocketAndResetsTheCount() {
        var machine = EngineSessionStateMachine(transport: .polling, timing: timing, now: 0)
        _ = machine.send([message(5)])
        _ = machine.webSocketOpened(now: 1)
        _ = machine.probePacketReceived(.ping(ByteBuffer(string: "probe")))
        _ = machine.probePacketReceived(.upgrade)
        #expect(machine.queuedBytes == 0)
    }
}
