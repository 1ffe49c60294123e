import ServerURL
import Testing

@Suite struct ServerURLTests {
    @Test func splitsEveryPart() throws {
        let url = try ServerURL(parsing: "postgres://chat:s%40cret@db.local:5433/chat%20db?sslmode=require&x#frag", schemes: ["postgres"])
        #expect(url.scheme == "postgres")
        #expect(url.user == "chat")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.local")
        #expect(url.port == 5433)
        #expect(url.path == "chat db")
        #expect(url.query == [.init(name: "sslmode", value: "require"), .init(name: "x", value: "")])
    }

    @Test func leavesAbsentPartsEmpty() throws {
        let url = try ServerURL(parsing: "redis://host", schemes: ["redis"])
        #expect(url.user == nil && url.password == nil && url.port == nil)
        #expect(url.host == "host" && url.path.isEmpty && url.query.isEmpty)
    }

    @Test func readsTheSecondOfSeveralSchemes() throws {
        #expect(try ServerURL(parsing: "postgresql://h", schemes: ["postgres", "postgresql"]).scheme == "postgresql")
    }

    @Test func userWithoutPasswordAndEmptyUserWithPassword() throws {
        let userOnly = try ServerURL(parsing: "redis://secret@h", schemes: ["redis"])
        #expect(userOnly.user == "secret" && userOnly.password == nil)
        let passwordOnly = try ServerURL(parsing: "redis://:pw@h", schemes: ["redis"])
        #expect(passwordOnly.user == "" && passwordOnly.password == "pw")
    }

    @Test func anAtSignInThePasswordIsTheLastOneThatCounts() throws {
        let url = try ServerURL(parsing: "redis://u:p@ss@h:1", schemes: ["redis"])
        #expect(url.password == "p@ss" && url.host == "h" && url.port == 1)
    }

    @Test func ipv6HostsInBrackets() throws {
        let url = try ServerURL(parsing: "redis://[::1]:6380/2", schemes: ["redis"])
        #expect(url.host == "::1" && url.port == 6380 && url.path == "2")
        #expect(try ServerURL(parsing: "redis://[::1]", schemes: ["redis"]).port == nil)
    }

    @Test(arguments: [
        ("http://h", "the scheme must be redis://"),
        ("redis://[::1", "unclosed IPv6 bracket"),
        ("redis://[::1]x", "junk after the IPv6 address"),
        ("redis://h:0", "bad port \"0\""),
        ("redis://h:65536", "bad port \"65536\""),
        ("redis://h:x", "bad port \"x\""),
        ("redis://u:%zz@h", "bad percent-encoding"),
        ("redis://u:%ff@h", "bad percent-encoding"),
        ("redis://h/%4", "bad percent-encoding"),
    ])
    func rejectsWithTheReason(text: String, reason: String) {
        #expect(throws: ServerURLError(reason)) { try ServerURL(parsing: text, schemes: ["redis"]) }
    }
}
