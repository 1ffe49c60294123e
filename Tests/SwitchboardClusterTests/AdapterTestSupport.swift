import CoreMetrics
import EngineIO
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import SocketIO
import SwitchboardClient
import SwitchboardCluster
import SwitchboardJSON
import SwitchboardRedis
import SwitchboardTestSupport
import SwitchboardTransport
import Testing

extension RedisServerProcess {
    /// Default client settings for this server.
    var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test.cluster")
    logger.logLevel = .critical
    return logger
}()

/// One Switchboard node of a test cluster: a Socket.IO server with the Redis cluster adapter, on its
/// own loopback port, with the benchmark-style `join`/`leave` events.
struct TestNode: Sendable {
    let io: SocketIOServer
    let http: HTTPServer
    let cluster: ClusterNode
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }

    static func start(
        redis: RedisConfiguration, prefix: String, recovery: Bool = false, port: Int = 0,
        configure: @Sendable (inout SocketIOServer.Configuration) -> Void = { _ in },
        metricsFactory: (any MetricsFactory)? = nil,
        setup: @Sendable (SocketIOServer) -> Void = { _ in }
    ) async throws -> TestNode {
        var configuration = SocketIOServer.Configuration(
            connectionStateRecovery: recovery ? SocketIOConnectionStateRecovery() : nil
        )
        configure(&configuration)
        let options = ClusterOptions(keyspace: .init(prefix: prefix), requestTimeout: .seconds(2), metricsFactory: metricsFactory)
        let cluster = try await ClusterNode.join(redis: redis, configuration: &configuration, options: options, logger: quietLogger)
        let io = SocketIOServer(configuration: configuration, logger: quietLogger)
        io.onConnection { socket in
            socket.on("join") { socket, arguments, ack in
                if let room = arguments.first?.stringValue { socket.join(room) }
                ack?(.bool(true))
            }
            socket.on("leave") { socket, arguments, ack in
                if let room = arguments.first?.stringValue { socket.leave(room) }
                ack?(.bool(true))
            }
        }
        setup(io)
        var router = HTTPRouter()
        router.mount(
            EngineServer(configuration: EngineConfiguration(limits: .unlimited), delegate: io, logger: quietLogger),
            at: "/socket.io/"
        )
        let http = HTTPServer(host: "127.0.0.1", port: port, router: router, drainTimeoutMilliseconds: 200, logger: quietLogger)
        let bound = try await http.start()
        return TestNode(io: io, http: http, cluster: cluster, port: bound)
    }

    var adapter: RedisClusterAdapter { io.mainNamespace.adapter as! RedisClusterAdapter }

    func stop() async {
        await http.stop()
        await cluster.shutdown()
    }
}

/// A redis-server and three nodes, stopped by ``stop()``.
struct TestCluster: Sendable {
    let redis: RedisServerProcess
    let nodes: [TestNode]
    let prefix: String

    static func start(nodes count: Int = 3, recovery: Bool = false, setup: @Sendable (Int, SocketIOServer) -> Void = { _, _ in }) async throws -> TestCluster {
        let redis = try await RedisServerProcess()
        let prefix = "t\(UInt32.random(in: 0...UInt32.max))"
        var nodes: [TestNode] = []
        for index in 0..<count {
            nodes.append(try await TestNode.start(redis: redis.configuration, prefix: prefix, recovery: recovery, setup: { setup(index, $0) }))
        }
        let cluster = TestCluster(redis: redis, nodes: nodes, prefix: prefix)
        // Every node has subscribed to the main namespace's channel.
        try await cluster.waitForSubscribers("\(prefix)#/#", count: count)
        return cluster
    }

    func stop() async {
        for node in nodes { await node.stop() }
        redis.stop()
    }

    /// Waits until `channel` has `count` subscribers.
    func waitForSubscribers(_ channel: String, count: Int, timeout: Duration = .seconds(10)) async throws {
        let client = RedisClient(configuration: redis.configuration)
        defer { Task { await client.shutdown() } }
        try await eventually("\(channel) has \(count) subscribers", timeout: timeout) {
            let reply = try? await client.send(RESPCommand("PUBSUB", "NUMSUB", channel))
            return reply?.elements?.last?.integer == Int64(count)
        }
    }

    func roomChannel(_ room: String, namespace: String = "/") -> String { "\(prefix)#\(namespace)#\(room)#" }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every 10 ms until it holds; records an issue and throws after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
    throw TimedOut(description: what)
}

/// A client connected to one node, with every event it received.
final class TestClient: Sendable {
    let socket: SocketIOClient
    private let received = NIOLockedValueBox<[(name: String, arguments: [JSONValue])]>([])

    /// `reconnecting` is off unless a test needs it: a client left over from an earlier test would otherwise
    /// reconnect to a later test's node that happens to get its old port, and be counted there.
    init(url: String, answers: [String: JSONValue] = [:], reconnecting: Bool = false) throws {
        let options = SocketIOClientOptions(
            transports: [.websocket], forceNew: true, reconnection: reconnecting, reconnectionDelay: .milliseconds(100),
            reconnectionDelayMax: .milliseconds(300), randomizationFactor: 0
        )
        socket = try SocketIOClient.socket(url: url, options: options)
        socket.onAny { [received] name, arguments, ack in
            received.withLockedValue { $0.append((name, arguments)) }
            if let ack, let answer = answers[name] { ack(answer) }
        }
        for name in ["disconnect", "connect"] {
            socket.on(name) { [received] arguments, _ in received.withLockedValue { $0.append((name, arguments)) } }
        }
    }

    static func connect(
        _ url: String, answers: [String: JSONValue] = [:], reconnecting: Bool = false
    ) async throws -> TestClient {
        let client = try TestClient(url: url, answers: answers, reconnecting: reconnecting)
        try await client.socket.connectAndWait()
        return client
    }

    var id: String { socket.id ?? "" }

    /// The arguments of every `name` event, in order.
    func events(_ name: String) -> [[JSONValue]] {
        received.withLockedValue { $0.filter { $0.name == name }.map(\.arguments) }
    }

    /// Waits until `name` arrived `count` times.
    func wait(for name: String, count: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("'\(name)' ×\(count) arrived", sourceLocation: sourceLocation) { events(name).count >= count }
    }

    /// Joins `room` on its node (the `join` event) and waits for the acknowledgement.
    func join(_ room: String) async throws {
        _ = try await socket.emitWithAck("join", .string(room))
    }

    func close() { socket.disconnect() }
}
