/// A refused Engine.IO HTTP request, with the code and message engine.io puts in its JSON error body.
public struct EngineRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The engine.io error code (`0`…`5`; `6` and `7` are Switchboard's limits).
    public var code: Int
    /// The message of the JSON body.
    public var message: String
    /// The HTTP status of the answer.
    public var httpStatus: Int

    /// Creates an error with an explicit code and message; the status is 403 for code `4`, else 400.
    public init(code: Int, message: String) {
        self.init(code: code, message: message, httpStatus: code == 4 ? 403 : 400)
    }

    /// Creates an error with an explicit code, message and HTTP status.
    public init(code: Int, message: String, httpStatus: Int) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    /// `0`: the `transport` query parameter is missing, unknown or not enabled.
    public static let unknownTransport = EngineRequestError(code: 0, message: "Transport unknown")
    /// `1`: no session has this `sid`.
    public static let unknownSessionID = EngineRequestError(code: 1, message: "Session ID unknown")
    /// `2`: a handshake (no `sid`) that is not a `GET`.
    public static let badHandshakeMethod = EngineRequestError(code: 2, message: "Bad handshake method")
    /// `3`: any other malformed or out-of-place request.
    public static let badRequest = EngineRequestError(code: 3, message: "Bad request")
    /// `4`: ``EngineConfiguration/allowRequest`` refused the handshake.
    public static func forbidden(_ message: String = "Forbidden") -> EngineRequestError {
        EngineRequestError(code: 4, message: message)
    }
    /// `5`: `EIO` is missing or not `4`.
    public static let unsupportedProtocolVersion = EngineRequestError(code: 5, message: "Unsupported protocol version")

    /// `6` (HTTP 503, a Switchboard extension): ``ServerLimits/maxSessions`` is reached.
    public static let serverAtCapacity = EngineRequestError(code: 6, message: "Server at capacity", httpStatus: 503)
    /// `6` (HTTP 503, a Switchboard extension): ``ServerLimits/maxSessionsPerAddress`` is reached.
    public static let addressAtCapacity = EngineRequestError(
        code: 6, message: "Too many sessions from this address", httpStatus: 503)
    /// `7` (HTTP 429, a Switchboard extension): the address opens sessions faster than ``ServerLimits/connectRate``.
    public static let rateLimited = EngineRequestError(code: 7, message: "Too many handshakes", httpStatus: 429)

    /// The JSON body, e.g. `{"code":1,"message":"Session ID unknown"}`.
    public var jsonBody: String {
        "{\"code\":\(code),\"message\":\(JSONString.quote(message))}"
    }

    /// A short explanation.
    public var description: String { "EngineRequestError(\(code): \(message))" }
}

/// What an Engine.IO HTTP request asks for, once its method and query have been checked.
public enum EngineRequestTarget: Sendable, Hashable {
    /// Open a new session over `transport`.
    case handshake(EngineTransportKind)
    /// A long-polling `GET` for session `sid`.
    case poll(sid: String)
    /// A polling `POST` of packets for session `sid`.
    case post(sid: String)
    /// A WebSocket joining session `sid` (an upgrade from polling).
    case upgrade(sid: String)
    /// A CORS preflight.
    case preflight
}

/// Pure rules for Engine.IO HTTP requests (engine.io's `verify`), without session lookup.
public enum EngineRequestValidation {
    /// Classifies a request or names why it is refused.
    ///
    /// - Parameters:
    ///   - method: the HTTP method, upper case (`GET`, `POST`, `OPTIONS`, ...).
    ///   - query: decoded query parameters.
    ///   - isWebSocketUpgrade: whether the request asks to upgrade to WebSocket.
    ///   - transports: the enabled transports.
    public static func classify(
        method: String, query: [String: String], isWebSocketUpgrade: Bool, transports: Set<EngineTransportKind>
    ) -> Result<EngineRequestTarget, EngineRequestError> {
        if method == "OPTIONS" && !isWebSocketUpgrade { return .success(.preflight) }
        guard let transportName = query["transport"], let transport = EngineTransportKind(rawValue: transportName),
            transports.contains(transport)
        else { return .failure(.unknownTransport) }
        guard query["EIO"] == "4" else { return .failure(.unsupportedProtocolVersion) }
        if let sid = query["sid"], !sid.isEmpty {
            if isWebSocketUpgrade {
                guard method == "GET", transport == .websocket else { return .failure(.badRequest) }
                return .success(.upgrade(sid: sid))
            }
            guard transport == .polling else { return .failure(.badRequest) }
            switch method {
            case "GET": return .success(.poll(sid: sid))
            case "POST": return .success(.post(sid: sid))
            default: return .failure(.badRequest)
            }
        }
        guard method == "GET" else { return .failure(.badHandshakeMethod) }
        if transport == .websocket && !isWebSocketUpgrade { return .failure(.badRequest) }
        if transport == .polling && isWebSocketUpgrade { return .failure(.badRequest) }
        return .success(.handshake(transport))
    }

