/// One chat message as stored and sent to clients.
public struct ChatMessage: Sendable, Hashable {
    /// Server-assigned, time-ordered id (`<ms since epoch, base 36>-<sequence, base 36>`).
    public var id: String
    /// The sender's display name.
    public var name: String
    /// The message text, as the sender typed it (rendered as text by clients, never as HTML).
    public var text: String
    /// When the server accepted the message, in milliseconds since the Unix epoch.
    public var timestamp: Int64

    /// Creates a message.
    public init(id: String, name: String, text: String, timestamp: Int64) {
        self.id = id
        self.name = name
        self.text = text
        self.timestamp = timestamp
    }
}
