import ClusterProtocol
import Testing

@Suite struct NodeLivenessStateMachineTests {
    let me = ClusterNodeID("me")
    let b = ClusterNodeID("b")
    let c = ClusterNodeID("c")

    @Test func otherLiveNodesAreReportedAsJoinedOnce() {
        var machine = NodeLivenessStateMachine(selfID: me)
        #expect(machine.observed(members: [me, b, c], alive: [me, b, c]) == [.nodeJoined(b), .nodeJoined(c)])
        #expect(machine.observed(members: [me, b, c], alive: [me, b, c]).isEmpty)
        #expect(machine.liveNodes == [b, c])
    }

    @Test func aMemberWhoseHeartbeatExpiredIsReportedDeadOnce() {
        var machine = NodeLivenessStateMachine(selfID: me)
        _ = machine.observed(members: [me, b], alive: [me, b])
        #expect(machine.observed(members: [me, b], alive: [me]) == [.nodeDied(b)])
        #expect(machine.observed(members: [me, b], alive: [me]).isEmpty)
        #expect(machine.liveNodes.isEmpty)
    }

    @Test func aMemberThatWasNeverSeenAliveIsStillCleanedUp() {
        var machine = NodeLivenessStateMachine(selfID: me)
        #expect(machine.observed(members: [me, b], alive: [me]) == [.nodeDied(b)])
    }

    @Test func aNodeCleanedUpByAnotherNodeIsStillReportedDead() {
        var machine = NodeLivenessStateMachine(selfID: me)
        _ = machine.observed(members: [me, b], alive: [me, b])
        // Another node already removed b's membership before we looked.
        #expect(machine.observed(members: [me], alive: [me]) == [.nodeDied(b)])
        #expect(machine.observed(members: [me], alive: [me]).isEmpty)
    }

    @Test func aNodeThatComesBackWithTheSameIDJoinsAgain() {
        var machine = NodeLivenessStateMachine(selfID: me)
        _ = machine.observed(members: [me, b], alive: [me, b])
        _ = machine.observed(members: [me], alive: [me])
        #expect(machine.observed(members: [me, b], alive: [me, b]) == [.nodeJoined(b)])
    }

    @Test func ourOwnMissingHeartbeatAsksToRegisterAgainAndIsNeverADeath() {
        var machine = NodeLivenessStateMachine(selfID: me)
        #expect(machine.observed(members: [me, b], alive: [b]) == [.reregisterSelf, .nodeJoined(b)])
        #expect(machine.observed(members: [b], alive: []) == [.reregisterSelf, .nodeDied(b)])
    }
}
