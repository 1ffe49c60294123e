import NIOCore
import NIOHTTP1
import SwitchboardTransport
import SwitchboardWebSocket

/// `/echo`: every message echoed with its opcode, up to 16 MiB, permessage-deflate when offered.
enum EchoWebSocketRoute {
    /// Largest message echoed, in bytes.
    static let maxMessageSize = 16 * 1024 * 1024

    static func make() -> WebSocketRoute {
        WebSocketRoute(
            maxFrameSize: maxMessageSize,
            shouldUpgrade: { head in
                var headers = HTTPHeaders()
                if let agreed = negotiateDeflate(head) {
                    headers.add(name: "Sec-WebSocket-Extensions", value: agreed.responseHeader)
                }
                return headers
            },
            configurePipeline: { channel, head in
                let configuration = WebSocketConfiguration(
                    maxMessageSize: maxMessageSize,
                    deflate: negotiateDeflate(head)?.configuration
                )
                return channel.addWebSocketEchoHandlers(configuration: configuration)
            }
        )
    }

    /// The agreed permessage-deflate parameters for the request's offers, if any is acceptable.
    static func negotiateDeflate(
        _ head: HTTPRequestHead
    ) -> (responseHeader: String, configuration: PerMessageDeflate.Configuration)? {
        let offers = head.headers["Sec-WebSocket-Extensions"]
        guard !offers.isEmpty else { return nil }
        return PerMessageDeflate.negotiate(offers: offers.joined(separator: ", "))
    }
}
