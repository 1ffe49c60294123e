/// A chat message as stored in the hot store and the archive.
public struct StoredMessage: Hashable, Sendable {
    /// Server-assigned, time-ordered identifier; unique across all rooms.
    public var id: MessageID
    /// The sender's idempotency key: appending the same `(room, clientMessageID)` twice stores one message.
    public var clientMessageID: String
    /// The room the message was sent to.
    public var room: String
    /// The sender's user ID.
    public var sender: String
    /// The message text.
    public var body: String
    /// Creation time, in milliseconds since the Unix epoch (equal to `id.milliseconds` for stored messages).
    public var createdAt: Int64
    /// Time of the last edit, in milliseconds since the Unix epoch, if edited.
    public var editedAt: Int64?
    /// Time of deletion, in milliseconds since the Unix epoch, if deleted (a tombstone keeps its ID).
    public var deletedAt: Int64?
    /// Free-form string attributes (stored as a JSON object of strings).
    public var metadata: [String: String]

    /// Creates a message.
    public init(
        id: MessageID,
        clientMessageID: String,
        room: String,
        sender: String,
        body: String,
        createdAt: Int64,
        editedAt: Int64? = nil,
        deletedAt: Int64? = nil,
        metadata: [String: String] = [:]
    ) {
        self.id = id
        self.clientMessageID = clientMessageID
        self.room = room
        self.sender = sender
        self.body = body
        self.createdAt = createdAt
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.metadata = metadata
    }
}

/// A message submitted by a client, before the store assigns its ID and creation time.
public struct NewMessage: Hashable, Sendable {
    /// The sender's idempotency key (1…``MessageLimits/maxClientMessageIDBytes`` bytes).
    public var clientMessageID: String
    /// The target room (1…``MessageLimits/maxRoomBytes`` bytes).
    public var room: String
    /// The sender's user ID (1…``MessageLimits/maxSenderBytes`` bytes).
    public var sender: String
    /// The text (at most ``MessageLimits/maxBodyBytes`` bytes).
    public var body: String
    /// Free-form string attributes.
    public var metadata: [String: String]

    /// Creates a submission.
    public init(clientMessageID: String, room: String, sender: String, body: String, metadata: [String: String] = [:]) {
        self.clientMessageID = clientMessageID
        self.room = room
        self.sender = sender
        self.body = body
        self.metadata = metadata
    }

    /// The stored form with the given ID; `createdAt` is the ID's millisecond.
    public func stored(as id: MessageID) -> StoredMessage {
        StoredMessage(
            id: id, clientMessageID: clientMessageID, room: room, sender: sender, body: body,
            createdAt: Int64(id.milliseconds), metadata: metadata
        )
    }
}

/// The outcome of ``HotStore/append(_:)``.
public struct AppendResult: Hashable, Sendable {
    /// The stored message (the earlier one when this was a duplicate).
    public var message: StoredMessage
    /// Whether `(room, clientMessageID)` had been stored before, so nothing new was stored.
    public var isDuplicate: Bool

    /// Creates a result.
    public init(message: StoredMessage, isDuplicate: Bool) {
        self.message = message
        self.isDuplicate = isDuplicate
    }
}
