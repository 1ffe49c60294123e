import SocketIO
import SwitchboardJSON

/// The `/` namespace's connect middleware: verifies `auth.token` and loads the user's rooms, or refuses
/// with CONNECT_ERROR `{"message", "data": {"code"}}` (`token_missing`, `token_invalid`, `token_expired`).
enum ChatConnectMiddleware {
    static func install(on namespace: SocketIONamespace, service: ChatService) {
        namespace.use { socket, next in
            let token = socket.handshake.auth["token"]?.stringValue
            Task {
                do {
                    let user = try await service.authenticate(token)
                    let rooms = try await service.visibleRooms(for: user)
                    let memberRoomIDs = rooms.filter(\.joined).map(\.id)
                    socket.context = ChatSocketSession(user: user, rooms: rooms, memberRoomIDs: memberRoomIDs)
                    next(nil)
                } catch let error as TokenError {
                    next(SocketIOMiddlewareError(message: error.message, data: ["code": .string(error.code)]))
                } catch let error as ChatError {
                    next(SocketIOMiddlewareError(message: error.message, data: ["code": .string(error.code.rawValue)]))
                } catch {
                    next(SocketIOMiddlewareError(message: "internal error", data: ["code": "internal"]))
                }
            }
        }
    }
}
