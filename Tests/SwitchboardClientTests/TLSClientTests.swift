import EngineIO
import Foundation
import Logging
import NIOCore
import SocketIO
import SwitchboardClient
import SwitchboardClientTLS
import SwitchboardConformance
import SwitchboardJSON
import SwitchboardTLS
import SwitchboardTestSupport
import SwitchboardTransport
import Testing

/// A private CA and a server certificate it signed for `localhost` and `127.0.0.1`, made with openssl.
struct TestCertificates {
    let directory: URL
    var caPath: String { directory.appendingPathComponent("ca.pem").path }
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    static func make() throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("client-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: path("san.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", certificates.caPath,
                     "-days", "1", "-subj", "/CN=Switchboard test CA"])
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", certificates.keyPath, "-out", path("cert.csr"),
                     "-subj", "/CN=localhost"])
        try openssl(["x509", "-req", "-in", path("cert.csr"), "-CA", certificates.caPath, "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", certificates.certificatePath, "-days", "1", "-extfile", path("san.ext")])
        return certificates
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try ExternalProgram.run("/usr/bin/openssl", arguments, errorOutput: .discarded)
        guard result.status == 0 else {
            throw ServerProcess.Failed(description: "openssl \(arguments.joined(separator: " ")) failed")
        }
    }
}

@Suite("Client over HTTPS and WSS", .serialized, .timeLimit(.minutes(1)))
struct TLSClientTests {
    /// Our Socket.IO server with the conformance behaviour, behind TLS, in this process.
    static func startServer(_ certificates: TestCertificates) async throws -> HTTPServer {
        var logger = Logger(label: "test.tls")
        logger.logLevel = .critical
        let io = SocketIOServer(logger: logger)
        ConformanceBehaviour.install(on: io)
        var router = HTTPRouter()
        router.mount(EngineServer(configuration: EngineConfiguration(), delegate: io, logger: logger), at: "/socket.io/")
        let security = try TransportSecurity.tls(
            certificateChainPath: certificates.certificatePath, privateKeyPath: certificates.keyPath
        )
        return HTTPServer(host: "127.0.0.1", port: 0, router: router, security: security, logger: logger)
    }

    @Test(arguments: [[EngineTransportKind.polling], [.websocket], [.polling, .websocket]])
    func connectsOverTLSTrustingACustomCA(transports: [EngineTransportKind]) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.startServer(certificates)
        let port = try await server.start()
        var options = SocketIOClientOptions(transports: transports, auth: ["over": "tls"], forceNew: true, reconnection: false)
        options.tls = try .tls(trustRootsPath: certificates.caPath)
        let scheme = transports == [.websocket] ? "wss" : "https"
        let socket = try SocketIOClient.socket(url: "\(scheme)://localhost:\(port)", options: options)
        let log = EventLog(socket)
        try await socket.connectAndWait()
        #expect(try await log.wait(for: "auth") == [["over": "tls"]])
        socket.emit("message", .binary(ByteBuffer(bytes: [1, 2, 3])))
        #expect(try await log.wait(for: "message-back") == [.binary(ByteBuffer(bytes: [1, 2, 3]))])
        if transports.count == 2 {
            #expect(try await waitForUpgrade(socket))
        }
        #expect(try await socket.timeout(.seconds(5)).emitWithAck("message-with-ack", "secure") == ["secure"])
        socket.disconnect()
        await server.stop()
    }

    @Test func serverCertificateFromAnUntrustedCAIsRefused() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let server = try await Self.startServer(certificates)
        let port = try await server.start()
        // The system trust roots do not include the test CA.
        var options = SocketIOClientOptions(transports: [.websocket], forceNew: true, reconnection: false)
        options.tls = try .tls()
        let socket = try SocketIOClient.socket(url: "wss://localhost:\(port)", options: options)
        do {
            try await socket.connectAndWait()
            Issue.record("connected to a server whose certificate no trust root vouches for")
        } catch {
            #expect(error.code == .transportError)
        }
        socket.disconnect()
        await server.stop()
    }

    @Test func missingTrustRootsFileIsATypedError() {
        do {
            _ = try SocketIOClientTLS.tls(trustRootsPath: "/nonexistent/ca.pem")
            Issue.record("a missing trust roots file was accepted")
        } catch {
            #expect(error.code == .tlsSetup)
        }
    }

    /// `switchboard serve --tls-cert --tls-key` (the chat server) as a process, over HTTPS then WSS.
    @Test func connectsToTheServeCommandOverTLS() async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let binary = try ProcessInfo.processInfo.environment["SWITCHBOARD_BIN"] ?? ExternalProgram.built("switchboard")
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the switchboard binary first: \(binary)")
        let dataDirectory = certificates.directory.appendingPathComponent("data").path
        let server = try await ServerProcess.start(template: [
            binary, "serve", "--host", "127.0.0.1", "--port", "{port}", "--data-dir", dataDirectory,
            "--tls-cert", certificates.certificatePath, "--tls-key", certificates.keyPath,
        ].joined(separator: " "))
        defer { server.stop() }
        var options = SocketIOClientOptions(transports: [.polling, .websocket], forceNew: true, reconnection: false)
        options.tls = try .tls(trustRootsPath: certificates.caPath)
        let socket = try SocketIOClient.socket(url: "https://localhost:\(server.port)", options: options)
        do {
            try await socket.connectAndWait()
        } catch {
            // The chat may refuse an unauthenticated socket: that answer still came over TLS.
            #expect(error.code == .connectError, "\(error)")
        }
        if socket.connected { #expect(try await waitForUpgrade(socket)) }
        socket.disconnect()
    }
}
