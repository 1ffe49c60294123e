import NIOCore

/// The server the bench talks to. Only loopback targets exist: the tool refuses to load any other
/// host, so it can never be pointed at someone else's machine.
public struct LoopbackTarget: Hashable, Sendable, CustomStringConvertible {
    /// The host exactly as given (`127.0.0.1`, `::1`, `localhost`, …).
    public let host: String
    /// The TCP port.
    public let port: Int
    /// The numeric address to connect to.
    let address: Address

    enum Address: Hashable, Sendable {
        /// IPv4 in 127.0.0.0/8, four octets.
        case ipv4(UInt8, UInt8, UInt8, UInt8)
        /// `::1`.
        case ipv6Loopback
    }

    /// Validates `host` and `port`; throws ``BenchError/Code/nonLoopbackTarget`` for anything
    /// outside 127.0.0.0/8, `::1` and `localhost` (which is taken as 127.0.0.1).
    public init(host: String, port: Int) throws {
        guard (1...65535).contains(port) else {
            throw BenchError(.invalidOption, "port \(port) is not in 1...65535")
        }
        var bare = Substring(host)
        if bare.hasPrefix("["), bare.hasSuffix("]") {
            bare = bare.dropFirst().dropLast()
        }
        if bare.lowercased() == "localhost" {
            address = .ipv4(127, 0, 0, 1)
        } else if bare == "::1" || bare.lowercased() == "0:0:0:0:0:0:0:1" {
            address = .ipv6Loopback
        } else if let octets = Self.parseIPv4(bare), octets.0 == 127 {
            address = .ipv4(octets.0, octets.1, octets.2, octets.3)
        } else {
            throw BenchError(.nonLoopbackTarget, "refusing target host '\(host)': only 127.0.0.0/8, ::1 and localhost are allowed")
        }
        self.host = host
        self.port = port
    }

    /// Strict dotted-quad: four decimal octets, no leading zeros beyond a single `0`, nothing else.
    static func parseIPv4(_ text: Substring) -> (UInt8, UInt8, UInt8, UInt8)? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            if part.count > 1, part.first == "0" { return nil }
            guard let value = UInt8(part) else { return nil }
            octets.append(value)
        }
        return (octets[0], octets[1], octets[2], octets[3])
    }

    /// The address text for sockets and the `Host` header.
    var numericHost: String {
        switch address {
        case .ipv4(let a, let b, let c, let d): return "\(a).\(b).\(c).\(d)"
        case .ipv6Loopback: return "::1"
        }
    }

    /// The `Host` header value.
    var hostHeader: String {
        switch address {
        case .ipv4: return "\(numericHost):\(port)"
        case .ipv6Loopback: return "[::1]:\(port)"
        }
    }

    /// Whether connections can be spread over 127.0.0.x source addresses.
    var supportsSourceSpread: Bool {
        if case .ipv4 = address { return true }
        return false
    }

    /// The local source address for connection number `index` when spreading: 127.0.0.(1 + index % 250).
    static func sourceHost(forConnection index: Int) -> String {
        "127.0.0.\(1 + index % 250)"
    }

    /// The socket address to connect to.
    func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: numericHost, port: port)
    }

    /// `host:port`.
    public var description: String { hostHeader }
}
