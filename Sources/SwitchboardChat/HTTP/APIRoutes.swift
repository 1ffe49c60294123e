import NIOCore
import NIOHTTP1
import SwitchboardJSON
import SwitchboardTransport

/// `POST /api/register`, `POST /api/login`, `GET /api/me` (docs/CHAT_PROTOCOL.md, HTTP).
enum APIRoutes {
    /// Largest accepted request body, in bytes.
    static let maxBodyBytes = 16 * 1024

    static func add(to router: inout HTTPRouter, service: ChatService) {
        router.addRoute(.POST, "/api/register") { request in
            await reply {
                let body = try parseBody(request)
                let signedIn = try await service.register(
                    username: try body.string("username"), password: try body.string("password"),
                    displayName: try body.optionalString("displayName"), address: request.remoteAddress)
                return (.created, ["token": .string(signedIn.token), "user": signedIn.user.json])
            }
        }
        router.addRoute(.POST, "/api/login") { request in
            await reply {
                let body = try parseBody(request)
                let signedIn = try await service.login(
                    username: try body.string("username"), password: try body.string("password"),
                    address: request.remoteAddress)
                return (.ok, ["token": .string(signedIn.token), "user": signedIn.user.json])
            }
        }
        router.addRoute(.GET, "/api/me") { request in
            let header = request.head.headers.first(name: "Authorization")
            let token = header.flatMap { value -> String? in
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
                return String(parts[1]).trimmedWhitespace
            }
            do throws(TokenError) {
                let user = try await service.authenticate(token)
                return json(.ok, ["user": user.json])
            } catch {
                let status: HTTPResponseStatus = error.code == "unavailable" ? .serviceUnavailable : .unauthorized
                return json(status, ["error": ["code": .string(error.code), "message": .string(error.message)]])
            }
        }
    }

    /// Runs `body` and turns its result or ``ChatError`` into a JSON response.
    static func reply(_ body: () async throws -> (HTTPResponseStatus, JSONObject)) async -> HTTPResponse {
        do {
            let (status, object) = try await body()
            return json(status, .object(object))
        } catch let error as ChatError {
            var response = json(status(of: error), ["error": wireError(error)])
            if let wait = error.retryAfterMilliseconds {
                response.headers.add(name: "Retry-After", value: String((wait + 999) / 1000))
            }
            return response
        } catch {
            return json(.internalServerError, ["error": ChatError(.internal, "internal error").json])
        }
    }

    /// The HTTP status of a chat error.
    static func status(of error: ChatError) -> HTTPResponseStatus {
        switch error.code {
        case .badRequest, .tooLong: return .badRequest
        case .conflict: return .conflict
        case ChatService.badCredentials: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .rateLimited: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        default: return .internalServerError
        }
    }

    /// The error object; a taken name is `username_taken` on the HTTP API.
    static func wireError(_ error: ChatError) -> JSONValue {
        guard error.code == .conflict else { return error.json }
        return ["code": "username_taken", "message": .string(error.message)]
    }

    static func parseBody(_ request: HTTPRequest) throws(ChatError) -> EventPayload {
        guard request.body.readableBytes <= maxBodyBytes else { throw ChatError(.tooLong, "request body is too large") }
        guard let value = try? JSONParser(maximumBytes: maxBodyBytes, maximumDepth: 8).parse(request.body),
            value.objectValue != nil
        else { throw ChatError(.badRequest, "the body must be a JSON object") }
        return EventPayload(value: value)
    }

    /// A JSON response that no cache keeps.
    static func json(_ status: HTTPResponseStatus, _ value: JSONValue) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        return HTTPResponse(status: status, headers: headers, body: ByteBuffer(string: value.jsonString))
    }
}
