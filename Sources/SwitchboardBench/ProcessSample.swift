#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// CPU time and resident memory of a process, read from Linux `/proc`.
public struct ProcessSample: Hashable, Sendable {
    /// User plus system CPU time, in clock ticks (`utime + stime` of `/proc/PID/stat`).
    public var cpuTicks: UInt64
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`).
    public var ticksPerSecond: UInt64
    /// Resident set size in bytes (`VmRSS` of `/proc/PID/status`).
    public var rssBytes: UInt64

    /// CPU time in microseconds.
    public var cpuMicros: UInt64 { cpuTicks * 1_000_000 / max(ticksPerSecond, 1) }

    /// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`.
    public static func read(pid: Int32) throws(BenchError) -> ProcessSample {
        let stat = try readFile("/proc/\(pid)/stat")
        let status = try readFile("/proc/\(pid)/status")
        let ticks = try parseCPUTicks(stat: stat)
        let rss = try parseRSSBytes(status: status)
        return ProcessSample(cpuTicks: ticks, ticksPerSecond: UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)), rssBytes: rss)
    }

    /// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The command name (field 2)
    /// may hold spaces and parentheses, so fields are counted after the last `)`.
    static func parseCPUTicks(stat: String) throws(BenchError) -> UInt64 {
        guard let close = stat.lastIndex(of: ")") else {
            throw BenchError(.procUnreadable, "no ')' in /proc stat")
        }
        // After ")" come fields 3 (state), 4, …; utime is field 14 → index 11, stime index 12.
        let fields = stat[stat.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count > 12, let utime = UInt64(fields[11]), let stime = UInt64(fields[12]) else {
            throw BenchError(.procUnreadable, "short or non-numeric /proc stat")
        }
        return utime + stime
    }

    /// The `VmRSS:` line of `/proc/PID/status`, in bytes.
    static func parseRSSBytes(status: String) throws(BenchError) -> UInt64 {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, parts[1] == "kB", let kilobytes = UInt64(parts[0]) else {
                throw BenchError(.procUnreadable, "unexpected VmRSS line '\(line)'")
            }
            return kilobytes * 1024
        }
        throw BenchError(.procUnreadable, "no VmRSS line (is the process a zombie?)")
    }

    private static func readFile(_ path: String) throws(BenchError) -> String {
        guard let file = fopen(path, "r") else {
            throw BenchError(.procUnreadable, "cannot open \(path)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
