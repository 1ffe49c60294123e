import ChatStore
import PostgresNIO

extension PostgresClient.Configuration {
    /// Creates a configuration from a URL of the form
    /// `postgres://[user[:password]@]host[:port][/database][?sslmode=disable|prefer|require]`
    /// (`postgresql://` too).
    ///
    /// User name and password are percent-decoded; an IPv6 host is written in brackets. Defaults: user
    /// `postgres`, port 5432, database = the user name, `sslmode=prefer`.
    ///
    /// - Throws: ``ChatStoreError`` with ``ChatStoreError/Code/invalidArgument``.
    public init(chatURL url: String) throws(ChatStoreError) {
        let parts = try PostgresURL(url)
        let tls: PostgresClient.Configuration.TLS
        switch parts.sslMode {
        case "disable": tls = .disable
        case "require": tls = .require(.makeClientConfiguration())
        default: tls = .prefer(.makeClientConfiguration())
        }
        self.init(host: parts.host, port: parts.port, username: parts.user, password: parts.password, database: parts.database, tls: tls)
    }
}

/// The parts of a PostgreSQL connection URL (pure parsing, no I/O).
struct PostgresURL: Hashable, Sendable {
    var user = "postgres"
    var password: String?
    var host = ""
    var port = 5432
    var database: String
    var sslMode = "prefer"

    init(_ url: String) throws(ChatStoreError) {
        func invalid(_ reason: String) -> ChatStoreError {
            ChatStoreError(.invalidArgument, "invalid PostgreSQL URL: \(reason)")
        }
        guard let scheme = ["postgres://", "postgresql://"].first(where: { url.hasPrefix($0) }) else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let userText = userInfo.firstIndex(of: ":").map { userInfo[..<$0] } ?? userInfo
            guard let decodedUser = Self.percentDecoded(userText) else { throw invalid("bad percent-encoding") }
            if !decodedUser.isEmpty { user = decodedUser }
            if let colon = userInfo.firstIndex(of: ":") {
                guard let decoded = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]) else {
                    throw invalid("bad percent-encoding")
                }
                password = decoded
            }
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw invalid("unclosed IPv6 bracket") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("junk after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw invalid("no host") }
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else { throw invalid("bad port \"\(portText)\"") }
            port = value
        }
        guard let decodedPath = Self.percentDecoded(path) else { throw invalid("bad percent-encoding") }
        database = decodedPath.isEmpty ? user : decodedPath
        for pair in query.split(separator: "&") {
            let field = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard field.count == 2, field[0] == "sslmode" else { continue }
            guard ["disable", "prefer", "require"].contains(field[1]) else { throw invalid("unsupported sslmode \(field[1])") }
            sslMode = String(field[1])
        }
    }

    /// `%XX` decoding; `nil` for a malformed escape or invalid UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
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
