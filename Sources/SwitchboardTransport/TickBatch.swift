/// The elements collected during one event-loop tick, taken all at once when the tick ends. Pure.
///
/// ``add(_:)`` says whether the element is the first of its tick, so the caller schedules exactly one
/// end-of-tick run per tick, however many elements arrive. The two arrays are swapped rather than
/// reallocated: after warm-up a tick costs no allocation.
struct TickBatch<Element> {
    private var pending: [Element] = []
    private var spare: [Element] = []

    /// The number of elements waiting for the end of the tick.
    var count: Int { pending.count }

    /// Whether nothing waits.
    var isEmpty: Bool { pending.isEmpty }

    /// Appends `element`; returns `true` when it is the first of its tick (schedule the end-of-tick run).
    mutating func add(_ element: Element) -> Bool {
        pending.append(element)
        return pending.count == 1
    }

    /// Changes the element at `index` (as counted from the tick's first ``add(_:)``, 0-based) of the current tick.
    mutating func modify<Result>(at index: Int, _ body: (inout Element) -> Result) -> Result {
        body(&pending[index])
    }

    /// The elements of the tick, in arrival order; the batch is empty afterwards, and elements added while
    /// the caller works through the returned ones belong to the next tick. Hand the array back with
    /// ``recycle(_:)`` to keep its storage.
    mutating func takeAll() -> [Element] {
        var taken: [Element] = []
        swap(&taken, &spare)
        swap(&taken, &pending)
        return taken
    }

    /// Keeps the storage of an array returned by ``takeAll()`` for a later tick (its elements are dropped).
    mutating func recycle(_ array: inout [Element]) {
        array.removeAll(keepingCapacity: true)
        if array.capacity > spare.capacity { swap(&array, &spare) }
    }
}
