/// Where an owner's entry sits in a ``TimerWheel``; the owner keeps it (`nil` while not armed).
struct TimerWheelPosition: Equatable {
    var slot: Int
    var index: Int
}

/// Something with at most one deadline in a ``TimerWheel`` at a time.
protocol TimerWheelOwner: AnyObject {
    /// Written by the wheel only.
    var timerWheelPosition: TimerWheelPosition? { get set }
}

/// The deadlines of many owners (sessions) of one event loop, in slots of `granularity` milliseconds. Pure.
///
/// Arming, re-arming and disarming are O(1) (the owner remembers its slot and index; removal swaps the
/// slot's last entry in), where a priority queue searches linearly to cancel. A deadline fires at the
/// first slot boundary at or after it: never early, at most `granularity` late. Deadlines beyond one turn
/// of the wheel (`slotCount × granularity`) wait in their slot for later turns.
struct TimerWheel<Owner: TimerWheelOwner> {
    struct Entry {
        let owner: Owner
        /// The slot boundary (in `granularity` units) at which the entry is due.
        let tick: Int64
    }

    /// Milliseconds per slot.
    let granularity: Int64
    private var slots: [[Entry]]
    /// The first tick not yet expired.
    private(set) var cursor: Int64
    /// Armed entries.
    private(set) var count = 0

    /// An empty wheel whose clock starts at `now` (milliseconds).
    init(granularity: Int64 = 10, slotCount: Int = 4096, now: Int64) {
        precondition(granularity > 0 && slotCount > 0)
        self.granularity = granularity
        self.slots = Array(repeating: [], count: slotCount)
        self.cursor = now / granularity
    }

    /// The tick (slot boundary) at which a deadline of `deadline` milliseconds fires.
    func tick(for deadline: Int64) -> Int64 {
        max(cursor, (max(deadline, 0) + granularity - 1) / granularity)
    }

    /// The time, in milliseconds, of `tick`.
    func milliseconds(of tick: Int64) -> Int64 { tick * granularity }

    /// Arms `owner` for `deadline` (milliseconds), replacing its earlier deadline if any; returns the entry's tick.
    @discardableResult
    mutating func arm(_ owner: Owner, at deadline: Int64) -> Int64 {
        disarm(owner)
        let tick = tick(for: deadline)
        let slot = Int(tick % Int64(slots.count))
        slots[slot].append(Entry(owner: owner, tick: tick))
        owner.timerWheelPosition = TimerWheelPosition(slot: slot, index: slots[slot].count - 1)
        count += 1
        return tick
    }

    /// Removes `owner`'s deadline, if it has one.
    mutating func disarm(_ owner: Owner) {
        guard let position = owner.timerWheelPosition else { return }
        remove(at: position)
    }

    /// Removes and returns the owners whose deadline is at or before `now` (milliseconds), earliest slot first.
    mutating func expire(now: Int64) -> [Owner] {
        let nowTick = now / granularity
        guard nowTick >= cursor else { return [] }
        var due: [Owner] = []
        // After a long pause every slot is visited once; entries of later turns stay.
        let last = min(nowTick, cursor + Int64(slots.count) - 1)
        var tick = cursor
        while tick <= last {
            let slot = Int(tick % Int64(slots.count))
            if slots[slot].allSatisfy({ $0.tick <= nowTick }) {
                // The common case (every entry of the slot is of this turn): empty the slot in one pass.
                for entry in slots[slot] {
                    entry.owner.timerWheelPosition = nil
                    due.append(entry.owner)
                }
                count -= slots[slot].count
                slots[slot].removeAll(keepingCapacity: true)
                tick += 1
                continue
            }
            var index = 0
            while index < slots[slot].count {
                let entry = slots[slot][index]
                if entry.tick <= nowTick {
                    due.append(entry.owner)
                    remove(at: TimerWheelPosition(slot: slot, index: index))
                } else {
                    index += 1
                }
            }
            tick += 1
        }
        cursor = nowTick + 1
        return due
    }

    /// The earliest tick of an armed entry, or `nil` when the wheel is empty. Scans at most one turn of slots.
    var nextTick: Int64? {
        guard count > 0 else { return nil }
        var earliest: Int64?
        for offset in 0..<Int64(slots.count) {
            let slot = Int((cursor + offset) % Int64(slots.count))
            for entry in slots[slot] where earliest == nil || entry.tick < earliest! {
                earliest = entry.tick
            }
            // An entry of this turn is the earliest there can be.
            if let earliest, earliest <= cursor + offset { return earliest }
        }
        return earliest
    }

    private mutating func remove(at position: TimerWheelPosition) {
        let removed = slots[position.slot][position.index].owner
        let lastIndex = slots[position.slot].count - 1
        if position.index != lastIndex {
            let moved = slots[position.slot][lastIndex]
            slots[position.slot][position.index] = moved
            moved.owner.timerWheelPosition = position
        }
        slots[position.slot].removeLast()
        removed.timerWheelPosition = nil
        count -= 1
    }
}
