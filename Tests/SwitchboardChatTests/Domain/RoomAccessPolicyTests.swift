import ChatStore
import Testing

@testable import SwitchboardChat

@Suite struct RoomAccessPolicyTests {
    /// The whole table: kind × action × membership → allowed, or the error code.
    static let expectations: [(RoomKind, RoomAction, Bool, ChatError.Code?)] = [
        (.public, .read, true, nil), (.public, .read, false, .forbidden),
        (.public, .send, true, nil), (.public, .send, false, .forbidden),
        (.public, .join, true, nil), (.public, .join, false, nil),
        (.public, .invite, true, .badRequest), (.public, .invite, false, .badRequest),
        (.public, .leave, true, nil), (.public, .leave, false, .forbidden),
        (.private, .read, true, nil), (.private, .read, false, .forbidden),
        (.private, .send, true, nil), (.private, .send, false, .forbidden),
        (.private, .join, true, nil), (.private, .join, false, .forbidden),
        (.private, .invite, true, nil), (.private, .invite, false, .forbidden),
        (.private, .leave, true, nil), (.private, .leave, false, .forbidden),
        (.direct, .read, true, nil), (.direct, .read, false, .forbidden),
        (.direct, .send, true, nil), (.direct, .send, false, .forbidden),
        (.direct, .join, true, .forbidden), (.direct, .join, false, .forbidden),
        (.direct, .invite, true, .forbidden), (.direct, .invite, false, .forbidden),
        (.direct, .leave, true, .forbidden), (.direct, .leave, false, .forbidden),
    ]

    @Test func everyKindActionAndMembershipHasTheContractsAnswer() {
        #expect(Self.expectations.count == RoomKind.allCases.count * RoomAction.allCases.count * 2)
        for (kind, action, isMember, expected) in Self.expectations {
            let answer = RoomAccessPolicy.check(action, kind: kind, isMember: isMember)
            #expect(answer?.code == expected, "\(kind) \(action) member=\(isMember)")
        }
    }

    @Test func onlyPublicRoomsAreVisibleToNonMembers() {
        #expect(RoomAccessPolicy.isVisible(kind: .public, isMember: false))
        #expect(!RoomAccessPolicy.isVisible(kind: .private, isMember: false))
        #expect(!RoomAccessPolicy.isVisible(kind: .direct, isMember: false))
        #expect(RoomAccessPolicy.isVisible(kind: .private, isMember: true))
    }

    @Test func onlyTheAuthorMayChangeAMessageAndNotAfterDeletion() {
        let message = StoredMessage(
            id: MessageID(milliseconds: 1, sequence: 0)!, clientMessageID: "c", room: "r", sender: "u_a", body: "hi",
            createdAt: 1)
        #expect(RoomAccessPolicy.checkModify(message: message, by: "u_a") == nil)
        #expect(RoomAccessPolicy.checkModify(message: message, by: "u_b")?.code == .forbidden)
        var deleted = message
        deleted.deletedAt = 2
        #expect(RoomAccessPolicy.checkModify(message: deleted, by: "u_a")?.code == .notFound)
    }
}
