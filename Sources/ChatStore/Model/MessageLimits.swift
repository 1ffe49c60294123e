/// Size bounds that every store enforces on submitted messages, in UTF-8 bytes.
public struct MessageLimits: Hashable, Sendable {
    /// Longest room name, bytes (default 256).
    public var maxRoomBytes: Int
    /// Longest sender ID, bytes (default 256).
    public var maxSenderBytes: Int
    /// Longest idempotency key, bytes (default 128).
    public var maxClientMessageIDBytes: Int
    /// Longest body, bytes (default 64 KiB).
    public var maxBodyBytes: Int
    /// Largest number of metadata entries (default 32).
    public var maxMetadataEntries: Int
    /// Longest metadata JSON encoding, bytes (default 8 KiB).
    public var maxMetadataBytes: Int

    /// Creates limits; every argument has the documented default.
    public init(
        maxRoomBytes: Int = 256,
        maxSenderBytes: Int = 256,
        maxClientMessageIDBytes: Int = 128,
        maxBodyBytes: Int = 64 * 1024,
        maxMetadataEntries: Int = 32,
        maxMetadataBytes: Int = 8 * 1024
    ) {
        self.maxRoomBytes = maxRoomBytes
        self.maxSenderBytes = maxSenderBytes
        self.maxClientMessageIDBytes = maxClientMessageIDBytes
        self.maxBodyBytes = maxBodyBytes
        self.maxMetadataEntries = maxMetadataEntries
        self.maxMetadataBytes = maxMetadataBytes
    }

    /// Throws ``ChatStoreError/Code/invalidMessage`` naming the first field that breaks a bound.
    public func validate(_ message: NewMessage) throws(ChatStoreError) {
        try Self.check("room", message.room, max: maxRoomBytes, allowEmpty: false)
        try Self.check("sender", message.sender, max: maxSenderBytes, allowEmpty: false)
        try Self.check("clientMessageID", message.clientMessageID, max: maxClientMessageIDBytes, allowEmpty: false)
        try Self.check("body", message.body, max: maxBodyBytes, allowEmpty: true)
        guard message.metadata.count <= maxMetadataEntries else {
            throw ChatStoreError(.invalidMessage, "metadata has \(message.metadata.count) entries, limit \(maxMetadataEntries)")
        }
        let metadataBytes = message.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 }
        guard metadataBytes <= maxMetadataBytes else {
            throw ChatStoreError(.invalidMessage, "metadata is about \(metadataBytes) bytes, limit \(maxMetadataBytes)")
        }
    }

    /// Throws ``ChatStoreError/Code/invalidArgument`` unless `limit` is in 1…`maximum`.
    static func checkPageLimit(_ limit: Int, maximum: Int = 10_000) throws(ChatStoreError) {
        guard limit >= 1, limit <= maximum else {
            throw ChatStoreError(.invalidArgument, "page limit \(limit) is outside 1…\(maximum)")
        }
    }

    private static func check(_ field: String, _ value: String, max: Int, allowEmpty: Bool) throws(ChatStoreError) {
        let count = value.utf8.count
        if !allowEmpty && count == 0 {
            throw ChatStoreError(.invalidMessage, "\(field) is empty")
        }
        guard count <= max else {
            throw ChatStoreError(.invalidMessage, "\(field) is \(count) bytes, limit \(max)")
        }
    }
}
