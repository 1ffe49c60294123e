import NIOHTTP1
@testable import SwitchboardTransport
import Testing

@Suite("Recognising a WebSocket upgrade head in a connection's first bytes")
struct WebSocketUpgradeHeadTests {
    static let upgrade =
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

    static func classify(_ text: String) -> WebSocketUpgradeHead.Outcome {
        WebSocketUpgradeHead.classify(Array(text.utf8))
    }

    /// `upgrade` with `line` (without CRLF) replaced by `replacement` (`nil` removes it).
    static func variant(_ line: String, _ replacement: String?) -> String {
        let replaced = upgrade.replacingOccurrences(of: line + "\r\n", with: replacement.map { $0 + "\r\n" } ?? "")
        #expect(replaced != upgrade, "\(line) not in the request")
        return replaced
    }

    @Test func wellFormedUpgradeYieldsItsHeadKeyAndLength() {
        guard case .upgrade(let head, let key, let length) = Self.classify(Self.upgrade + "\u{81}\u{85}rest") else {
            Issue.record("not recognised")
            return
        }
        #expect(head.method == .GET)
        #expect(head.uri == "/engine.io/?EIO=4&transport=websocket")
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == ["localhost"])
        #expect(head.headers[canonicalForm: "connection"].map { $0.lowercased() } == ["keep-alive", "upgrade"])
        #expect(key == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(length == Self.upgrade.utf8.count)
    }

    @Test func headerValuesAreTrimmedAndNamesMatchInAnyCase() {
        let text = Self.variant("Upgrade: websocket", "uPGRADE:   WebSocket \t")
        guard case .upgrade(let head, _, _) = Self.classify(text) else {
            Issue.record("not recognised")
            return
        }
        #expect(head.headers["upgrade"] == ["WebSocket"])
    }

    @Test func everyPrefixOfAnUpgradeIsIncomplete() {
        let bytes = Array(Self.upgrade.utf8)
        for count in 0..<bytes.count {
            #expect(WebSocketUpgradeHead.classify(bytes[0..<count]) == .incomplete, "\(count) bytes")
        }
    }

    @Test func otherMethodsAreRecognisedFromTheirFirstBytes() {
        #expect(Self.classify("POST /engine.io/") == .other)
        #expect(Self.classify("PUT") == .other)
        #expect(Self.classify("\u{16}\u{03}\u{01}") == .other)
        #expect(Self.classify("GET *") == .other)
    }

    @Test func headsWithoutACompleteUpgradeGoToTheHTTPPipeline() {
        for text in [
            "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\r\n",
            Self.variant("Upgrade: websocket", nil),
            Self.variant("Upgrade: websocket", "Upgrade: h2c"),
            Self.variant("Upgrade: websocket", "Upgrade: websocket\r\nUpgrade: websocket"),
            Self.variant("Connection: keep-alive, Upgrade", nil),
            Self.variant("Connection: keep-alive, Upgrade", "Connection: keep-alive"),
            Self.variant("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", nil),
            Self.variant("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: a\r\nSec-WebSocket-Key: b"),
            Self.variant("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: a, b"),
            Self.variant("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key:"),
            Self.variant("Sec-WebSocket-Version: 13", nil),
            Self.variant("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
            Self.variant("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 13, 8"),
            Self.variant("Host: localhost", "Content-Length: 0"),
            Self.variant("Host: localhost", "Transfer-Encoding: chunked"),
        ] {
            #expect(Self.classify(text) == .other, "\(text.debugDescription)")
        }
    }

    @Test func malformedHeadsGoToTheHTTPPipeline() {
        for text in [
            Self.upgrade.replacingOccurrences(of: "HTTP/1.1\r\n", with: "HTTP/1.0\r\n"),
            Self.upgrade.replacingOccurrences(of: "GET /engine.io/", with: "GET http://localhost/engine.io/"),
            Self.upgrade.replacingOccurrences(of: "GET /engine.io/", with: "GET  /engine.io/"),
            Self.upgrade.replacingOccurrences(of: "Host: localhost\r\n", with: "Host: localhost\n"),
            Self.variant("Host: localhost", "Host: localhost\r\n folded"),
            Self.variant("Host: localhost", "Host : localhost"),
            Self.variant("Host: localhost", "Host localhost"),
            Self.variant("Host: localhost", ": localhost"),
            Self.variant("Host: localhost", "Host: l\u{7F}calhost"),
            Self.variant("Host: localhost", "Host: café"),
        ] {
            #expect(Self.classify(text) == .other, "\(text.debugDescription)")
        }
    }

    @Test func headsLongerThanTheLimitGoToTheHTTPPipeline() {
        let filler = "X-Filler: " + String(repeating: "a", count: WebSocketUpgradeHead.maximumLength) + "\r\n"
        #expect(Self.classify(Self.variant("Host: localhost", "Host: localhost\r\n" + filler)) == .other)
        #expect(Self.classify("GET /" + String(repeating: "a", count: WebSocketUpgradeHead.maximumLength)) == .other)
    }
}
