import Foundation
import SwitchboardTestSupport

/// A server under test run as a child process from a command template (`{port}` substituted), so a
/// test can kill it by PID, start it again on the same port, or freeze it (SIGSTOP) to silence it.
final class ServerProcess: @unchecked Sendable {
    // Unchecked: `process` is replaced only by `start`/`restart`, which the owning test calls in sequence.
    let template: String
    let port: Int
    private var process: Process?

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private init(template: String, port: Int) {
        self.template = template
        self.port = port
    }

    /// Starts `template` on a free loopback port and waits until it accepts connections.
    static func start(template: String) async throws -> ServerProcess {
        let server = ServerProcess(template: template, port: try await freeLoopbackPort())
        try await server.launch()
        return server
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { process?.processIdentifier ?? 0 }

    /// Kills the process by its PID (SIGKILL: no graceful close reaches the clients) and reaps it.
    func kill() {
        process?.killAndWait()
        process = nil
    }

    /// Starts a new process on the same port.
    func restart() async throws {
        kill()
        try await launch()
    }

    /// Freezes the process: the kernel still accepts connections, the server sends and answers nothing.
    func pause() { signal(pid, SIGSTOP) }

    /// Lets a frozen process run again.
    func resume() { signal(pid, SIGCONT) }

    /// Stops the process (SIGCONT first in case it is frozen).
    func stop() {
        resume()
        kill()
    }

    private func signal(_ pid: Int32, _ signal: Int32) {
        guard pid > 0 else { return }
        _ = Foundation.kill(pid, signal)
    }

    private func launch() async throws {
        let parts = template.replacingOccurrences(of: "{port}", with: String(port)).split(separator: " ").map(String.init)
        guard let executable = parts.first else { throw Failed(description: "empty server command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(parts.dropFirst())
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("client-interop-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        do {
            try await waitUntilAccepting(process, port: port, name: template, interval: .milliseconds(50))
        } catch {
            kill()  // a no-op when it has already exited
            throw Failed(description: "\(error); log: \(log.path)")
        }
    }
}