    /// Decodes the query string of a request target (`/path?a=1&b=2`): percent-decoding and `+` as space;
    /// the first value wins for repeated names. Pairs are split at the bytes `&` and `=` of the UTF-8 target.
    public static func parseQuery(ofTarget target: String) -> (path: Substring, query: [String: String]) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target[...], [:]) }
        var query: [String: String] = [:]
        query.reserveCapacity(4)
        let queryStart = target.utf8.distance(from: target.utf8.startIndex, to: mark) + 1
        var utf8 = target
        utf8.withUTF8 { bytes in
            forEachPair(in: bytes[queryStart...]) { name, value in
                let name = percentDecode(name)
                if query[name] == nil { query[name] = percentDecode(value) }
            }
        }
        return (target[..<mark], query)
    }

    /// The decoded value of the first query parameter named `name` (as ``parseQuery(ofTarget:)`` would give it),
    /// without building the dictionary.
    public static func queryValue(named name: String, inTarget target: String) -> String? {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        let queryStart = target.utf8.distance(from: target.utf8.startIndex, to: mark) + 1
        var utf8 = target
        var found: String?
        utf8.withUTF8 { bytes in
            forEachPair(in: bytes[queryStart...]) { pairName, value in
                guard found == nil else { return }
                let matches =
                    pairName.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") })
                    ? percentDecode(pairName) == name : pairName.elementsEqual(name.utf8)
                if matches { found = percentDecode(value) }
            }
        }
        return found
    }

    /// Calls `body` with the name and value bytes of each non-empty `&`-separated pair of `query` (a pair without
    /// `=` has an empty value).
    static func forEachPair(
        in query: Slice<UnsafeBufferPointer<UInt8>>,
        _ body: (Slice<UnsafeBufferPointer<UInt8>>, Slice<UnsafeBufferPointer<UInt8>>) -> Void
    ) {
        var start = query.startIndex
        while start < query.endIndex {
            let end = query[start...].firstIndex(of: UInt8(ascii: "&")) ?? query.endIndex
            if end > start {
                let pair = query[start..<end]
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    body(pair[..<equals], pair[(equals + 1)...])
                } else {
                    body(pair, pair[end...])
                }
            }
            start = end + 1
        }
    }

    /// The path of a request target (`/path?a=1` → `/path`), without decoding the query.
    public static func path(ofTarget target: String) -> Substring {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target[...] }
        return target[..<mark]
    }

    static func percentDecode(_ text: Substring) -> String {
        var text = text
        return text.withUTF8 { percentDecode($0[...]) }
    }

    /// `%XX` escapes decoded and `+` read as a space; invalid UTF-8 in the result becomes U+FFFD.
    static func percentDecode(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> String {
        // Most names and values have nothing to decode: one string copy, no scratch array.
        if !bytes.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "+") {
                decoded.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), bytes.endIndex - index >= 2,
                let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1])
            {
                decoded.append(high << 4 | low)
                index += 2
            } else {
                decoded.append(byte)
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Minimal JSON string quoting for the few strings Engine.IO writes itself.
enum JSONString {
    static func quote(_ text: String) -> String {
        // Ids, transport names and most messages need no escape: one concatenation.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// The JSON body of the `open` packet.
public enum EngineOpenPacket {
    /// `{"sid":…,"upgrades":[…],"pingInterval":…,"pingTimeout":…,"maxPayload":…}` with exactly these keys, in this order.
    public static func json(sid: String, upgrades: [EngineTransportKind], configuration: EngineConfiguration) -> String {
        json(sid: sid, suffix: suffix(upgrades: upgrades, configuration: configuration))
    }

    /// The body with `suffix` (from ``suffix(upgrades:configuration:)``) after the sid.
    package static func json(sid: String, suffix: String) -> String {
        "{\"sid\":" + JSONString.quote(sid) + suffix
    }

    /// Everything after the sid, `,"upgrades":[…],…}`: the same for every session a server opens on one transport.
    package static func suffix(upgrades: [EngineTransportKind], configuration: EngineConfiguration) -> String {
        let list = upgrades.map { JSONString.quote($0.rawValue) }.joined(separator: ",")
        return ",\"upgrades\":[\(list)],\"pingInterval\":\(configuration.pingInterval),"
            + "\"pingTimeout\":\(configuration.pingTimeout),\"maxPayload\":\(configuration.maxPayload)}"
    }
}
