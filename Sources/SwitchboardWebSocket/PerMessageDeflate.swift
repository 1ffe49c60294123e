/// The permessage-deflate WebSocket extension (RFC 7692): negotiation of its parameters.
///
/// Call ``negotiate(offers:options:)`` with the client's `Sec-WebSocket-Extensions` header during the
/// upgrade; send back the returned header value and pass the configuration to
/// ``WebSocketConfiguration/deflate``.
public enum PerMessageDeflate {
    /// The extension token.
    public static let extensionName = "permessage-deflate"

    /// The server's policy: what it asks for beyond what the client's offer requires.
    public struct Options: Sendable, Hashable {
        /// Reset the server's compression context after every message, even if the client did not
        /// ask (`server_no_context_takeover`). Saves memory per connection; compresses worse.
        public var serverNoContextTakeover: Bool
        /// Ask the client to reset its compression context after every message
        /// (`client_no_context_takeover`). The server also includes it when the client's offer does.
        public var clientNoContextTakeover: Bool
        /// The largest LZ77 window the server compresses with, as a base-2 logarithm, 8...15.
        public var serverMaxWindowBits: Int
        /// The largest LZ77 window the server asks the client to compress with, 8...15. Only sent
        /// when the client's offer has `client_max_window_bits`; 15 asks for nothing.
        public var clientMaxWindowBits: Int
        /// zlib compression level for outgoing messages, 0 (store) ... 9 (smallest), -1 for zlib's default (6).
        public var compressionLevel: Int
        /// zlib memory level for the compressor, 1...9 (zlib's default is 8).
        public var memoryLevel: Int

        /// Creates options; the defaults ask for nothing beyond the client's offer.
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

    /// The parameters agreed for one connection.
    public struct Configuration: Sendable, Hashable {
        /// The server resets its compression context after every message.
        public var serverNoContextTakeover: Bool
        /// The client resets its compression context after every message, so the server resets its
        /// decompression context too.
        public var clientNoContextTakeover: Bool
        /// The server's LZ77 window, base-2 logarithm, 8...15, as agreed on the wire.
        public var serverMaxWindowBits: Int
        /// The client's LZ77 window, base-2 logarithm, 8...15, as agreed on the wire.
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
    ///   - options: the server's policy.
    /// - Returns: the value for the response's `Sec-WebSocket-Extensions` header and the agreed
    ///   parameters, or `nil` if no offer is acceptable (or the header is malformed): then the
    ///   connection goes on without compression.
    public static func negotiate(
        offers: String,
        options: Options = Options()
    ) -> (responseHeader: String, configuration: Configuration)? {
        guard let parsed = ExtensionHeaderParser.parse(offers) else { return nil }
        for offer in parsed where offer.name.lowercased() == extensionName {
            if let requested = self.validate(offer) {
                let configuration = self.accept(requested, options: options)
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

    /// The configuration for a valid offer under the server's `options`.
    static func accept(_ requested: OfferParameters, options: Options) -> Configuration {
        let serverBits = min(requested.serverMaxWindowBits ?? 15, options.serverMaxWindowBits)
        var clientBits = 15
        if case .some(let offered) = requested.clientMaxWindowBits {
            clientBits = min(offered ?? 15, options.clientMaxWindowBits)
        }
        return Configuration(
            serverNoContextTakeover: requested.serverNoContextTakeover || options.serverNoContextTakeover,
            clientNoContextTakeover: requested.clientNoContextTakeover || options.clientNoContextTakeover,
            serverMaxWindowBits: serverBits,
            clientMaxWindowBits: clientBits,
            compressionLevel: options.compressionLevel,
            memoryLevel: options.memoryLevel
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
