import EngineIO
import NIOCore
import NIOWebSocket
import Testing

@testable import SwitchboardClient

@Suite("Client endpoints and transport encoding")
struct TransportCodingTests {
    @Test func urlGivesHostPortAndNamespace() throws {
        let endpoint = try #require(ClientEndpoint(url: "http://example.com:3000/admin", path: "/socket.io/"))
        #expect(endpoint.host == "example.com")
        #expect(endpoint.port == 3000)
        #expect(endpoint.namespace == "/admin")
        #expect(endpoint.hostHeader == "example.com:3000")
    }

    @Test func defaultPortAndRootNamespace() throws {
        let endpoint = try #require(ClientEndpoint(url: "ws://example.com", path: "socket.io"))
        #expect(endpoint.port == 80)
        #expect(endpoint.namespace == "/")
        #expect(endpoint.path == "/socket.io/")
        #expect(endpoint.hostHeader == "example.com")
    }

    @Test func queryInTheURLIsNotPartOfTheNamespace() throws {
        let endpoint = try #require(ClientEndpoint(url: "http://h:1/chat?x=1", path: "/socket.io/"))
        #expect(endpoint.namespace == "/chat")
    }

    @Test func ipv6Hosts() throws {
        let endpoint = try #require(ClientEndpoint(url: "http://[::1]:8080/", path: "/socket.io/"))
        #expect(endpoint.host == "::1")
        #expect(endpoint.port == 8080)
        #expect(endpoint.hostHeader == "[::1]:8080")
    }

    @Test func secureSchemesUseTLSAndPort443() throws {
        let https = try #require(ClientEndpoint(url: "https://example.com/admin", path: "/socket.io/"))
        #expect(https.isSecure && https.port == 443 && https.namespace == "/admin")
        #expect(https.hostHeader == "example.com")
        let wss = try #require(ClientEndpoint(url: "wss://example.com:8443", path: "/socket.io/"))
        #expect(wss.isSecure && wss.port == 8443 && wss.hostHeader == "example.com:8443")
        #expect(wss.connectionKey != ClientEndpoint(url: "http://example.com:8443", path: "/socket.io/")?.connectionKey)
        #expect(ClientEndpoint(url: "http://example.com:443", path: "/socket.io/")?.hostHeader == "example.com:443")
    }

    @Test func secureURLWithoutTLSOptionsIsRejected() {
        #expect(throws: SocketIOClientError.self) {
            _ = try SocketIOClient.socket(url: "https://example.com", options: SocketIOClientOptions(forceNew: true))
        }
    }

    @Test(arguments: ["ftp://x", "http://", "http://host:0", "http://host:99999", "http://host:abc"])
    func unsupportedOrInvalidURLsAreRejected(url: String) {
        #expect(ClientEndpoint(url: url, path: "/socket.io/") == nil)
    }

    @Test func requestURIHasEngineParametersThenEncodedQuery() throws {
        let endpoint = try #require(ClientEndpoint(url: "http://h:1", path: "/socket.io/"))
        let uri = endpoint.requestURI(transport: .polling, sid: "a/b", query: [("k y", "v&1é")], cacheBuster: "z")
        #expect(uri == "/socket.io/?EIO=4&transport=polling&sid=a%2Fb&t=z&k%20y=v%261%C3%A9")
        #expect(endpoint.requestURI(transport: .websocket, sid: nil, query: [], cacheBuster: nil) == "/socket.io/?EIO=4&transport=websocket")
    }

    /// `data` is the payload as given; NIO's frame encoder applies `maskKey` on the wire.
    @Test func webSocketFramesAreMaskedTextWithTypeDigitOrRawBinary() {
        let text = WebSocketTransport.frame(for: .message(.text(ByteBuffer(string: "2[\"a\"]"))), allocator: ByteBufferAllocator())
        #expect(text.opcode == .text)
        #expect(text.fin)
        #expect(text.maskKey != nil)
        #expect(text.data == ByteBuffer(string: "42[\"a\"]"))
        let probe = WebSocketTransport.frame(for: .ping(ByteBuffer(string: "probe")), allocator: ByteBufferAllocator())
        #expect(probe.data == ByteBuffer(string: "2probe"))
        let binary = WebSocketTransport.frame(for: .message(.binary(ByteBuffer(bytes: [1, 2]))), allocator: ByteBufferAllocator())
        #expect(binary.opcode == .binary)
        #expect(binary.data == ByteBuffer(bytes: [1, 2]))
        #expect(WebSocketTransport.frame(for: .upgrade, allocator: ByteBufferAllocator()).data == ByteBuffer(string: "5"))
    }

    @Test func pollingPostsAreSplitAtMaxPayloadWithoutReordering() {
        var packets: [EnginePacket] = (0..<5).map { .message(.text(ByteBuffer(string: "msg\($0)"))) }
        // Each packet is 5 bytes ("4msgN"); two plus a separator make 11.
        let first = PollingTransport.takePayload(from: &packets, maxPayload: 11)
        #expect(first == ByteBuffer(string: "4msg0\u{1e}4msg1"))
        #expect(packets.count == 3)
        let second = PollingTransport.takePayload(from: &packets, maxPayload: 3)
        #expect(second == ByteBuffer(string: "4msg2"))
        let rest = PollingTransport.takePayload(from: &packets, maxPayload: 1_000)
        #expect(rest == ByteBuffer(string: "4msg3\u{1e}4msg4"))
        #expect(packets.isEmpty)
    }

    @Test func binaryPacketsArePostedAsBase64() {
        var packets: [EnginePacket] = [.message(.binary(ByteBuffer(bytes: [1, 2, 3])))]
        #expect(PollingTransport.takePayload(from: &packets, maxPayload: 100) == ByteBuffer(string: "bAQID"))
    }
}
