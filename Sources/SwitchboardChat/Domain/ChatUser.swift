import ChatStore

/// A user as other users see them: the `user` object of the contract.
public struct ChatUser: Hashable, Sendable {
    /// Server-assigned id (`u_…`).
    public var id: String
    /// The unique, lower-case login name.
    public var username: String
    /// The name shown in the UI.
    public var displayName: String

    /// Creates a user.
    public init(id: String, username: String, displayName: String) {
        self.id = id
        self.username = username
        self.displayName = displayName
    }

    /// The public part of a directory record (never the password hash).
    init(_ record: UserRecord) {
        self.init(id: record.id, username: record.username, displayName: record.displayName)
    }
}
