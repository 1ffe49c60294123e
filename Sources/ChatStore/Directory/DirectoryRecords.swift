/// An account in a ``ChatDirectory``.
public struct UserRecord: Hashable, Sendable {
    /// Stable user ID (the JWT subject, the sender of messages).
    public var id: String
    /// Login name; unique regardless of case (see ``ChatDirectory/createUser(_:)``).
    public var username: String
    /// Name shown to other users.
    public var displayName: String
    /// The password hash, in whatever self-describing format the caller chose (never the password).
    public var passwordHash: String
    /// Creation time, in milliseconds since the Unix epoch.
    public var createdAt: Int64

    /// Creates a record.
    public init(id: String, username: String, displayName: String, passwordHash: String, createdAt: Int64) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// Who may see and join a room.
public enum RoomKind: String, Hashable, Sendable, CaseIterable {
    /// Listed; anyone may join.
    case `public`
    /// Unlisted; members only.
    case `private`
    /// A conversation between users (usually two); its name need not be unique.
    case direct
}

/// A room in a ``ChatDirectory``.
public struct RoomRecord: Hashable, Sendable {
    /// Stable room ID (the `room` of its messages).
    public var id: String
    /// Display name; unique regardless of case among public and private rooms.
    public var name: String
    /// Who may see and join it.
    public var kind: RoomKind
    /// The creator's user ID.
    public var createdBy: String
    /// Creation time, in milliseconds since the Unix epoch.
    public var createdAt: Int64

    /// Creates a record.
    public init(id: String, name: String, kind: RoomKind, createdBy: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.kind = kind
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// How directories compare names that must be unique regardless of case.
package enum DirectoryName {
    /// The form under which `name` is unique: Unicode lowercase. Stored beside the name so that SQL
    /// backends compare exactly as Swift does.
    package static func key(_ name: String) -> String { name.lowercased() }

    /// Whether rooms of `kind` take part in name uniqueness (direct rooms do not).
    package static func isUnique(_ kind: RoomKind) -> Bool { kind != .direct }
}
