import NIOCore
import NIOHTTP1
import SocketIO
import SwitchboardJSON
import SwitchboardTransport

/// The publish API: a backend emits an event to sockets with one authenticated HTTP POST.
///
/// ```sh
/// curl -X POST http://127.0.0.1:3000/api/socket/emit \
///   -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/json' \
///   -d '{"namespace":"/","event":"news","data":[{"title":"hi"}],"rooms":["lobby"],"except":["muted"]}'
/// # 202 {"recipients":3}
/// ```
///
/// The answer is `202 {"recipients": n}`, n being the sockets of this server selected when the event was
/// sent; refusals are JSON (see ``PublishAPIError``): 401 without the right token, 400 naming what is
/// wrong in the body, 404 for an unknown namespace, 405 for another method, 413 above the size limit, 415
/// for another content type.
public enum PublishAPIRoute {
    /// `/api/socket/emit`.
    public static let defaultPath = "/api/socket/emit"
    /// 1 000 000 bytes, socket.io's default `maxHttpBufferSize` (below the router's own 1 MiB limit, so
    /// the JSON 413 answers bodies up to that limit; larger ones get the router's plain 413).
    public static let defaultMaxBodySize = 1_000_000

    /// Adds the route to `router`.
    ///
    /// - Parameters:
    ///   - io: the Socket.IO server whose sockets receive the events.
    ///   - token: the bearer token callers must present; must not be empty.
    ///   - path: where the route answers.
    ///   - maxBodySize: largest accepted body, in bytes.
    public static func add(
        to router: inout HTTPRouter, io: SocketIOServer, token: String, path: String = defaultPath,
        maxBodySize: Int = defaultMaxBodySize
    ) {
        let validator = PublishRequestValidator(token: token, maxBodySize: maxBodySize)
        router.addRoute(nil, path) { request in
            let headers = request.head.headers
            do throws(PublishAPIError) {
                let publish = try validator.validate(
                    method: request.head.method.rawValue, authorization: headers.first(name: "authorization"),
                    contentType: headers.first(name: "content-type"), body: request.body)
                let recipients = try emit(publish, on: io)
                return response(status: .accepted, body: #"{"recipients":\#(recipients)}"#)
            } catch {
                var refusal = response(status: HTTPResponseStatus(statusCode: error.code.httpStatus), body: error.jsonBody)
                switch error.code {
                case .methodNotAllowed: refusal.headers.add(name: "Allow", value: "POST")
                case .unauthorized: refusal.headers.add(name: "WWW-Authenticate", value: #"Bearer realm="switchboard""#)
                default: break
                }
                return refusal
            }
        }
    }

    /// Emits `request` on `io`; returns the number of local recipients.
    static func emit(_ request: PublishRequest, on io: SocketIOServer) throws(PublishAPIError) -> Int {
        guard let namespace = io.namespace(named: request.namespace) else {
            throw PublishAPIError(.unknownNamespace, "no namespace '\(request.namespace)' on this server")
        }
        let selection = SocketIOBroadcastOperator(namespace: namespace, options: request.broadcastOptions)
        let recipients = selection.socketIDs.count
        selection.emit(request.event, arguments: request.data)
        return recipients
    }

    private static func response(status: HTTPResponseStatus, body: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Cache-Control", value: "no-store")
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(string: body))
    }
}
