import ArgumentParser
import EngineIO
import NIOCore
import SocketIO
import SwitchboardHTTPAPI
import SwitchboardTransport

/// Heartbeat, limits, recovery, compression and the publish API for the commands that serve Socket.IO
/// (`serve`, `bench-server`). An option left out keeps the command's default (see each help text).
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: "Milliseconds between server pings (default 25000).")
    var pingInterval: Int64?

    @Option(name: .long, help: "Milliseconds a client has to answer a ping (default 20000).")
    var pingTimeout: Int64?

    @Option(name: .long, help: "Largest polling body or WebSocket message in bytes, maxHttpBufferSize (default 1000000).")
    var maxPayload: Int?

    @Option(name: .long, help: "Most open connections, 0 for no cap (serve: 50000; bench-server: no cap).")
    var maxConnections: Int?

    @Option(name: .long, help: "Most open connections per client IP address, 0 for no cap (serve: 1000; bench-server: no cap).")
    var maxConnectionsPerIp: Int?

    @Option(name: .long, help: "New connections per second per IP address, 0 for no limit (serve: 50; bench-server: none).")
    var connectRate: Double?

    @Option(name: .long, help: "New connections an IP address may open at once (default 100; with --connect-rate).")
    var connectBurst: Int?

    @Option(name: .long, help: "Inbound events per second per socket, 0 for no limit (serve: 100, burst 200; bench-server: none).")
    var eventRate: Double?

    @Option(name: .long, help: "Inbound events a socket may send at once (default twice --event-rate).")
    var eventBurst: Int?

    @Option(name: .long, help: "What an event over the rate does: 'drop' (error event to the client) or 'disconnect' (default drop).")
    var eventRateReaction: String?

    @Option(name: .long, help: "Seconds a disconnected session can be recovered (connection state recovery), 0 for off (default off).")
    var recovery: Int?

    @Flag(name: .long, inversion: .prefixedNo, help: "permessage-deflate on WebSocket when the client offers it (default off).")
    var perMessageDeflate: Bool?

    @Option(name: .long, help: "Smallest WebSocket message compressed with permessage-deflate, in bytes (default 1024).")
    var deflateThreshold: Int?

    @Option(name: .long, help: "Bearer token of the HTTP publish API POST \(PublishAPIRoute.defaultPath) (env SWITCHBOARD_PUBLISH_TOKEN); no API without it.")
    var publishToken: String?

    /// The publish token from the option or the environment, `nil` when the API is off.
    var resolvedPublishToken: String? { publishToken.flatMap { $0.isEmpty ? nil : $0 } ?? EnvironmentDefault.string("PUBLISH_TOKEN") }

    /// `base` with the options given on the command line applied.
    func engineConfiguration(base: EngineConfiguration) throws -> EngineConfiguration {
        var configuration = base
        if let pingInterval { configuration.pingInterval = try positive(pingInterval, "--ping-interval") }
        if let pingTimeout { configuration.pingTimeout = try positive(pingTimeout, "--ping-timeout") }
        if let maxPayload { configuration.maxPayload = try positive(maxPayload, "--max-payload") }
        if let maxConnections { configuration.limits.maxSessions = try cap(maxConnections, "--max-connections") }
        if let maxConnectionsPerIp { configuration.limits.maxSessionsPerAddress = try cap(maxConnectionsPerIp, "--max-connections-per-ip") }
        if connectRate != nil || connectBurst != nil {
            let rate = connectRate ?? configuration.limits.connectRate?.perSecond ?? 50
            let burst = try positive(connectBurst ?? configuration.limits.connectRate?.burst ?? 100, "--connect-burst")
            guard rate >= 0 else { throw ValidationError("--connect-rate must be ≥ 0") }
            configuration.limits.connectRate = rate == 0 ? nil : ServerLimits.ConnectRate(burst: burst, perSecond: rate)
        }
        if perMessageDeflate == true || (perMessageDeflate == nil && deflateThreshold != nil) {
            let threshold = deflateThreshold ?? configuration.compression.perMessageDeflateThreshold ?? 1_024
            guard threshold >= 0 else { throw ValidationError("--deflate-threshold must be ≥ 0") }
            configuration.compression.perMessageDeflateThreshold = threshold
        } else if perMessageDeflate == false {
            configuration.compression.perMessageDeflateThreshold = nil
        }
        return configuration
    }

    /// `base` with the options given on the command line applied.
    func socketIOConfiguration(base: SocketIOServer.Configuration) throws -> SocketIOServer.Configuration {
        var configuration = base
        if eventRate != nil || eventBurst != nil || eventRateReaction != nil {
            let rate = eventRate ?? configuration.eventRateLimit?.eventsPerSecond ?? 100
            guard rate >= 0 else { throw ValidationError("--event-rate must be ≥ 0") }
            let burst = try positive(eventBurst ?? max(1, Int((rate * 2).rounded())), "--event-burst")
            let reaction: SocketIOEventRateLimit.Reaction
            switch eventRateReaction ?? "drop" {
            case "drop": reaction = .dropWithError
            case "disconnect": reaction = .disconnect
            case let other: throw ValidationError("--event-rate-reaction must be 'drop' or 'disconnect', got '\(other)'")
            }
            configuration.eventRateLimit = rate == 0 ? nil : SocketIOEventRateLimit(eventsPerSecond: rate, burst: burst, reaction: reaction)
        }
        if let recovery {
            guard recovery >= 0 else { throw ValidationError("--recovery must be ≥ 0") }
            configuration.connectionStateRecovery = recovery == 0
                ? nil : SocketIOConnectionStateRecovery(maxDisconnectionDuration: .seconds(Int64(recovery)))
        }
        return configuration
    }

    /// Adds the publish API to `router` when a token is set.
    func addPublishRoute(to router: inout HTTPRouter, io: SocketIOServer) {
        guard let token = resolvedPublishToken else { return }
        PublishAPIRoute.add(to: &router, io: io, token: token)
    }

    private func positive<Number: Numeric & Comparable>(_ value: Number, _ name: String) throws -> Number {
        guard value > 0 else { throw ValidationError("\(name) must be > 0") }
        return value
    }

    /// A cap: 0 means none.
    private func cap(_ value: Int, _ name: String) throws -> Int? {
        guard value >= 0 else { throw ValidationError("\(name) must be ≥ 0 (0 for no cap)") }
        return value == 0 ? nil : value
    }
}

extension ServerOptions {
    /// The Socket.IO defaults of `serve`: a per-socket event rate limit of 100 events per second (burst 200,
    /// dropped with an error event) on top of the library defaults.
    static let serveSocketIODefaults: SocketIOServer.Configuration = {
        var configuration = SocketIOServer.Configuration()
        configuration.eventRateLimit = SocketIOEventRateLimit(eventsPerSecond: 100, burst: 200, reaction: .dropWithError)
        return configuration
    }()
}
