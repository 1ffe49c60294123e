import EngineIO
import NIOCore
import NIOHTTP1
import NIOWebSocket
import SwitchboardWebSocket

/// Why a WebSocket upgrade was refused (the request then goes on as a plain HTTP request and gets its 4xx).
struct WebSocketUpgradeRefusal: Error {
    var reason: String
}

/// Our `HTTPServerProtocolUpgrader` for `websocket`: picks the route by path, so every route has its own
/// frame limit and pipeline, and Engine.IO endpoints get neither a frame decoder nor a frame encoder.
struct RoutingWebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let router: HTTPRouter
    /// Whether the connection is TLS.
    let isSecure: Bool

    var supportedProtocol: String { "websocket" }
    var requiredUpgradeHeaders: [String] { [] }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers[canonicalForm: "sec-websocket-key"]
        guard upgradeRequest.method == .GET, keys.count == 1, let key = keys.first,
            upgradeRequest.headers[canonicalForm: "sec-websocket-version"] == ["13"]
        else {
            return channel.eventLoop.makeFailedFuture(WebSocketUpgradeRefusal(reason: "bad WebSocket handshake"))
        }
        var headers = initialResponseHeaders
        headers.add(name: "Sec-WebSocket-Accept", value: WebSocketAcceptKey.accept(forKey: String(key)))
        let path = EngineRequestValidation.path(ofTarget: upgradeRequest.uri)
        if let server = router.engineServer(forPath: path) {
            if let deflate = Self.negotiateDeflate(upgradeRequest, server: server) {
                headers.add(name: "Sec-WebSocket-Extensions", value: deflate.responseHeader)
            }
            let answer = headers
            let isSecure = self.isSecure
            return server.validateWebSocketUpgrade(
                upgradeRequest, remoteAddress: channel.remoteAddress?.ipAddress, eventLoop: channel.eventLoop
            ).flatMapThrowing {
                // NIO writes the 101 next; hold its flush so the open packet leaves with it (removed in `upgrade`).
                if !isSecure, channel.eventLoop.inEventLoop {
                    try channel.pipeline.syncOperations.addHandler(UpgradeResponseCork(), position: .first)
                }
                return answer
            }
        }
        if let route = router.webSocketRoutes[String(path)] {
            guard let extra = route.shouldUpgrade(upgradeRequest) else {
                return channel.eventLoop.makeFailedFuture(WebSocketUpgradeRefusal(reason: "refused by route"))
            }
            headers.add(contentsOf: extra)
            return channel.eventLoop.makeSucceededFuture(headers)
        }
        return channel.eventLoop.makeFailedFuture(WebSocketUpgradeRefusal(reason: "no WebSocket at this path"))
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        let path = EngineRequestValidation.path(ofTarget: upgradeRequest.uri)
        let channel = context.channel
        if let server = router.engineServer(forPath: path) {
            defer {
                // Flushes the 101 together with what the session wrote behind it (the open packet).
                if let cork = try? channel.pipeline.syncOperations.context(handlerType: UpgradeResponseCork.self) {
                    channel.pipeline.syncOperations.removeHandler(context: cork, promise: nil)
                }
            }
            do {
                let handler = try Self.addEngineWebSocketHandlers(channel: channel, server: server, request: upgradeRequest)
                server.webSocketUpgraded(upgradeRequest, handler: handler, channel: channel, isSecure: isSecure)
                return channel.eventLoop.makeSucceededVoidFuture()
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }
        guard let route = router.webSocketRoutes[String(path)] else {
            return channel.eventLoop.makeFailedFuture(WebSocketUpgradeRefusal(reason: "no WebSocket at this path"))
        }
        do {
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            try channel.pipeline.syncOperations.addHandler(
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: route.maxFrameSize)))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return route.configurePipeline(channel, upgradeRequest)
    }

    /// Adds the Engine.IO WebSocket handler of `server` (it reads frames itself) behind the last handler of `channel`
    /// (on its loop), and sets its write-buffer water marks; the caller then passes the handler to
    /// `server.webSocketUpgraded`. `writesBypassPipeline`: no outbound handler is (or will be) in front of the new
    /// ones, so the handler may write to the channel's core directly.
    static func addEngineWebSocketHandlers(
        channel: any Channel, server: EngineServer, request: HTTPRequestHead, writesBypassPipeline: Bool = false
    ) throws -> EngineWebSocketHandler {
        let limits = server.configuration.limits
        // Above the soft limit the channel is not writable (volatile packets are dropped).
        try channel.syncOptions?.setOption(
            .writeBufferWaterMark,
            value: .init(low: limits.outboundSoftLimit / 2, high: limits.outboundSoftLimit))
        let handler = try EngineWebSocketHandler(
            maxMessageSize: server.configuration.maxPayload, outboundHardLimit: limits.outboundHardLimit,
            deflate: negotiateDeflate(request, server: server).map {
                ($0.configuration, server.configuration.compression.perMessageDeflateThreshold ?? 0)
            },
            loopContext: server.loopContext(for: channel.eventLoop), writesBypassPipeline: writesBypassPipeline)
        try channel.pipeline.syncOperations.addHandler(handler)
        return handler
    }

    /// The agreed permessage-deflate parameters, when the server enables it and the client offers it.
    static func negotiateDeflate(
        _ request: HTTPRequestHead, server: EngineServer
    ) -> (responseHeader: String, configuration: PerMessageDeflate.Configuration)? {
        guard server.configuration.compression.perMessageDeflateThreshold != nil else { return nil }
        let offers = request.headers["sec-websocket-extensions"]
        guard !offers.isEmpty else { return nil }
        return PerMessageDeflate.negotiate(offers: offers.joined(separator: ", "))
    }
}
