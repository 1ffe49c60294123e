import ChatStore
import PostgresNIO
import ServerURL

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
        let parts: ServerURL
        do {
            parts = try ServerURL(parsing: url, schemes: ["postgres", "postgresql"])
        } catch {
            throw invalid(error.reason)
        }
        if let user = parts.user, !user.isEmpty { self.user = user }
        password = parts.password
        guard !parts.host.isEmpty else { throw invalid("no host") }
        host = parts.host
        port = parts.port ?? port
        database = parts.path.isEmpty ? user : parts.path
        for item in parts.query where item.name == "sslmode" {
            guard ["disable", "prefer", "require"].contains(item.value) else { throw invalid("unsupported sslmode \(item.value)") }
            sslMode = item.value
        }
    }
}
