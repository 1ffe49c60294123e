import Foundation

/// A real PostgreSQL server (`initdb` + `postgres` from `/usr/lib/postgresql/<newest>/bin`, run as the
/// `postgres` system user because they refuse root) with trust authentication, on a free loopback port
/// and a temporary data directory; stopped by PID. Missing binaries fail the test; it is never skipped.
public final class PostgresServerProcess: @unchecked Sendable {
    // @unchecked Sendable: only touched by the test that owns this object, sequentially.
    /// The loopback port the server listens on (kept across restarts).
    public let port: Int
    /// The temporary directory holding the data directory, the socket and the log; removed by ``stop()``.
    public let directory: URL
    /// The directory of `initdb`, `postgres` and `pg_isready`.
    public let binDirectory: String
    private let fsync: Bool
    private var process: Process?

    /// The newest installed PostgreSQL's `bin` directory.
    public static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root))?.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) } ?? []
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/postgres") {
            return "\(root)/\(version)/bin"
        }
        throw TestSupportError("PostgreSQL binaries not found under \(root): install them (apt-get install -y postgresql)")
    }

    /// Creates a database cluster and starts the server. `fsync` off makes tests fast; committed data still
    /// survives a server crash (not an OS crash).
    public init(fsync: Bool = false) async throws {
        binDirectory = try Self.binDirectory()
        port = try await freeLoopbackPort()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("chatstore-pg-\(UUID().uuidString)")
        self.fsync = fsync
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try ExternalProgram.run("/bin/chown", ["postgres:postgres", directory.path])
        let initdb = try ExternalProgram.run(try Self.runuser(), [
            "-u", "postgres", "--", "\(binDirectory)/initdb", "-D", dataDirectory, "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale=C",
        ])
        guard initdb.status == 0 else { throw TestSupportError("initdb failed: \(initdb.output)") }
        try await start()
    }

    /// The database cluster's directory.
    public var dataDirectory: String { directory.appendingPathComponent("data").path }

    private static func runuser() throws -> String {
        try ExternalProgram.find("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin"])
    }

    /// Starts (or restarts) the server on the same port and data directory, waiting until it accepts queries.
    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.runuser())
        process.arguments = [
            "-u", "postgres", "--", "\(binDirectory)/postgres", "-D", dataDirectory,
            "-c", "listen_addresses=127.0.0.1", "-p", "\(port)", "-k", directory.path,
            "-c", "fsync=\(fsync ? "on" : "off")", "-c", "max_connections=50", "-c", "shared_buffers=128MB",
        ]
        process.standardOutput = FileHandle.nullDevice
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
                throw TestSupportError("postgres exited with \(process.terminationStatus): \(text)")
            }
            if try ExternalProgram.run(isReady, ["-h", "127.0.0.1", "-p", "\(port)", "-q"]).status == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("postgres did not accept connections on \(port) within 30 s")
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
    public func kill() {
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

    /// Kills the server and removes its directory.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}
