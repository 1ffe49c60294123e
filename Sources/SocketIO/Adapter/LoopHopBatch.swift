/// The work one event loop hands to other event loops during one tick, grouped per destination in
/// arrival order, so the tick ends with one hop per destination loop carrying all of it. Pure.
///
/// ``add(_:to:id:)`` says whether the work is the first of its tick, so the caller schedules exactly one
/// end-of-tick send per tick. Destinations are few (one loop per core): a linear scan over their ids beats
/// hashing, and the id array keeps its storage between ticks.
struct LoopHopBatch<Destination, Work> {
    /// The work for one destination, in the order it was added.
    struct Hop {
        /// Where the work runs.
        var destination: Destination
        /// The work, oldest first.
        var work: [Work]
    }

    private var ids: [ObjectIdentifier] = []
    private var hops: [Hop] = []

    /// Whether no work waits.
    var isEmpty: Bool { hops.isEmpty }

    /// The number of destinations with waiting work.
    var destinationCount: Int { hops.count }

    /// Appends `work` for `destination` (identified by `id`); returns `true` when it is the first work of the
    /// tick (schedule the end-of-tick send).
    mutating func add(_ work: Work, to destination: Destination, id: ObjectIdentifier) -> Bool {
        if let index = ids.firstIndex(of: id) {
            hops[index].work.append(work)
            return false
        }
        ids.append(id)
        hops.append(Hop(destination: destination, work: [work]))
        return hops.count == 1
    }

    /// The tick's hops, one per destination in order of first use; the batch is empty afterwards, and work
    /// added while the caller sends the returned hops belongs to the next tick.
    mutating func takeAll() -> [Hop] {
        ids.removeAll(keepingCapacity: true)
        var taken: [Hop] = []
        swap(&taken, &hops)
        return taken
    }
}
