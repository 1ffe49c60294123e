import Foundation

/// Servers started by a test process, killed when that process exits.
///
/// A test that stops its servers from a detached task (`defer { Task { await cluster.stop() } }`) can end with the
/// test process before that task runs; the servers would outlive the run, since a child does not die with its
/// parent. Every server registered here that is still running at `exit` gets SIGKILL.
enum ServerReaper {
    // nonisolated(unsafe): only touched under `lock`.
    private nonisolated(unsafe) static var running: Set<Int32> = []
    private static let lock = NSLock()
    private static let installOnce: Void = { atexit { ServerReaper.killAll() } }()

    /// Kills `pid` at process exit unless ``forget(_:)`` is called first.
    static func track(_ pid: Int32) {
        _ = installOnce
        lock.withLock { _ = running.insert(pid) }
    }

    /// The server with `pid` was stopped by its owner.
    static func forget(_ pid: Int32) {
        lock.withLock { _ = running.remove(pid) }
    }

    private static func killAll() {
        for pid in lock.withLock({ running }) { kill(pid, SIGKILL) }
    }
}
