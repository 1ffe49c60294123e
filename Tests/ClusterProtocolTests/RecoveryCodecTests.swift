import ClusterProtocol
import NIOCore
import SocketIO
import SwitchboardJSON
import Testing

@Suite struct RecoveryCodecTests {
    @Test func sessionsRoundTrip() throws {
        let session = SocketIOSession(namespace: "/chat", sid: "sid1", pid: "pid1", rooms: ["sid1", "lobby"], data: ["n": 1])
        #expect(try ClusterRecoveryCodec.decodeSession(ClusterRecoveryCodec.encode(session)) == session)
    }

    @Test func liveCopiesRoundTripWithTheirOwnerAndStartWithTheOwnersPrefix() throws {
        let session = SocketIOSession(namespace: "/chat", sid: "sid1", pid: "pid1", rooms: ["sid1", "lobby"], data: ["n": 1])
        let bytes = ClusterRecoveryCodec.encodeLive(session, owner: "node-A/7")
        let decoded = try ClusterRecoveryCodec.decodeLiveSession(bytes)
        #expect(decoded.owner == "node-A/7")
        #expect(decoded.session == session)
        let prefix = ClusterRecoveryCodec.liveOwnerPrefix("node-A/7")
        #expect(bytes.getSlice(at: bytes.readerIndex, length: prefix.readableBytes) == prefix)
        // Length-prefixed: the token "node-A/7" is a string prefix of "node-A/71" but its bytes are not.
        let other = ClusterRecoveryCodec.encodeLive(session, owner: "node-A/71")
        #expect(other.getSlice(at: other.readerIndex, length: prefix.readableBytes) != prefix)
    }

    @Test func aTruncatedLiveCopyIsRejected() {
        let bytes = ClusterRecoveryCodec.encodeLive(SocketIOSession(namespace: "/", sid: "s", pid: "p", rooms: [], data: .null), owner: "o")
        for length in 0..<bytes.readableBytes {
            #expect(throws: ClusterDecodingError.self) {
                try ClusterRecoveryCodec.decodeLiveSession(bytes.getSlice(at: bytes.readerIndex, length: length)!)
            }
        }
    }

    @Test func packetsRoundTrip() throws {
        let packet = ClusterStoredPacket(
            offset: "abc-1", selection: ClusterSelection(rooms: ["r"], except: ["x"]), packet: ["ev", 1, .binary(ByteBuffer(bytes: [1])), "abc-1"])
        #expect(try ClusterRecoveryCodec.decodePacket(ClusterRecoveryCodec.encode(packet)) == packet)
    }

    @Test func anotherRecordVersionIsRejected() {
        var bytes = ClusterRecoveryCodec.encode(SocketIOSession(namespace: "/", sid: "s", pid: "p", rooms: [], data: .null))
        bytes.setInteger(UInt8(9), at: bytes.readerIndex)
        #expect(throws: ClusterDecodingError.self) { try ClusterRecoveryCodec.decodeSession(bytes) }
    }

    @Test func aTruncatedPacketIsRejected() {
        let bytes = ClusterRecoveryCodec.encode(ClusterStoredPacket(offset: "o", selection: ClusterSelection(), packet: ["e"]))
        for length in 0..<bytes.readableBytes {
            #expect(throws: ClusterDecodingError.self) {
                try ClusterRecoveryCodec.decodePacket(bytes.getSlice(at: bytes.readerIndex, length: length)!)
            }
        }
    }

    @Test func missedPacketsAreTheNewerOnesThatReachTheRooms() {
        let packets = [
            stored("1", rooms: []), stored("2", rooms: ["lobby"]), stored("3", rooms: ["other"]),
            stored("4", rooms: [], except: ["lobby"]), stored("5", rooms: ["sid"]), stored("6", rooms: ["other", "lobby"]),
        ]
        let missed = ClusterRecoveryCodec.missedPackets(after: "1", in: packets, rooms: ["sid", "lobby"])
        #expect(missed == [["e", "2"], ["e", "5"], ["e", "6"]])
    }

    @Test func anUnknownOffsetCannotBeRecovered() {
        #expect(ClusterRecoveryCodec.missedPackets(after: "0", in: [stored("1", rooms: [])], rooms: ["sid"]) == nil)
    }

    @Test func theLatestOffsetHasNothingMissed() {
        #expect(ClusterRecoveryCodec.missedPackets(after: "1", in: [stored("1", rooms: [])], rooms: ["sid"]) == [])
    }

    private func stored(_ offset: String, rooms: [String], except: [String] = []) -> ClusterStoredPacket {
        ClusterStoredPacket(offset: offset, selection: ClusterSelection(rooms: rooms, except: except), packet: ["e", .string(offset)])
    }
}

@Suite struct SharedNamingTests {
    @Test func channelsOfDifferentNamespacesAndRoomsNeverCollide() {
        let keyspace = ClusterKeyspace(prefix: "p")
        let names = [
            keyspace.namespaceChannel("/"), keyspace.namespaceChannel("/a"), keyspace.roomChannel(namespace: "/", room: "a"),
            keyspace.roomChannel(namespace: "/a", room: ""), keyspace.roomChannel(namespace: "/", room: "a#"),
            keyspace.nodeChannel(ClusterNodeID("a")),
        ]
        #expect(Set(names).count == names.count)
        #expect(keyspace.roomChannel(namespace: "/chat", room: "lobby") == "p#/chat#lobby#")
    }

    @Test func nodeIDsAreRandomAndURLSafe() {
        let ids = (0..<100).map { _ in ClusterNodeID.random().rawValue }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.count == 16 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
    }
}
