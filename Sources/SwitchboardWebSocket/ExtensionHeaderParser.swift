/// One element of a `Sec-WebSocket-Extensions` header: an extension name and its parameters, in order.
struct WebSocketExtensionOffer: Sendable, Hashable {
    /// A parameter; `value` is `nil` when the parameter has no `=value` part. Quoted-string values
    /// are unescaped.
    struct Parameter: Sendable, Hashable {
        var name: String
        var value: String?
    }

    var name: String
    var parameters: [Parameter]
}

/// Parses a `Sec-WebSocket-Extensions` header value (RFC 6455 §9.1):
///
///     extension-list  = 1#extension
///     extension       = extension-token *( ";" extension-param )
///     extension-param = token [ "=" (token / quoted-string) ]
///
/// Several header lines are joined with "," before parsing (RFC 7230 §3.2.2). Empty list elements
/// are skipped, as the `#` rule allows.
enum ExtensionHeaderParser {
    /// The offers in `header`, or `nil` if it is not syntactically valid.
    static func parse(_ header: String) -> [WebSocketExtensionOffer]? {
        var scanner = Scanner(bytes: Array(header.utf8))
        var offers: [WebSocketExtensionOffer] = []
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd { return offers }
            if scanner.consume(UInt8(ascii: ",")) { continue }
            guard let name = scanner.token() else { return nil }
            var offer = WebSocketExtensionOffer(name: name, parameters: [])
            scanner.skipWhitespace()
            while scanner.consume(UInt8(ascii: ";")) {
                scanner.skipWhitespace()
                guard let parameterName = scanner.token() else { return nil }
                scanner.skipWhitespace()
                var value: String? = nil
                if scanner.consume(UInt8(ascii: "=")) {
                    scanner.skipWhitespace()
                    guard let parsed = scanner.quotedString() ?? scanner.token() else { return nil }
                    value = parsed
                    scanner.skipWhitespace()
                }
                offer.parameters.append(.init(name: parameterName, value: value))
            }
            offers.append(offer)
            scanner.skipWhitespace()
            if scanner.isAtEnd { return offers }
            guard scanner.consume(UInt8(ascii: ",")) else { return nil }
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var isAtEnd: Bool { self.index >= self.bytes.count }

        mutating func skipWhitespace() {
            while self.index < self.bytes.count, self.bytes[self.index] == 0x20 || self.bytes[self.index] == 0x09 {
                self.index += 1
            }
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
            self.index += 1
            return true
        }

        /// `token = 1*tchar` (RFC 7230 §3.2.6).
        mutating func token() -> String? {
            let start = self.index
            while self.index < self.bytes.count, Self.isTokenCharacter(self.bytes[self.index]) {
                self.index += 1
            }
            guard self.index > start else { return nil }
            return String(decoding: self.bytes[start..<self.index], as: UTF8.self)
        }

        /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`, unescaped; `nil` if the next
        /// byte is not a quote or the string is not terminated.
        mutating func quotedString() -> String? {
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else { return nil }
            var cursor = self.index + 1
            var value: [UInt8] = []
            while cursor < self.bytes.count {
                let byte = self.bytes[cursor]
                switch byte {
                case UInt8(ascii: "\""):
                    self.index = cursor + 1
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard cursor + 1 < self.bytes.count else { return nil }
                    value.append(self.bytes[cursor + 1])
                    cursor += 2
                case 0x00...0x08, 0x0A...0x1F, 0x7F:
                    return nil
                default:
                    value.append(byte)
                    cursor += 1
                }
            }
            return nil
        }

        static func isTokenCharacter(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                return true
            default:
                return false
            }
        }
    }
}
