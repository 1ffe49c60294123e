/// The generic parts of a server's URL, `scheme://[user[:password]@]host[:port][/path][?query][#fragment]`,
/// split and percent-decoded (pure parsing, no I/O).
///
/// The Redis and PostgreSQL configurations read their URLs through it and then apply their own rules
/// (default host and port, what the path and the query mean).
public struct ServerURL: Hashable, Sendable {
    /// One `name=value` pair of the query, as written (not decoded).
    public struct QueryItem: Hashable, Sendable {
        /// The name before `=`.
        public var name: String
        /// The value after `=` (empty when there is no `=`).
        public var value: String

        /// Creates a pair.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The scheme that matched, e.g. `redis` (without `://`).
    public var scheme: String
    /// The percent-decoded user of the userinfo; `nil` without an `@`.
    public var user: String?
    /// The percent-decoded password after the userinfo's first `:`; `nil` without one.
    public var password: String?
    /// The host, without the brackets of an IPv6 address; may be empty.
    public var host: String
    /// The port, if written (1…65 535).
    public var port: Int?
    /// The percent-decoded path without its leading `/`; empty when there is none.
    public var path: String
    /// The query's `name=value` pairs in order.
    public var query: [QueryItem]

    /// Splits `text`, which must start with one of `schemes` followed by `://`.
    ///
    /// - Throws: ``ServerURLError`` naming what is wrong (scheme, percent-encoding, brackets, port).
    public init(parsing text: String, schemes: [String]) throws(ServerURLError) {
        guard let scheme = schemes.first(where: { text.hasPrefix($0 + "://") }) else {
            throw ServerURLError("the scheme must be " + schemes.map { $0 + "://" }.joined(separator: " or "))
        }
        self.scheme = scheme
        var rest = Substring(text.dropFirst(scheme.count + 3))
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var queryText: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var pathText: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            pathText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            user = try Self.decoded(colon.map { userInfo[..<$0] } ?? userInfo)
            password = try colon.map { colon throws(ServerURLError) in try Self.decoded(userInfo[userInfo.index(after: colon)...]) }
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ServerURLError("unclosed IPv6 bracket") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ServerURLError("junk after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else { throw ServerURLError("bad port \"\(portText)\"") }
            port = value
        }
        path = try Self.decoded(pathText)
        query = queryText.split(separator: "&").map { pair in
            let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return QueryItem(name: String(field[0]), value: field.count == 2 ? String(field[1]) : "")
        }
    }

    /// `%XX` decoding.
    ///
    /// - Throws: ``ServerURLError`` for a malformed escape or bytes that are not UTF-8.
    static func decoded(_ text: Substring) throws(ServerURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw ServerURLError("bad percent-encoding")
            }
            bytes.append(high << 4 | low)
        }
        guard let string = String(validating: bytes, as: UTF8.self) else { throw ServerURLError("bad percent-encoding") }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a server URL could not be read.
public struct ServerURLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong, e.g. `bad port "x"`.
    public var reason: String

    /// Creates an error.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
