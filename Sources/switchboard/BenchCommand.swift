import ArgumentParser
import SwitchboardBench

/// `switchboard bench`: the load generator (connect, echo, fanout) against a loopback server.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load a loopback Socket.IO server over WebSocket; JSON result on stdout, progress on stderr.",
        subcommands: [Connect.self, Echo.self, Fanout.self]
    )

    /// Options every scenario shares.
    struct Common: ParsableArguments {
        @Option(name: .long, help: "Server host: 127.0.0.0/8, ::1 or localhost only.")
        var host: String = "127.0.0.1"

        @Option(name: .long, help: "Server port; repeat it to spread the clients round robin over several servers (cluster nodes).")
        var port: [Int] = [3000]

        @Option(name: .long, help: "Client event loops (threads), 1...64.")
        var threads: Int = 2

        @Option(name: .long, help: "Measured window in seconds for echo and fanout (max 600); connect uses --hold.")
        var duration: Double = 10

        @Option(name: .long, help: "Server process id, or 'auto' to take it from the server's stats event: report server CPU-µs per message and RSS from /proc.")
        var serverPid: String?

        @Option(name: .long, help: "New connections per second during the ramp.")
        var connectRate: Int = 2000

        @Flag(name: .long, inversion: .prefixedNo, help: "Bind sources to 127.0.0.(1 + i % 250) (default: automatic above 20000 connections).")
        var spreadSources: Bool?

        @Flag(name: .long, help: "Print only the JSON result on stdout (no human summary on stderr).")
        var json = false

        @Flag(name: .long, help: "No progress lines on stderr.")
        var quiet = false

        func makeConfiguration(connectRate override: Int? = nil) throws -> BenchConfiguration {
            var pid: Int32?
            if let serverPid, serverPid != "auto" {
                guard let parsed = Int32(serverPid), parsed > 0 else {
                    throw ValidationError("--server-pid must be a process id or 'auto'")
                }
                pid = parsed
            }
            var configuration = BenchConfiguration(
                target: try LoopbackTarget(host: host, port: port.first ?? 3000), threads: threads,
                durationSeconds: duration, connectRatePerSecond: override ?? connectRate,
                spreadSourceAddresses: spreadSources, serverPID: pid, discoverServerPID: serverPid == "auto",
                progress: !quiet)
            configuration.additionalTargets = try port.dropFirst().map { try LoopbackTarget(host: host, port: $0) }
            return configuration
        }

        func run(_ scenario: BenchScenario, connectRate: Int? = nil) async throws {
            let runner = try BenchRunner(configuration: try makeConfiguration(connectRate: connectRate), scenario: scenario)
            let report = try await runner.run()
            print(try report.jsonText())
            if !json { runner.progressSink(report.humanSummary) }
        }
    }

    /// `bench connect --n N [--hold S] [--rate R]`.
    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open N connections at --rate per second, then hold them idle (heartbeats only).")

        @Option(name: .long, help: "Connections to open.")
        var n: Int = 1000

        @Option(name: .long, help: "Seconds to hold the connections idle after the ramp (max 600); at least the server pingInterval (25 s by default) to measure heartbeat cost.")
        var hold: Double = 30

        @Option(name: .long, help: "New connections per second.")
        var rate: Int = 2000

        @OptionGroup var common: Common

        func run() async throws {
            try await common.run(.connect(connections: n, holdSeconds: hold), connectRate: rate)
        }
    }

    /// `bench echo --clients C --inflight K [--payload-bytes B] [--rate R]`.
    struct Echo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Each client keeps K `echo` emits with acks in flight; acks/s and latency percentiles.")

        @Option(name: .long, help: "Clients.")
        var clients: Int = 10

        @Option(name: .long, help: "Echo emits in flight per client, 1...1024.")
        var inflight: Int = 1

        @Option(name: .long, help: "Payload characters per echo.")
        var payloadBytes: Int = 32

        @Option(name: .long, help: "Emits per second per client, paced (open loop); 0 sends the next emit as soon as the ack arrives (closed loop).")
        var rate: Double = 0

        @OptionGroup var common: Common

        func run() async throws {
            try await common.run(.echo(clients: clients, inflight: inflight, payloadBytes: payloadBytes, ratePerClient: rate))
        }
    }

    /// `bench fanout --clients C --rate M [--senders S]`.
    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "All clients join one room; senders emit `bcast` at M msgs/s in total; deliveries, ratio, order, latency.")

        @Option(name: .long, help: "Clients (all join the room).")
        var clients: Int = 100

        @Option(name: .long, help: "Messages per second, all senders together.")
        var rate: Double = 100

        @Option(name: .long, help: "Sending clients (the first S).")
        var senders: Int = 1

        @Option(name: .long, help: "Extra padding characters per message.")
        var payloadBytes: Int = 0

        @OptionGroup var common: Common

        func run() async throws {
            try await common.run(.fanout(clients: clients, ratePerSecond: rate, senders: senders, paddingBytes: payloadBytes))
        }
    }
}
