/// One page of a room's history, newest first.
public struct HistoryPage: Hashable, Sendable {
    /// The messages, newest first, without duplicates.
    public var messages: [StoredMessage]
    /// Pass as `before` to read the next (older) page; `nil` when this page reached the oldest message.
    public var nextCursor: MessageID?

    /// Creates a page.
    public init(messages: [StoredMessage], nextCursor: MessageID?) {
        self.messages = messages
        self.nextCursor = nextCursor
    }
}

/// Reads a room's history across the hot store and the archive as one seamless, newest-first sequence.
///
/// A message may be only in the hot store (not yet archived), in both (archived, not yet trimmed) or only
/// in the archive (trimmed). The backup job trims only what the archive has committed, and only a prefix:
/// every trimmed message is older than every message still in the hot store. So the reader asks the hot
/// store first, and the archive only for what lies *below* the hot store's oldest answer:
/// - a full page from the hot store is the answer (nothing missing from it can be newer than its oldest);
/// - otherwise the archive fills the rest of the page with messages older than the hot store's oldest.
/// Reading the hot store first also means no message can slip between the two reads: one missing from the
/// hot store's answer was already in the archive when it was read.
public struct HistoryReader: Sendable {
    /// The recent-message store.
    public let hotStore: any HotStore
    /// The long-term store, if any.
    public let archive: (any MessageArchive)?
    /// Largest page a caller may ask for (default 500).
    public let maxPageSize: Int

    /// Creates a reader over the given stores.
    public init(hotStore: any HotStore, archive: (any MessageArchive)?, maxPageSize: Int = 500) {
        self.hotStore = hotStore
        self.archive = archive
        self.maxPageSize = maxPageSize
    }

    /// Up to `limit` messages of `room` older than `before` (the newest when `nil`), newest first.
    ///
    /// Throws ``ChatStoreError/Code/invalidArgument`` when `limit` is outside 1…``maxPageSize``.
    public func page(room: String, before: MessageID? = nil, limit: Int) async throws -> HistoryPage {
        try MessageLimits.checkPageLimit(limit, maximum: maxPageSize)
        let hot = try await hotStore.messages(in: room, before: before, limit: limit)
        guard let archive, hot.count < limit else {
            return HistoryPage(messages: hot, nextCursor: hot.count < limit ? nil : hot.last?.id)
        }
        let archived = try await archive.messages(in: room, before: hot.last?.id ?? before, limit: limit - hot.count)
        return Self.merge(hot: hot, archived: archived, limit: limit)
    }

    /// Merges two newest-first lists into one newest-first page of at most `limit` messages, keeping one
    /// copy of each ID (the hot store's, which may carry a newer edit).
    package static func merge(hot: [StoredMessage], archived: [StoredMessage], limit: Int) -> HistoryPage {
        var result: [StoredMessage] = []
        result.reserveCapacity(min(limit, hot.count + archived.count))
        var hotIndex = hot.startIndex
        var archiveIndex = archived.startIndex
        while result.count < limit {
            let next: StoredMessage
            if hotIndex < hot.endIndex, archiveIndex < archived.endIndex {
                let fromHot = hot[hotIndex]
                let fromArchive = archived[archiveIndex]
                if fromHot.id == fromArchive.id {
                    next = fromHot
                    hotIndex += 1
                    archiveIndex += 1
                } else if fromHot.id > fromArchive.id {
                    next = fromHot
                    hotIndex += 1
                } else {
                    next = fromArchive
                    archiveIndex += 1
                }
            } else if hotIndex < hot.endIndex {
                next = hot[hotIndex]
                hotIndex += 1
            } else if archiveIndex < archived.endIndex {
                next = archived[archiveIndex]
                archiveIndex += 1
            } else {
                break
            }
            if let last = result.last, last.id <= next.id { continue }  // duplicate or out of order input
            result.append(next)
        }
        let exhausted = result.count < limit
        return HistoryPage(messages: result, nextCursor: exhausted ? nil : result.last?.id)
    }
}
