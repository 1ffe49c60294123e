import Testing

@testable import SwitchboardChat

@Suite struct DirectRoomIDTests {
    @Test func theIDIsTheSameWhoeverOpensIt() {
        #expect(DirectRoomID.make("u_b", "u_a") == "dm:u_a:u_b")
        #expect(DirectRoomID.make("u_a", "u_b") == "dm:u_a:u_b")
    }

    @Test func aUserCannotHaveADirectRoomWithThemselvesOrWithColonIDs() {
        #expect(DirectRoomID.make("u_a", "u_a") == nil)
        #expect(DirectRoomID.make("u:a", "u_b") == nil)
        #expect(DirectRoomID.make("", "u_b") == nil)
    }

    @Test func membersAndPeerAreReadBack() {
        let id = DirectRoomID.make("u_x", "u_y")!
        #expect(DirectRoomID.members(of: id)! == ("u_x", "u_y"))
        #expect(DirectRoomID.peer(of: "u_x", in: id) == "u_y")
        #expect(DirectRoomID.peer(of: "u_y", in: id) == "u_x")
        #expect(DirectRoomID.peer(of: "u_z", in: id) == nil)
    }

    @Test(arguments: ["r_general", "dm:", "dm:u_a", "dm:u_b:u_a", "dm:u_a:u_b:u_c", "dm::u_b", "dm:u_a:u_a"])
    func otherIDsAreNotDirectRooms(_ id: String) {
        #expect(DirectRoomID.members(of: id) == nil)
    }
}
