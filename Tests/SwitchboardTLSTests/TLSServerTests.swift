import EngineIO
import Foundation
import Logging
import NIOConcurrencyHelpers
import SwitchboardTLS
import SwitchboardTestSupport
import SwitchboardTransport
import Testing

/// Records whether each accepted session's handshake was secure, and echoes.
final class SecurityRecorder: EngineServerDelegate, EngineConnectionDelegate {
    let secure = NIOLockedValueBox<[Bool]>([])
    func engineServer(didAccept connection: any EngineConnection) {
        secure.withLockedValue { $0.append(connection.handshake.isSecure) }
        connection.delegate = self
    }
    func engineConnection(_ connection: any EngineConnection, didReceive message: EngineMessage) {
        if case .text(let text) = message { connection.send(OutboundEngineMessage(text: text)) }
    }
    func engineConnection(_ connection: any EngineConnection, didCloseWith reason: EngineCloseReason) {}
}

/// Runs the program `name` (found on `PATH`; missing fails the test) off the cooperative threads and
/// returns its standard output; a failing exit status is an issue.
func run(_ name: String, _ arguments: [String]) async throws -> String {
    let result = try await ExternalProgram.runDetached(try ExternalProgram.find(name), arguments, errorOutput: .inherited)
    #expect(result.status == 0, "\(name) \(arguments.joined(separator: " "))")
    return result.output
}

/// A python client that speaks TLS to the server, trusting only `cert.pem`: one polling handshake, then one
/// WebSocket handshake with an echoed message. Prints one line per result.
let pythonClient = #"""
import json, os, socket, ssl, sys, urllib.request
port, cafile = int(sys.argv[1]), sys.argv[2]
context = ssl.create_default_context(cafile=cafile)
body = urllib.request.urlopen(f"https://localhost:{port}/engine.io/?EIO=4&transport=polling", context=context).read()
print("polling", body[:8].decode())
raw = socket.create_connection(("localhost", port))
tls = context.wrap_socket(raw, server_hostname="localhost")
tls.sendall((f"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
data = b""
while b"\r\n\r\n" not in data: data += tls.recv(4096)
head, rest = data.split(b"\r\n\r\n", 1)
print("upgrade", head.split(b"\r\n")[0].decode())
def frame(buffer):
    while len(buffer) < 2 or len(buffer) < 2 + (buffer[1] & 0x7F): buffer += tls.recv(4096)
    length = buffer[1] & 0x7F
    return buffer[2:2 + length].decode(), buffer[2 + length:]
opened, rest = frame(rest)
print("open", opened[:8])
mask = b"\x01\x02\x03\x04"
payload = b"4secret"
tls.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
echo, rest = frame(rest)
print("echo", echo)
"""#

@Suite("HTTPS and WSS", .timeLimit(.minutes(1)))
struct TLSServerTests {
    @Test func realTLSClientHandshakesOverPollingAndWebSocketAndSessionsAreSecure() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        _ = try await run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            ])

        let recorder = SecurityRecorder()
        let engine = EngineServer(configuration: EngineConfiguration(), delegate: recorder, logger: Logger(label: "test"))
        var router = HTTPRouter()
        router.mount(engine, at: "/engine.io/")
        let security = try TransportSecurity.tls(certificateChainPath: cert, privateKeyPath: key)
        let server = HTTPServer(host: "127.0.0.1", port: 0, router: router, security: security, logger: Logger(label: "test"))
        let port = try await server.start()
        defer { Task { await server.stop() } }

        let script = directory.appendingPathComponent("client.py").path
        try pythonClient.write(toFile: script, atomically: true, encoding: .utf8)
        let output = try await run("python3", [script, String(port), cert])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines == ["polling 0{\"sid\":", "upgrade HTTP/1.1 101 Switching Protocols", "open 0{\"sid\":", "echo 4secret"])
        #expect(recorder.secure.withLockedValue { $0 } == [true, true])
    }

    @Test func missingCertificateIsATypedError() throws {
        #expect(throws: TLSSetupError.self) {
            try TransportSecurity.tls(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        }
        do {
            _ = try TransportSecurity.tls(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        } catch let error as TLSSetupError {
            #expect(error.code == .certificateChain)
            #expect(error.path == "/nonexistent/cert.pem")
        }
    }
}
