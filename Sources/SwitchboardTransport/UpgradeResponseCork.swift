import NIOCore

/// Holds back the flush of the HTTP `101 Switching Protocols` answer until the Engine.IO open packet is
/// written behind it, so both leave in one `send()` (one syscall per new WebSocket session instead of two).
///
/// NIO's upgrade handler writes and flushes the 101, and only calls the upgrader once that write's promise
/// has completed; so while the cork is in the pipeline it passes writes on at once and completes their
/// promise of the first write (the 101) itself (the bytes are queued in the channel; if they can never be sent
/// the channel closes), and it swallows flushes. ``RoutingWebSocketUpgrader`` adds it (first in the pipeline, nearest the socket) when
/// an Engine.IO WebSocket upgrade is accepted, and removes it at the end of its `upgrade` step, after the open
/// packet was written; removal flushes what was held. Only plain-TCP connections get one.
final class UpgradeResponseCork: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var heldFlush = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if heldFlush {
            // After the 101: promises complete when the bytes are really written (e.g. a close frame's).
            context.write(data, promise: promise)
        } else {
            context.write(data, promise: nil)
            promise?.succeed()
        }
    }

    func flush(context: ChannelHandlerContext) {
        heldFlush = true
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if heldFlush { context.flush() }
    }
}
