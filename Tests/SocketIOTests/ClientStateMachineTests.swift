@testable import SocketIO
import Testing

/// Event in, action out; no I/O.
@Suite struct ClientStateMachineTests {
    @Test func connectToUnknownNamespaceIsRefusedAndChangesNothing() {
        var machine = ClientStateMachine()
        let result1 = machine.connectReceived(namespace: "/random", exists: false)
        #expect(result1 == .refuseUnknownNamespace)
        #expect(machine.phase == .awaitingFirstConnect)
        #expect(machine.namespaces.isEmpty)
    }

    @Test func connectRunsMiddlewaresThenOpensAndCancelsTheTimeoutOnce() {
        var machine = ClientStateMachine()
        let result2 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result2 == .runMiddlewares)
        #expect(!machine.shouldDispatch(namespace: "/"))
        let result3 = machine.middlewaresFinished(namespace: "/", refused: false)
        #expect(result3 == .open(cancelConnectTimeout: true))
        #expect(machine.shouldDispatch(namespace: "/"))
        let result4 = machine.connectReceived(namespace: "/custom", exists: true)
        #expect(result4 == .runMiddlewares)
        let result5 = machine.middlewaresFinished(namespace: "/custom", refused: false)
        #expect(result5 == .open(cancelConnectTimeout: false))
        #expect(machine.connectedNamespaces == ["/", "/custom"])
    }

    @Test func duplicateConnectIsIgnoredWhileJoiningAndWhenJoined() {
        var machine = ClientStateMachine()
        _ = machine.connectReceived(namespace: "/", exists: true)
        let result6 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result6 == .ignore)
        _ = machine.middlewaresFinished(namespace: "/", refused: false)
        let result7 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result7 == .ignore)
    }

    @Test func refusalForgetsTheNamespaceSoTheClientMayRetry() {
        var machine = ClientStateMachine()
        _ = machine.connectReceived(namespace: "/", exists: true)
        let result8 = machine.middlewaresFinished(namespace: "/", refused: true)
        #expect(result8 == .refuse)
        #expect(machine.phase == .awaitingFirstConnect)
        let result9 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result9 == .runMiddlewares)
    }

    @Test func connectTimeoutClosesOnlyBeforeTheFirstJoin() {
        var waiting = ClientStateMachine()
        _ = waiting.connectReceived(namespace: "/", exists: true)  // middlewares still running
        let result10 = waiting.connectTimeoutFired()
        #expect(result10)
        #expect(waiting.phase == .closing)

        var joined = ClientStateMachine()
        _ = joined.connectReceived(namespace: "/", exists: true)
        _ = joined.middlewaresFinished(namespace: "/", refused: false)
        joined.socketClosed(namespace: "/")
        let result11 = joined.connectTimeoutFired()
        #expect(!result11)
    }

    @Test func socketClosedStopsDispatchToItsNamespace() {
        var machine = ClientStateMachine()
        _ = machine.connectReceived(namespace: "/", exists: true)
        _ = machine.middlewaresFinished(namespace: "/", refused: false)
        machine.socketClosed(namespace: "/")
        #expect(!machine.shouldDispatch(namespace: "/"))
        let result12 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result12 == .runMiddlewares)
    }

    @Test func middlewaresFinishingAfterCloseAreDiscarded() {
        var machine = ClientStateMachine()
        _ = machine.connectReceived(namespace: "/", exists: true)
        let result13 = machine.engineClosed()
        #expect(result13)
        let result14 = machine.middlewaresFinished(namespace: "/", refused: false)
        #expect(result14 == .discard)
    }

    @Test func closeIsRequestedOnceAndNothingIsAcceptedAfterwards() {
        var machine = ClientStateMachine()
        let result15 = machine.closeRequested()
        #expect(result15)
        let result16 = machine.closeRequested()
        #expect(!result16)
        #expect(!machine.isOpen)
        let result17 = machine.connectReceived(namespace: "/", exists: true)
        #expect(result17 == .ignore)
        let result18 = machine.connectTimeoutFired()
        #expect(!result18)
        let result19 = machine.engineClosed()
        #expect(result19)
        let result20 = machine.engineClosed()
        #expect(!result20)
    }
}
