/// Remembers the latest broadcast ids of each sender, so a node that receives one broadcast on several
/// room channels (it has members in several target rooms) delivers it once.
///
/// Memory is bounded: `capacityPerSender` ids per sender and `maximumSenders` senders (the least
/// recently heard sender is forgotten first).
public struct ClusterDuplicateFilter: Sendable {
    struct Recent: Sendable {
        var ids: Set<UInt64> = []
        /// A ring of the remembered ids, oldest at `next` once full.
        var ring: [UInt64] = []
        var next = 0
        var lastHeard: UInt64 = 0
    }

    /// How many ids are remembered per sender.
    public let capacityPerSender: Int
    /// How many senders are remembered.
    public let maximumSenders: Int
    private var senders: [ClusterNodeID: Recent] = [:]
    private var clock: UInt64 = 0

    /// Creates an empty filter.
    public init(capacityPerSender: Int = 4096, maximumSenders: Int = 256) {
        self.capacityPerSender = max(1, capacityPerSender)
        self.maximumSenders = max(1, maximumSenders)
    }

    /// Records broadcast `id` of `sender`; returns `false` if it was seen before (drop it).
    public mutating func isFirstDelivery(sender: ClusterNodeID, id: UInt64) -> Bool {
        clock &+= 1
        if senders[sender] == nil, senders.count >= maximumSenders,
            let stalest = senders.min(by: { $0.value.lastHeard < $1.value.lastHeard })
        {
            senders[stalest.key] = nil
        }
        let capacity = capacityPerSender
        let now = clock
        return senders[sender, default: Recent()].remember(id, capacity: capacity, now: now)
    }
}

extension ClusterDuplicateFilter.Recent {
    mutating func remember(_ id: UInt64, capacity: Int, now: UInt64) -> Bool {
        lastHeard = now
        guard ids.insert(id).inserted else { return false }
        if ring.count < capacity {
            ring.append(id)
        } else {
            ids.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        return true
    }
}
