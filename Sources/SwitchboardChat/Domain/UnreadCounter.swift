import ChatStore

/// Unread counts from a read marker. Pure.
enum UnreadCounter {
    /// How many of `newestFirst` (a room's latest messages) `viewer` has not read: messages after
    /// `marker`, not sent by the viewer, not deleted; at most `cap`.
    static func count(newestFirst: [StoredMessage], after marker: MessageID?, viewer: String, cap: Int) -> Int {
        var count = 0
        for message in newestFirst {
            if let marker, message.id <= marker { break }
            guard message.sender != viewer, message.deletedAt == nil else { continue }
            count += 1
            if count >= cap { break }
        }
        return count
    }
}
