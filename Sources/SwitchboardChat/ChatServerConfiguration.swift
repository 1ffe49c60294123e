import EngineIO
import SocketIO

/// Settings of `switchboard serve`.
public struct ChatServerConfiguration: Sendable {
    /// Address to listen on, e.g. `127.0.0.1` or `0.0.0.0`.
    public var host: String
    /// TCP port to listen on (0 picks a free port).
    public var port: Int
    /// Directory for durable data (the archive database lives here once storage lands).
    public var dataDirectory: String
    /// Input limits.
    public var rules: ChatRules
    /// How many messages are kept in memory and how many a new connection receives.
    public var historyCapacity: Int
    /// How many recent messages `chatHistory` sends on connect.
    public var historyOnConnect: Int
    /// Engine.IO settings: heartbeat, `maxPayload`, limits, compression (default: the library's defaults).
    public var engine = EngineConfiguration()
    /// Socket.IO settings: recovery, event rate limit, connect timeout (default: the library's defaults).
    public var socketIO = SocketIOServer.Configuration()

    /// Creates a configuration; every field has a default.
    public init(
        host: String = "127.0.0.1",
        port: Int = 3000,
        dataDirectory: String = ".data",
        rules: ChatRules = ChatRules(),
        historyCapacity: Int = 1_000,
        historyOnConnect: Int = 100
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.rules = rules
        self.historyCapacity = historyCapacity
        self.historyOnConnect = historyOnConnect
    }
}
