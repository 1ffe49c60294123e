import Foundation

/// A real `redis-server` on a free loopback port with its own temporary directory, started for one test
/// and stopped by PID afterwards. A missing binary fails the test; it is never skipped.
public final class RedisServerProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only touched by the test that owns this object, sequentially.
    /// The loopback port the server listens on (kept across restarts).
    public private(set) var port: Int
    /// The server's working directory (log, append-only file), removed by ``stop()``.
    public let directory: URL
    /// Whether every write is appended to a file and fsynced before the reply, so data survives a SIGKILL.
    public let durable: Bool
    /// Further `redis-server` arguments (`--requirepass`, `--rename-command`, …).
    public let extraArguments: [String]
    private var process: Process?

    /// The `redis-server` executable (on `PATH` or in the usual directories).
    public static func binary() throws -> String {
        try ExternalProgram.find("redis-server", in: ["/usr/bin", "/usr/local/bin", "/usr/sbin"])
    }

    /// Starts a server and waits until it accepts connections. The free port it was given can be taken by
    /// another process before redis-server binds it: then it starts again on a new free port (5 attempts).
    ///
    /// - Parameters:
    ///   - durable: `appendonly yes` with `appendfsync always` instead of no persistence at all.
    ///   - extraArguments: appended to the command line.
    public init(durable: Bool = false, extraArguments: [String] = []) async throws {
        port = try await freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-redis-\(UUID().uuidString)")
        self.durable = durable
        self.extraArguments = extraArguments
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for attempt in 1...5 {
            do {
                try await start()
                return
            } catch where attempt < 5 {
                port = try await freeLoopbackPort()
            }
        }
    }

    /// Starts (or restarts) the server on the same port and directory, waiting until it accepts connections.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        let log = directory.appendingPathComponent("redis.log")
        let persistence = durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", ""] + persistence
            + ["--dir", directory.path, "--logfile", log.path] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        ServerReaper.track(process.processIdentifier)
        do {
            try await waitUntilAccepting(process, port: port, name: "redis-server") {
                (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            }
        } catch {
            kill()  // never leave a server that did not come up behind
            throw error
        }
    }

    /// Starts the server again after ``kill()``. Clients keep reconnecting to the dead port, and a connect to
    /// a free loopback port in the ephemeral range can connect to itself for a moment and hold the port, so
    /// the start is retried (10 attempts, 200 ms apart).
    public func restart() async throws {
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
    public func kill() {
        if let process {
            process.killAndWait()
            ServerReaper.forget(process.processIdentifier)
        }
        process = nil
    }

    /// Stops the server and removes its directory. SIGKILL, because a child started from a test thread may
    /// inherit a signal mask that blocks SIGTERM.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// Runs `body` with a fresh redis-server started with `arguments`, stopping it afterwards whatever happens.
public func withRedisServer<T>(
    arguments: [String] = [],
    _ body: (RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess(extraArguments: arguments)
    defer { server.stop() }
    return try await body(server)
}
