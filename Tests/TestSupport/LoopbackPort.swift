import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Ports ``freeLoopbackPort()`` has handed out in this test process.
private let portsHandedOut = NIOLockedValueBox<Set<Int>>([])

/// A free TCP port on 127.0.0.1 (bound, read, released), never one handed out before in this test process:
/// tests run in parallel, and a server a test killed to restart it later on the same port must not find
/// another test's server there.
public func freeLoopbackPort() async throws -> Int {
    for _ in 0..<100 {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        if portsHandedOut.withLockedValue({ $0.insert(port).inserted }) { return port }
    }
    throw TestSupportError("no loopback port that was not handed out before in 100 tries")
}

/// Whether something accepts TCP connections on 127.0.0.1:`port` now (the probe connection is closed).
public func acceptsConnections(port: Int) async -> Bool {
    guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
    else { return false }
    try? await channel.close().get()
    return true
}

/// Waits until `process` accepts TCP connections on 127.0.0.1:`port`, polling every `interval`.
///
/// Throws at once when the process exits first (the message ends with `exitDetail()`, e.g. its log), and
/// after `timeout` when it never listens.
public func waitUntilAccepting(
    _ process: Process, port: Int, name: String, timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(20), exitDetail: () -> String = { "" }
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        guard process.isRunning else {
            let detail = exitDetail()
            throw TestSupportError("\(name) exited with \(process.terminationStatus)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        if await acceptsConnections(port: port) { return }
        try await Task.sleep(for: interval)
    }
    throw TestSupportError("\(name) did not accept connections on port \(port) within \(timeout)")
}

extension Process {
    /// Kills the process at once (SIGKILL, as a crash would) by its PID, and reaps it. Does nothing when it
    /// has already exited.
    public func killAndWait() {
        guard isRunning else { return }
        kill(processIdentifier, SIGKILL)
        waitUntilExit()
    }
}
