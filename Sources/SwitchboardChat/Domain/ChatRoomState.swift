/// The state of the seed chat: who is registered on which connection, and the history.
///
/// Pure and synchronous: the Socket.IO wiring owns one instance behind a lock and turns the returned
/// values into emits.
public struct ChatRoomState: Sendable {
    /// The validation limits.
    public let rules: ChatRules
    /// Registered display names by socket id.
    public private(set) var names: [String: String] = [:]
    /// The message history.
    public private(set) var history: MessageHistory
    private var ids = MessageIDGenerator()

    /// Creates an empty chat.
    public init(rules: ChatRules = ChatRules(), historyCapacity: Int = 1_000) {
        self.rules = rules
        self.history = MessageHistory(capacity: historyCapacity)
    }

    /// Registers (or renames) the user on `socketID`; returns the accepted name.
    public mutating func register(socketID: String, name raw: String) throws(ChatError) -> String {
        let name = try rules.validateName(raw)
        names[socketID] = name
        return name
    }

    /// Forgets the user on `socketID` (disconnect); returns the name it had, if any.
    @discardableResult
    public mutating func unregister(socketID: String) -> String? {
        names.removeValue(forKey: socketID)
    }

    /// Accepts a message from the user on `socketID` at `nowMilliseconds` and records it.
    public mutating func send(socketID: String, text raw: String, nowMilliseconds: Int64) throws(ChatError) -> ChatMessage {
        guard let name = names[socketID] else {
            throw ChatError(.notRegistered, "register a name before sending")
        }
        let text = try rules.validateMessage(raw)
        let (id, timestamp) = ids.next(nowMilliseconds: nowMilliseconds)
        let message = ChatMessage(id: id, name: name, text: text, timestamp: timestamp)
        history.append(message)
        return message
    }
}
