/// A change to a stored message: an edit of its body or its deletion.
///
/// Changes carry their own time so that every store applies them the same way, whatever the order in which
/// copies of the message meet (see ``StoredMessage/applying(_:)`` and ``StoredMessage/isNewerRevision(than:)``).
public enum MessageChange: Hashable, Sendable {
    /// Replace the body; `at` is the edit time in milliseconds since the Unix epoch.
    case edit(body: String, at: Int64)
    /// Delete the message, leaving a tombstone (empty body, ``StoredMessage/deletedAt`` set); `at` is the
    /// deletion time in milliseconds since the Unix epoch.
    case delete(at: Int64)
}

extension StoredMessage {
    /// This message with `change` applied.
    ///
    /// - An edit replaces the body and sets ``editedAt``, unless the message is deleted or already carries a
    ///   later edit (then the message is returned unchanged: the later state wins).
    /// - A delete empties the body and sets ``deletedAt``; deleting a tombstone changes nothing, so the first
    ///   deletion time is kept. ``editedAt`` and ``metadata`` stay.
    public func applying(_ change: MessageChange) -> StoredMessage {
        guard deletedAt == nil else { return self }
        var changed = self
        switch change {
        case .edit(let body, let at):
            if let editedAt, at < editedAt { return self }
            changed.body = body
            changed.editedAt = at
        case .delete(let at):
            changed.body = ""
            changed.deletedAt = at
        }
        return changed
    }

    /// Whether this copy of a message carries a later state than `other` (a copy of the same message): a
    /// tombstone is later than any live copy; between live copies, the later edit is. Equal states are not
    /// newer, so a store that keeps the newer copy never rewrites a row needlessly.
    public func isNewerRevision(than other: StoredMessage) -> Bool {
        switch (deletedAt, other.deletedAt) {
        case (.some, .some), (.none, .some): return false
        case (.some, .none): return true
        case (.none, .none): return (editedAt ?? -1) > (other.editedAt ?? -1)
        }
    }
}
