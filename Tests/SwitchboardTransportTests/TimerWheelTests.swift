@testable import SwitchboardTransport
import Testing

/// A deadline owner for the wheel tests.
final class WheelOwner: TimerWheelOwner {
    let name: String
    var timerWheelPosition: TimerWheelPosition?
    init(_ name: String) { self.name = name }
}

@Suite("TimerWheel: O(1) arm and disarm, never early, at most one slot late")
struct TimerWheelTests {
    func names(_ owners: [WheelOwner]) -> [String] { owners.map(\.name) }

    @Test func aDeadlineFiresAtTheFirstSlotBoundaryAtOrAfterIt() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 1_000)
        let owner = WheelOwner("a")
        let tick = wheel.arm(owner, at: 1_025)
        #expect(tick == 103)
        let firedAt1025 = wheel.expire(now: 1_025)
        #expect(firedAt1025.isEmpty, "not before the slot boundary")
        let firedAt1029 = wheel.expire(now: 1_029)
        #expect(firedAt1029.isEmpty)
        let firedAt1030 = names(wheel.expire(now: 1_030))
        #expect(firedAt1030 == ["a"])
        #expect(owner.timerWheelPosition == nil)
        #expect(wheel.count == 0)
    }

    @Test func aDeadlineOnASlotBoundaryFiresThere() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let owner = WheelOwner("a")
        wheel.arm(owner, at: 50)
        let firedAt49 = wheel.expire(now: 49)
        #expect(firedAt49.isEmpty)
        let firedAt50 = names(wheel.expire(now: 50))
        #expect(firedAt50 == ["a"])
    }

    @Test func aPastDeadlineFiresAtTheNextExpiry() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 1_000)
        _ = wheel.expire(now: 1_000)
        let owner = WheelOwner("late")
        wheel.arm(owner, at: 10)
        let firedAt1010 = names(wheel.expire(now: 1_010))
        #expect(firedAt1010 == ["late"])
    }

    @Test func reArmingReplacesTheEarlierDeadline() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let owner = WheelOwner("a")
        wheel.arm(owner, at: 20)
        wheel.arm(owner, at: 60)
        #expect(wheel.count == 1)
        let firedAt50 = wheel.expire(now: 50)
        #expect(firedAt50.isEmpty)
        let firedAt60 = names(wheel.expire(now: 60))
        #expect(firedAt60 == ["a"])
    }

    @Test func disarmingRemovesTheDeadlineAndKeepsTheOthersFindable() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let owners = (0..<4).map { WheelOwner("o\($0)") }
        for owner in owners { wheel.arm(owner, at: 30) }
        wheel.disarm(owners[0])  // the last one is swapped into its place
        #expect(owners[0].timerWheelPosition == nil)
        #expect(owners[3].timerWheelPosition == TimerWheelPosition(slot: 3, index: 0))
        wheel.disarm(owners[3])
        #expect(wheel.count == 2)
        let firedAt30 = Set(names(wheel.expire(now: 30)))
        #expect(firedAt30 == ["o1", "o2"])
    }

    @Test func disarmingAnUnarmedOwnerDoesNothing() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        wheel.disarm(WheelOwner("a"))
        #expect(wheel.count == 0)
    }

    @Test func deadlinesBeyondOneTurnWaitForTheirTurn() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let near = WheelOwner("near")
        let far = WheelOwner("far")
        wheel.arm(near, at: 30)
        wheel.arm(far, at: 110)  // same slot (11 % 8 == 3), one turn later
        let firedAt30 = names(wheel.expire(now: 30))
        #expect(firedAt30 == ["near"])
        let firedAt100 = wheel.expire(now: 100)
        #expect(firedAt100.isEmpty)
        let firedAt110 = names(wheel.expire(now: 110))
        #expect(firedAt110 == ["far"])
    }

    @Test func aLongPauseFiresEverythingDueAndKeepsLaterTurns() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let owners = (1...20).map { WheelOwner("o\($0)") }
        for (index, owner) in owners.enumerated() { wheel.arm(owner, at: Int64(index + 1) * 10) }
        let late = WheelOwner("late")
        wheel.arm(late, at: 5_000)
        let firedAt1000 = Set(names(wheel.expire(now: 1_000)))
        #expect(firedAt1000 == Set(owners.map(\.name)))
        #expect(wheel.count == 1)
        let firedAt5000 = names(wheel.expire(now: 5_000))
        #expect(firedAt5000 == ["late"])
    }

    @Test func aSlotWhoseEntriesAreAllDueFiresInArmingOrderAndEmpties() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let owners = (0..<5).map { WheelOwner("o\($0)") }
        for owner in owners { wheel.arm(owner, at: 21 + Int64(owner.name.last!.wholeNumberValue!)) }
        let firedAt30 = names(wheel.expire(now: 30))
        #expect(firedAt30 == ["o0", "o1", "o2", "o3", "o4"])
        #expect(owners.allSatisfy { $0.timerWheelPosition == nil })
        #expect(wheel.count == 0)
        // The emptied slot takes new entries (one turn later) as before.
        wheel.arm(owners[0], at: 101)
        #expect(wheel.nextTick == 11)
        #expect(names(wheel.expire(now: 110)) == ["o0"])
    }

    @Test func aSlotWithEntriesOfLaterTurnsKeepsThemFindable() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        let now1 = WheelOwner("now1"), later = WheelOwner("later"), now2 = WheelOwner("now2")
        wheel.arm(now1, at: 30)
        wheel.arm(later, at: 110)  // same slot, next turn
        wheel.arm(now2, at: 30)
        #expect(Set(names(wheel.expire(now: 30))) == ["now1", "now2"])
        #expect(later.timerWheelPosition != nil)
        wheel.disarm(later)
        #expect(wheel.count == 0)
    }

    @Test func nextTickIsTheEarliestArmedTick() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 8, now: 0)
        #expect(wheel.nextTick == nil)
        let far = WheelOwner("far")
        let near = WheelOwner("near")
        wheel.arm(far, at: 150)  // slot 7 of the second turn
        #expect(wheel.nextTick == 15)
        wheel.arm(near, at: 41)
        #expect(wheel.nextTick == 5)
        wheel.disarm(near)
        #expect(wheel.nextTick == 15)
    }

    @Test func manyOwnersFireExactlyOnceEach() {
        var wheel = TimerWheel<WheelOwner>(granularity: 10, slotCount: 64, now: 0)
        let owners = (0..<2_000).map { WheelOwner("o\($0)") }
        // Scattered deadlines (7919 is prime), then a third re-armed (heartbeat: the pong moves the deadline).
        for (index, owner) in owners.enumerated() { wheel.arm(owner, at: Int64(index * 7_919 % 5_000)) }
        for (index, owner) in owners.prefix(700).enumerated() { wheel.arm(owner, at: Int64(index * 4_001 % 5_000)) }
        var fired: [String] = []
        var now: Int64 = 0
        while now <= 5_010 {
            fired += names(wheel.expire(now: now))
            now += 7
        }
        #expect(fired.count == owners.count)
        #expect(Set(fired).count == owners.count)
        #expect(wheel.count == 0)
    }
}
