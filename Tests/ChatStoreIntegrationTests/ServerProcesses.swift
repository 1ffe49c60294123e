import Foundation
import NIOCore
import NIOPosix
import SwitchboardRedis
import Testing

/// A helper process failed to start, or a binary is missing (which fails the test, never skips it).
struct ServerProcessError: Error, CustomStringConvertible {
    var description: String
}

/// A free TCP port on 127.0.0.1 (bound, read, released).
func freeLoopbackPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close().get()
    return port
}

func findBinary(_ name: String, in directories: [String]) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for directory in directories + path.split(separator: ":").map(String.init) {
        let candidate = directory + "/" + name
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw ServerProcessError(description: "\(name) not found in \(directories) or PATH: install it (apt-get install -y postgresql redis-server)")
}

/// Runs a command to completion and returns its exit status and combined output.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A real `redis-server` with an append-only file fsynced on every write, on a free loopback port with its
/// own temporary directory; stopped by PID.
final class DurableRedisProcess: @unchecked Sendable {
    // @unchecked Sendable: `process` is only touched by the test that owns this object, sequentially.
    let port: Int
    let directory: URL
    private var process: Process?

    init() async throws {
        port = try await freeLoopbackPort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatstore-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await start()
    }

    var configuration: RedisConfiguration {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        configuration.reconnectBaseDelay = .milliseconds(20)
        configuration.reconnectMaxDelay = .milliseconds(200)
        configuration.connectTimeout = .seconds(2)
        return configuration
    }

    /// Starts (or restarts) the server on the same port and data directory.
    func start() async throws {
        let binary = try findBinary("redis-server", in: ["/usr/bin", "/usr/local/bin", "/usr/sbin"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always",
            "--dir", directory.path, "--logfile", directory.appendingPathComponent("redis.log").path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
                throw ServerProcessError(description: "redis-server exited with \(process.terminationStatus): \(log)")
            }
            if (try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get().close().get()) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerProcessError(description: "redis-server did not listen on \(port) within 30 s")
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// A real PostgreSQL server (`initdb` + `postgres`, run as the `postgres` system user because they refuse
/// root) with trust authentication, on a free loopback port and a temporary data directory; stopped by PID.
final class PostgresProcess: @unchecked Sendable {
    // @unchecked Sendable: only touched by the test that owns this object, sequentially.
    let port: Int
    let directory: URL
    let binDirectory: String
    private var process: Process?

    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root))?.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) } ?? []
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/postgres") {
            return "\(root)/\(version)/bin"
        }
        throw ServerProcessError(description: "PostgreSQL binaries not found under \(root): install them (apt-get install -y postgresql)")
    }

    /// `fsync` off makes tests fast; committed data still survives a server crash (not an OS crash).
    init(fsync: Bool = false) async throws {
        binDirectory = try Self.binDirectory()
        port = try await freeLoopbackPort()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("chatstore-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let runuser = try findBinary("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin"])
        self.fsync = fsync
        try runCommand("/bin/chown", ["postgres:postgres", directory.path])
        let initdb = try runCommand(runuser, [
            "-u", "postgres", "--", "\(binDirectory)/initdb", "-D", dataDirectory, "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C",
        ])
        guard initdb.status == 0 else { throw ServerProcessError(description: "initdb failed: \(initdb.output)") }
        try await start()
    }

    private let fsync: Bool
    var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Starts (or restarts) the server on the same port and data directory, waiting until it accepts queries.
    func start() async throws {
        let runuser = try findBinary("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runuser)
        process.arguments = [
            "-u", "postgres", "--", "\(binDirectory)/postgres", "-D", dataDirectory,
            "-c", "listen_addresses=127.0.0.1", "-p", "\(port)", "-k", directory.path,
            "-c", "fsync=\(fsync ? "on" : "off")", "-c", "max_connections=50", "-c", "shared_buffers=128MB",
        ]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        let logURL = directory.appendingPathComponent("postgres.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logURL)
        try process.run()
        self.process = process
        let isReady = "\(binDirectory)/pg_isready"
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                throw ServerProcessError(description: "postgres exited with \(process.terminationStatus): \(text)")
            }
            if try runCommand(isReady, ["-h", "127.0.0.1", "-p", "\(port)", "-q"]).status == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError(description: "postgres did not accept connections on \(port) within 30 s")
    }

    /// The postmaster's PID, from `postmaster.pid`.
    private var postmasterPID: pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let line = text.split(separator: "\n").first, let pid = pid_t(line)
        else { return nil }
        return pid
    }

    /// Stops the server at once (SIGQUIT: immediate shutdown, no checkpoint), as an outage would, and waits
    /// until it is gone.
    func kill() {
        if let pid = postmasterPID {
            Foundation.kill(pid, SIGQUIT)
            let deadline = ContinuousClock.now + .seconds(20)
            while Foundation.kill(pid, 0) == 0, ContinuousClock.now < deadline { usleep(20_000) }
            if Foundation.kill(pid, 0) == 0 { Foundation.kill(pid, SIGKILL) }
        }
        if let process {
            process.waitUntilExit()
            self.process = nil
        }
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
