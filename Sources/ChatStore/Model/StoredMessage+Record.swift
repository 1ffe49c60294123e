extension StoredMessage {
    /// Builds a message from the columns of a stored record, checking each: a corrupt or foreign record is a
    /// ``ChatStoreError/Code/malformedRecord`` naming the field, never a crash.
    package static func fromRecord(
        rawID: Int64?,
        clientMessageID: String?,
        room: String?,
        sender: String?,
        body: String?,
        createdAt: Int64?,
        editedAt: Int64?,
        deletedAt: Int64?,
        metadataJSON: String?
    ) throws(ChatStoreError) -> StoredMessage {
        guard let rawID, let id = MessageID(rawValue: rawID) else {
            throw ChatStoreError(.malformedRecord, "record has no valid message id (\(rawID.map(String.init) ?? "null"))")
        }
        func required(_ value: String?, _ name: String) throws(ChatStoreError) -> String {
            guard let value else { throw ChatStoreError(.malformedRecord, "record \(id) has no \(name)") }
            return value
        }
        guard let createdAt else { throw ChatStoreError(.malformedRecord, "record \(id) has no created_at") }
        return StoredMessage(
            id: id,
            clientMessageID: try required(clientMessageID, "client_message_id"),
            room: try required(room, "room"),
            sender: try required(sender, "sender"),
            body: try required(body, "body"),
            createdAt: createdAt,
            editedAt: editedAt,
            deletedAt: deletedAt,
            metadata: try MetadataCoding.decode(metadataJSON ?? "{}")
        )
    }
}
