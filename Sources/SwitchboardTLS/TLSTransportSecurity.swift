import NIOCore
import NIOSSL
import SwitchboardTransport

/// Why a TLS setup could not be built (unreadable or malformed certificate or key).
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, extensible.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// The certificate chain file could not be read or parsed, or held no certificate.
        public static let certificateChain = Code(name: "certificate chain")
        /// The private key file could not be read or parsed.
        public static let privateKey = Code(name: "private key")
        /// The certificate and key could not be combined into a server context.
        public static let context = Code(name: "TLS context")
        /// The name of the code.
        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned, if any.
    public var path: String?
    /// The underlying error, as text.
    public var underlying: String

    /// A short explanation.
    public var description: String {
        "TLS setup failed (\(code))" + (path.map { " for \($0)" } ?? "") + ": \(underlying)"
    }
}

extension TransportSecurity {
    /// HTTPS/WSS from a PEM certificate chain (leaf first) and a PEM private key, with ALPN `http/1.1`.
    ///
    /// ```swift
    /// let security = try TransportSecurity.tls(certificateChainPath: "cert.pem", privateKeyPath: "key.pem")
    /// let server = HTTPServer(host: "0.0.0.0", port: 443, router: router, security: security, logger: logger)
    /// ```
    ///
    /// - Throws: ``TLSSetupError`` when a file cannot be read or parsed.
    public static func tls(certificateChainPath: String, privateKeyPath: String) throws -> TransportSecurity {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw TLSSetupError(code: .certificateChain, path: certificateChainPath, underlying: "\(error)")
        }
        guard !chain.isEmpty else {
            throw TLSSetupError(code: .certificateChain, path: certificateChainPath, underlying: "no certificate in the file")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw TLSSetupError(code: .privateKey, path: privateKeyPath, underlying: "\(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["http/1.1"]
        return try tls(configuration: configuration)
    }

    /// HTTPS/WSS with a full SwiftNIO SSL server configuration.
    ///
    /// - Throws: ``TLSSetupError`` when the configuration cannot make a context.
    public static func tls(configuration: TLSConfiguration) throws -> TransportSecurity {
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError(code: .context, path: nil, underlying: "\(error)")
        }
        return TransportSecurity(isSecure: true) { channel in
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }
    }
}
