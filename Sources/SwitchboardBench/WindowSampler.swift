#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// CPU and RSS samples of the server (when its pid is known) and of this process, taken at the
/// start and the end of the measured window, turned into report figures.
struct WindowSampler: Sendable {
    /// The server's pid, if known.
    let serverPID: Int32?
    private(set) var serverBefore: ProcessSample?
    private(set) var serverAfter: ProcessSample?
    private var clientBefore: ProcessSample?
    private var clientAfter: ProcessSample?

    init(serverPID: Int32?) {
        self.serverPID = serverPID
    }

    /// Samples at the start of the window. A server sample that fails is an error (wrong pid).
    mutating func begin() throws(BenchError) {
        if let serverPID { serverBefore = try ProcessSample.read(pid: serverPID) }
        clientBefore = try? ProcessSample.read(pid: getpid())
    }

    /// Samples at the end of the window.
    mutating func end() throws(BenchError) {
        if let serverPID { serverAfter = try ProcessSample.read(pid: serverPID) }
        clientAfter = try? ProcessSample.read(pid: getpid())
    }

    /// Server CPU per message and RSS, if the server was sampled.
    func serverFigures(messages: UInt64, rssPerConnection: Double?) -> BenchReport.Server? {
        guard let serverPID, let before = serverBefore, let after = serverAfter else { return nil }
        let cpu = after.cpuMicros &- before.cpuMicros
        return BenchReport.Server(
            pid: serverPID, cpuMicros: cpu,
            cpuMicrosPerMessage: Self.perMessage(cpu, messages),
            rssBeforeBytes: before.rssBytes, rssAfterBytes: after.rssBytes,
            rssDeltaBytes: Int64(after.rssBytes) - Int64(before.rssBytes),
            rssPerConnectionBytes: rssPerConnection.map { $0.rounded() })
    }

    /// This process's CPU over the window.
    func clientFigures(messages: UInt64, windowSeconds: Double) -> BenchReport.Client? {
        guard let before = clientBefore, let after = clientAfter else { return nil }
        let cpu = after.cpuMicros &- before.cpuMicros
        return BenchReport.Client(
            cpuMicros: cpu, cpuMicrosPerMessage: Self.perMessage(cpu, messages),
            utilization: windowSeconds > 0 ? (Double(cpu) / 1e6 / windowSeconds).rounded3 : 0)
    }

    private static func perMessage(_ cpu: UInt64, _ messages: UInt64) -> Double? {
        messages > 0 ? (Double(cpu) / Double(messages)).rounded3 : nil
    }
}
