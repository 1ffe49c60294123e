import Testing

@testable import SwitchboardClient

/// A deterministic generator: returns the given values in a loop.
struct ScriptedRandom: RandomNumberGenerator {
    var values: [UInt64]
    var index = 0
    mutating func next() -> UInt64 {
        defer { index = (index + 1) % values.count }
        return values[index]
    }
}

@Suite("Reconnection backoff and state machine")
struct ReconnectionTests {
    static func backoff(factor: Double = 0.5) -> ReconnectionBackoff {
        ReconnectionBackoff(delayMilliseconds: 1000, maximumDelayMilliseconds: 5000, randomizationFactor: factor)
    }

    @Test func withoutJitterDelaysDoubleUpToTheMaximum() {
        var backoff = Self.backoff(factor: 0)
        var random = SystemRandomNumberGenerator()
        let delays = (0..<6).map { _ in backoff.nextDelayMilliseconds(using: &random) }
        #expect(delays == [1000, 2000, 4000, 5000, 5000, 5000])
    }

    @Test func jitterStaysWithinTheRandomizationFactor() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var backoff = Self.backoff()
            let first = backoff.nextDelayMilliseconds(using: &random)
            let second = backoff.nextDelayMilliseconds(using: &random)
            #expect((500...1500).contains(first))
            #expect((1000...3000).contains(second))
        }
    }

    @Test func jitterUsesTheInjectedRandomSource() {
        // 0 → unit 0: no deviation whatever the direction.
        var zero = ScriptedRandom(values: [0])
        var backoff = Self.backoff()
        #expect(backoff.nextDelayMilliseconds(using: &zero) == 1000)
        // Maximal unit with both directions seen across draws.
        var high = ScriptedRandom(values: [UInt64.max])
        var other = Self.backoff()
        let delay = other.nextDelayMilliseconds(using: &high)
        #expect(delay == 1499 || delay == 500 || delay == 1500 || delay == 501)
    }

    @Test func delayNeverExceedsTheMaximumEvenWithJitter() {
        var random = SystemRandomNumberGenerator()
        var backoff = Self.backoff()
        for _ in 0..<100 { #expect(backoff.nextDelayMilliseconds(using: &random) <= 5000) }
    }

    @Test func resetStartsFromTheFirstDelay() {
        var random = SystemRandomNumberGenerator()
        var backoff = Self.backoff(factor: 0)
        _ = backoff.nextDelayMilliseconds(using: &random)
        _ = backoff.nextDelayMilliseconds(using: &random)
        backoff.reset()
        #expect(backoff.nextDelayMilliseconds(using: &random) == 1000)
    }

    @Test func lostConnectionSchedulesAttemptsAndReportsEventsInOrder() {
        var random = SystemRandomNumberGenerator()
        var machine = ReconnectionStateMachine(reconnectionEnabled: true, maximumAttempts: nil, backoff: Self.backoff(factor: 0))
        #expect(machine.open() == [.openConnection])
        #expect(machine.open().isEmpty)
        #expect(machine.connectionOpened().isEmpty)
        #expect(machine.connectionLost(random: &random) == [.scheduleAttempt(afterMilliseconds: 1000)])
        #expect(machine.delayElapsed() == [.attempt(1)])
        #expect(machine.connectionLost(random: &random) == [.reportReconnectError, .scheduleAttempt(afterMilliseconds: 2000)])
        #expect(machine.delayElapsed() == [.attempt(2)])
        #expect(machine.connectionOpened() == [.reportReconnected(attempts: 2)])
        // The backoff restarted.
        #expect(machine.connectionLost(random: &random) == [.scheduleAttempt(afterMilliseconds: 1000)])
    }

    @Test func failedFirstConnectionAlsoReconnects() {
        var random = SystemRandomNumberGenerator()
        var machine = ReconnectionStateMachine(reconnectionEnabled: true, maximumAttempts: nil, backoff: Self.backoff(factor: 0))
        _ = machine.open()
        #expect(machine.connectionLost(random: &random) == [.scheduleAttempt(afterMilliseconds: 1000)])
    }

    @Test func attemptsRunOutWithReconnectFailed() {
        var random = SystemRandomNumberGenerator()
        var machine = ReconnectionStateMachine(reconnectionEnabled: true, maximumAttempts: 2, backoff: Self.backoff(factor: 0))
        _ = machine.open()
        _ = machine.connectionOpened()
        _ = machine.connectionLost(random: &random)
        _ = machine.delayElapsed()
        _ = machine.connectionLost(random: &random)
        _ = machine.delayElapsed()
        #expect(machine.connectionLost(random: &random) == [.reportReconnectError, .reportReconnectFailed])
        #expect(machine.state == .idle)
    }

    @Test func disabledReconnectionGoesIdle() {
        var random = SystemRandomNumberGenerator()
        var machine = ReconnectionStateMachine(reconnectionEnabled: false, maximumAttempts: nil, backoff: Self.backoff())
        _ = machine.open()
        _ = machine.connectionOpened()
        #expect(machine.connectionLost(random: &random).isEmpty)
        #expect(machine.state == .idle)
    }

    @Test func closeStopsPendingAttempts() {
        var random = SystemRandomNumberGenerator()
        var machine = ReconnectionStateMachine(reconnectionEnabled: true, maximumAttempts: nil, backoff: Self.backoff())
        _ = machine.open()
        _ = machine.connectionLost(random: &random)
        machine.close()
        #expect(machine.delayElapsed().isEmpty)
        #expect(machine.open() == [.openConnection])
    }
}
