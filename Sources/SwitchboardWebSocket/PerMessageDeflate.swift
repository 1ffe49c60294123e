/// The permessage-deflate WebSocket extension (RFC 7692): negotiation of its parameters.
///
/// Call ``negotiate(offers:preferred:)`` with the client's `Sec-WebSocket-Extensions` header during the
/// upgrade; send back the returned header value and pass the configuration to
/// ``WebSocketConfiguration/deflate``.
public enum PerMessageDeflate {
    /// The extension token.
    public static let extensionName = "permessage-deflate"

    /// The parameters of permessage-deflate on one connection.
    ///
    /// ``negotiate(offers:preferred:)`` takes the server's preferred configuration (what it would
    /// choose if the client left it free) and returns the one agreed with the client: the preferred
    /// one, tightened where the client's offer asks for more.
    public struct Configuration: Sendable, Hashable {
        /// The server resets its compression context after every message (`server_no_context_takeover`).
        /// Preferred: reset even if the client did not ask; saves memory per connection, compresses worse.
        public var serverNoContextTakeover: Bool
        /// The client resets its compression context after every message (`client_no_context_takeover`),
        /// so the server resets its decompression context too. Preferred: ask the client for it.
        public var clientNoContextTakeover: Bool
        /// The server's LZ77 window, base-2 logarithm, 8...15. Preferred: the largest the server
        /// will compress with.
        public var serverMaxWindowBits: Int
        /// The client's LZ77 window, base-2 logarithm, 8...15. Preferred: the largest the server asks
        /// the client to use, only sent when the client's offer has `client_max_window_bits`.
        public var clientMaxWindowBits: Int
        /// zlib compression level for outgoing messages (-1...9).
        public var compressionLevel: Int
        /// zlib memory level for the compressor (1...9).
        public var memoryLevel: Int

        /// Creates a configuration; the defaults are permessage-deflate without parameters.
        public init(
            serverNoContextTakeover: Bool = false,
            clientNoContextTakeover: Bool = false,
            serverMaxWindowBits: Int = 15,
            clientMaxWindowBits: Int = 15,
            compressionLevel: Int = -1,
            memoryLevel: Int = 8
        ) {
            self.serverNoContextTakeover = serverNoContextTakeover
            self.clientNoContextTakeover = clientNoContextTakeover
            self.serverMaxWindowBits = min(max(serverMaxWindowBits, 8), 15)
            self.clientMaxWindowBits = min(max(clientMaxWindowBits, 8), 15)
            self.compressionLevel = min(max(compressionLevel, -1), 9)
            self.memoryLevel = min(max(memoryLevel, 1), 9)
        }
    }

    /// Chooses the first acceptable permessage-deflate offer in a `Sec-WebSocket-Extensions` header.
    ///
    /// An offer is declined if it has an unknown or duplicate parameter, a value on a
    /// `*_no_context_takeover` parameter, a `server_max_window_bits` without a value, or a window
    /// size that is not a plain decimal 8...15 (RFC 7692 §7.1). Offers of other extensions are
    /// ignored.
    ///
    /// - Parameters:
    ///   - offers: the header value; join several header lines with ", ".
    ///   - preferred: the configuration the server would choose if the client left it free.
    /// - Returns: the value for the response's `Sec-WebSocket-Extensions` header and the agreed
    ///   parameters, or `nil` if no offer is acceptable (or the header is malformed): then the
    ///   connection goes on without compression.
    public static func negotiate(
        offers: String,
        preferred: Configuration = Configuration()
    ) -> (responseHeader: String, configuration: Configuration)? {
        guard let parsed = ExtensionHeaderParser.parse(offers) else { return nil }
        for offer in parsed where offer.name.lowercased() == extensionName {
            if let requested = self.validate(offer) {
                let configuration = self.accept(requested, preferred: preferred)
                let header = self.responseHeader(
                    for: configuration,
                    statingServerWindow: requested.serverMaxWindowBits != nil
                )
                return (header, configuration)
            }
        }
        return nil
    }

    /// The parameters the client asked for in one offer.
    struct OfferParameters: Hashable {
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverMaxWindowBits: Int? = nil
        /// `.some(nil)`: the parameter without a value (the client accepts any window we name).
        var clientMaxWindowBits: Int?? = nil
    }

    /// The offer's parameters, or `nil` if the offer breaks a rule of RFC 7692 §7.1.
    static func validate(_ offer: WebSocketExtensionOffer) -> OfferParameters? {
        var result = OfferParameters()
        var seen: Set<String> = []
        for parameter in offer.parameters {
            let name = parameter.name.lowercased()
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "server_no_context_takeover":
                guard parameter.value == nil else { return nil }
                result.serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard parameter.value == nil else { return nil }
                result.clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let value = parameter.value, let bits = self.windowBits(value) else { return nil }
                result.serverMaxWindowBits = bits
            case "client_max_window_bits":
                if let value = parameter.value {
                    guard let bits = self.windowBits(value) else { return nil }
                    result.clientMaxWindowBits = .some(bits)
                } else {
                    result.clientMaxWindowBits = .some(nil)
                }
            default:
                return nil
            }
        }
        return result
    }

    /// `%x38-39 / %x31 %x30-35`: "8" ... "15" with no sign, spaces or leading zeros.
    static func windowBits(_ value: String) -> Int? {
        switch value {
        case "8": 8
        case "9": 9
        case "10": 10
        case "11": 11
        case "12": 12
        case "13": 13
        case "14": 14
        case "15": 15
        default: nil
        }
    }

    /// The configuration for a valid offer, starting from the server's `preferred` one.
    static func accept(_ requested: OfferParameters, preferred: Configuration) -> Configuration {
        let serverBits = min(requested.serverMaxWindowBits ?? 15, preferred.serverMaxWindowBits)
        var clientBits = 15
        if case .some(let offered) = requested.clientMaxWindowBits {
            clientBits = min(offered ?? 15, preferred.clientMaxWindowBits)
        }
        return Configuration(
            serverNoContextTakeover: requested.serverNoContextTakeover || preferred.serverNoContextTakeover,
            clientNoContextTakeover: requested.clientNoContextTakeover || preferred.clientNoContextTakeover,
            serverMaxWindowBits: serverBits,
            clientMaxWindowBits: clientBits,
            compressionLevel: preferred.compressionLevel,
            memoryLevel: preferred.memoryLevel
        )
    }

    /// The response header value that states `configuration`. Window sizes at their default (15) are
    /// left out, except `server_max_window_bits` when the offer had it: the server must then answer
    /// it (RFC 7692 §7.1.2.1).
    static func responseHeader(for configuration: Configuration, statingServerWindow: Bool) -> String {
        var header = extensionName
        if configuration.serverNoContextTakeover { header += "; server_no_context_takeover" }
        if configuration.clientNoContextTakeover { header += "; client_no_context_takeover" }
        if statingServerWindow || configuration.serverMaxWindowBits < 15 {
            header += "; server_max_window_bits=\(configuration.serverMaxWindowBits)"
        }
        if configuration.clientMaxWindowBits < 15 {
            header += "; client_max_window_bits=\(configuration.clientMaxWindowBits)"
        }
        return header
    }
}
