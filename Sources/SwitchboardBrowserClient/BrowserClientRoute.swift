import NIOCore
import NIOHTTP1
import SwitchboardTransport

/// Serves the browser client with a strong ETag, answering `If-None-Match` with 304.
public enum BrowserClientRoute {
    /// Adds `GET path` (e.g. `/socket.io/socket.io.js`) to `router`.
    public static func add(to router: inout HTTPRouter, path: String) {
        let body = ByteBuffer(bytes: BrowserClient.source)
        let etag = BrowserClient.etag
        router.addRoute(.GET, path) { request in
            var headers = HTTPHeaders()
            headers.add(name: "ETag", value: etag)
            headers.add(name: "Cache-Control", value: "public, max-age=0, must-revalidate")
            headers.add(name: "Access-Control-Allow-Origin", value: "*")
            if request.head.headers["If-None-Match"].contains(where: { $0.contains(etag) }) {
                return HTTPResponse(status: .notModified, headers: headers)
            }
            headers.add(name: "Content-Type", value: "application/javascript; charset=utf-8")
            return HTTPResponse(status: .ok, headers: headers, body: body)
        }
    }
}
