import NIOCore
import NIOSSL
import SwitchboardClient

extension SocketIOClientTLS {
    /// TLS from a SwiftNIO SSL client configuration (default: the system trust roots, full verification).
    ///
    /// The server name is sent (SNI) and verified unless the URL's host is an IP address.
    ///
    /// - Throws: `SocketIOClientError` with code `tlsSetup` when the configuration is unusable.
    public static func tls(configuration: TLSConfiguration = .makeClientConfiguration()) throws(SocketIOClientError) -> SocketIOClientTLS {
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SocketIOClientError(code: .tlsSetup, message: "cannot make a TLS context: \(error)")
        }
        return SocketIOClientTLS { channel, host in
            let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
            let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : host)
            try channel.pipeline.syncOperations.addHandler(handler)
        }
    }

    /// TLS that trusts only the certificate authorities in the PEM file at `trustRootsPath` (a private CA
    /// or a self-signed server certificate), with full verification.
    ///
    /// - Throws: `SocketIOClientError` with code `tlsSetup` when the file cannot be read or parsed.
    public static func tls(trustRootsPath: String) throws(SocketIOClientError) -> SocketIOClientTLS {
        let roots: [NIOSSLCertificate]
        do {
            roots = try NIOSSLCertificate.fromPEMFile(trustRootsPath)
        } catch {
            throw SocketIOClientError(code: .tlsSetup, message: "cannot read trust roots from \(trustRootsPath): \(error)")
        }
        guard !roots.isEmpty else {
            throw SocketIOClientError(code: .tlsSetup, message: "no certificate in \(trustRootsPath)")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(roots)
        return try tls(configuration: configuration)
    }
}
