import NIOCore
import NIOPosix
import SwitchboardJSON

/// A minimal HTTP/1.1 client for the tests: one request per connection (`Connection: close`).
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser().parse(body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        // Confined to the channel's event loop; `done` is completed once, on close.
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        let done: EventLoopPromise<ByteBuffer>
        init(done: EventLoopPromise<ByteBuffer>) { self.done = done }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.writeBuffer(&buffer)
        }
        func channelInactive(context: ChannelHandlerContext) { done.succeed(received) }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    static func request(
        port: Int, method: String, path: String, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(done: promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        } else {
            text += "\r\n"
        }
        try await channel.writeAndFlush(ByteBuffer(string: text))
        let raw = String(buffer: try await promise.futureResult.get())
        guard let split = raw.range(of: "\r\n\r\n") else { throw Malformed(raw: raw) }
        let head = raw[..<split.lowerBound].split(separator: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Malformed(raw: raw) }
        let headerLines = head.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingPrefix(" ").description)
        }
        var body = String(raw[split.upperBound...])
        if headerLines.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }) {
            body = dechunk(body)
        }
        return Response(status: status, headers: headerLines, body: body)
    }

    static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var output = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8.prefix(size))
            output += String(decoding: bytes, as: UTF8.self)
            rest = Substring(String(decoding: Array(rest[start...].utf8.dropFirst(size + 2)), as: UTF8.self))
        }
        return output
    }

    struct Malformed: Error { var raw: String }
}
