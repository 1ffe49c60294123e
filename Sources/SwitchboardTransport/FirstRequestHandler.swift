import EngineIO
import Logging
import NIOCore
import NIOHTTP1
import SwitchboardWebSocket

/// The only handler of a new plain-TCP connection until its first request head is read: an Engine.IO WebSocket
/// handshake (``WebSocketUpgradeHead`` recognises it) is answered `101` here and gets the WebSocket handlers at
/// once, without NIO's HTTP server pipeline being added and removed again; any other request (polling, HTTP
/// routes, refused or unusual upgrades) gets the HTTP pipeline, which then reads the same bytes.
///
/// Every check and answer is the HTTP path's: requests this handler does not take, and Engine.IO handshakes the
/// server refuses, are answered by the HTTP pipeline (a refusal is handed to ``HTTPConnectionHandler`` as NIO's
/// upgrade handler would, so it is counted once and answered with the same status and body).
final class FirstRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let router: HTTPRouter
    let logger: Logger
    /// Whether this handler is the only one of the connection (no TLS or other handler in front of it): the
    /// WebSocket handler it installs may then write straight to the channel's core.
    let isOnlyHandler: Bool
    /// The bytes read so far while the head is incomplete.
    private var held: ByteBuffer?

    init(router: HTTPRouter, logger: Logger, isOnlyHandler: Bool = false) {
        self.router = router
        self.logger = logger
        self.isOnlyHandler = isOnlyHandler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var earlier = held {
            held = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        switch bytes.withUnsafeReadableBytes({ WebSocketUpgradeHead.classify($0) }) {
        case .incomplete:
            held = bytes
        case .other:
            installHTTPPipeline(context: context, input: bytes, refusal: nil)
        case .upgrade(let head, let key, let length):
            // Only the path and `sid` are needed here: no query dictionary per connection.
            guard EngineRequestValidation.queryValue(named: "sid", inTarget: head.uri) == nil,
                let server = router.engineServer(forPath: EngineRequestValidation.path(ofTarget: head.uri))
            else {
                installHTTPPipeline(context: context, input: bytes, refusal: nil)
                return
            }
            let remoteAddress = context.channel.remoteAddress?.ipAddress
            if let refusal = server.webSocketHandshakeRefusal(head, remoteAddress: remoteAddress) {
                installHTTPPipeline(context: context, input: bytes, refusal: refusal)
                return
            }
            bytes.moveReaderIndex(forwardBy: length)
            openWebSocket(context: context, server: server, head: head, key: key, rest: bytes)
        }
    }

    private func openWebSocket(
        context: ChannelHandlerContext, server: EngineServer, head: HTTPRequestHead, key: String, rest: ByteBuffer
    ) {
        let channel = context.channel
        var response = ByteBuffer()
        response.writeString("HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n")
        response.writeString("Sec-WebSocket-Accept: \(WebSocketAcceptKey.accept(forKey: key))\r\n")
        if let deflate = RoutingWebSocketUpgrader.negotiateDeflate(head, server: server) {
            response.writeString("Sec-WebSocket-Extensions: \(deflate.responseHeader)\r\n")
        }
        response.writeString("\r\n")
        // Not flushed: the open packet written next leaves in the same send().
        context.write(wrapOutboundOut(response), promise: nil)
        do {
            let handler = try RoutingWebSocketUpgrader.addEngineWebSocketHandlers(
                channel: channel, server: server, request: head, writesBypassPipeline: isOnlyHandler)
            server.webSocketUpgraded(head, handler: handler, channel: channel, isSecure: false)
        } catch {
            logger.debug("WebSocket setup failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        context.flush()
        if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Adds the HTTP pipeline behind this handler, hands it `input`, and leaves.
    private func installHTTPPipeline(context: ChannelHandlerContext, input: ByteBuffer, refusal: EngineRequestError?) {
        do {
            let handler = try HTTPServer.configureHTTP(
                channel: context.channel, router: router, isSecure: false, logger: logger, upgrades: refusal == nil)
            if let refusal { handler.upgradeRefused(refusal) }
        } catch {
            logger.debug("HTTP setup failed", metadata: ["error": "\(error)"])
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(input))
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
