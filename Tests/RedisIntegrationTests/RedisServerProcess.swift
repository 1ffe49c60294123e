import Foundation
import NIOCore
import NIOPosix
import SwitchboardRedis
import Testing

/// A real `redis-server` on a free loopback port with its own temporary directory, started for one test
/// and stopped by PID afterwards. A missing binary fails the test; it is never skipped.
final class RedisServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only touched by the test that owns this object, sequentially.
    let port: Int
    let directory: URL
    let extraArguments: [String]
    private var process: Process?

    struct MissingBinary: Error, CustomStringConvertible {
        var description: String { "redis-server not found on PATH or in /usr/bin, /usr/local/bin: install it (apt-get install -y redis-server)" }
    }

    struct StartFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
            let candidate = directory + "/redis-server"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MissingBinary()
    }

    /// Starts a server and waits until it accepts connections.
    init(extraArguments: [String] = []) async throws {
        self.port = try await Self.freePort()
        self.directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-redis-\(UUID().uuidString)")
        self.extraArguments = extraArguments
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await start()
    }

    var configuration: RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: port)
    }

    /// Starts (or restarts) redis-server on the same port and directory.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
                throw StartFailed(description: "redis-server exited with \(process.terminationStatus): \(log)")
            }
            if (try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get().close().get()) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StartFailed(description: "redis-server did not accept connections on port \(port) within 10 s")
    }

    /// Starts the server again after ``kill()``. Nodes keep reconnecting to the dead port, and a connect
    /// to a free loopback port in the ephemeral range can connect to itself for a moment and hold the
    /// port, so the bind is retried.
    func restart() async throws {
        for attempt in 1...10 {
            do {
                try await start()
                return
            } catch where attempt < 10 {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops the server and removes its directory. SIGKILL, because a child started from a test thread
    /// may inherit a signal mask that blocks SIGTERM; nothing is persisted anyway (`--save ""`).
    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }
}

/// Runs `body` with a fresh redis-server, stopping it afterwards whatever happens.
func withRedisServer<T>(
    arguments: [String] = [],
    _ body: (RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess(extraArguments: arguments)
    defer { server.stop() }
    return try await body(server)
}
