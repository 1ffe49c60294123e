import SocketIO
import SwitchboardTestSupport
import Testing

/// Random join/leave/leave-all sequences checked against a plain model of room membership.
@Suite struct InMemoryAdapterModelTests {
    @Test(arguments: 0..<5)
    func matchesAModelOfRoomMembership(seed: Int) throws {
        let adapter = try #require(SocketIOServer().of("/model").adapter as? InMemoryAdapter)
        var model: [String: Set<String>] = [:]  // socket → rooms
        var g = SeededGenerator(seed: UInt64(seed) &+ 77)
        let socketIDs = (0..<6).map { "s\($0)" }
        let rooms = ["a", "b", "c", "d"]
        for _ in 0..<500 {
            let socket = socketIDs.randomElement(using: &g)!
            let room = rooms.randomElement(using: &g)!
            switch Int.random(in: 0..<4, using: &g) {
            case 0, 1:
                adapter.addAll(socket, rooms: [room])
                model[socket, default: []].insert(room)
            case 2:
                adapter.del(socket, room: room)
                model[socket]?.remove(room)
            default:
                adapter.delAll(socket)
                model[socket] = nil
            }
            let selectedRooms = Set(rooms.filter { _ in Bool.random(using: &g) })
            let exceptRooms = Set(rooms.filter { _ in Int.random(in: 0..<4, using: &g) == 0 })
            let expected = Set(model.filter { entry in
                (selectedRooms.isEmpty || !entry.value.isDisjoint(with: selectedRooms)) && entry.value.isDisjoint(with: exceptRooms)
            }.keys)
            let options = SocketIOBroadcastOptions(rooms: selectedRooms, except: exceptRooms)
            #expect(Set(adapter.sockets(matching: options)) == expected)
            for id in socketIDs {
                let rooms = model[id]
                // A socket whose last room was removed with `del` is still known, with no rooms.
                #expect(adapter.socketRooms(id) ?? [] == rooms ?? [])
            }
        }
    }
}
