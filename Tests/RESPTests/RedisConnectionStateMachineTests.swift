import NIOCore
import Testing

@testable import RESP

typealias Machine = RedisConnectionStateMachine<Int>

/// A comparable summary of an action, so tests can state exactly what they expect.
enum Did: Equatable {
    case none
    case write(String)
    case succeed(Int, RESPValue, close: Bool)
    case fail(Int, RedisError.Code, close: Bool)
    case deliver(RedisPush)
    case ready(Int, [String])
    case close([Int], RedisError.Code)
    case failAll([Int], RedisError.Code)

    init(_ action: Machine.Action) {
        switch action {
        case .none: self = .none
        case .write(let bytes): self = .write(String(buffer: bytes))
        case .succeed(let id, let value, let close): self = .succeed(id, value, close: close)
        case .fail(let id, let error, let close): self = .fail(id, error.code, close: close)
        case .deliver(let push): self = .deliver(push)
        case .handshakeCompleted(let version, let writes): self = .ready(version, writes.map { String(buffer: $0) })
        case .close(let ids, let error): self = .close(ids, error.code)
        case .failAll(let ids, let error): self = .failAll(ids, error.code)
        }
    }
}

func wire(_ command: RESPCommand) -> String { String(buffer: command.bytes) }
func ok() -> RESPValue { .simpleString(ByteBuffer(string: "OK")) }
func err(_ text: String) -> RESPValue { .simpleError(ByteBuffer(string: text)) }

/// A machine that completed `HELLO 3` and is ready.
func readyMachine(protocolVersion: Int = 3) -> Machine {
    var machine = Machine(handshake: RedisHandshake())
    _ = machine.connected(handshakeDeadline: nil)
    _ = machine.received(protocolVersion == 3 ? .map([]) : err("ERR unknown command 'HELLO'"))
    return machine
}

@Suite("RedisConnectionStateMachine: handshake")
struct RedisHandshakeTests {
    @Test("connecting sends HELLO 3; its reply makes the connection ready in RESP3")
    func helloThenReady() {
        var machine = Machine(handshake: RedisHandshake())
        #expect(Did(machine.connected(handshakeDeadline: nil)) == .write(wire(RESPCommand("HELLO", "3"))))
        #expect(Did(machine.received(.map([]))) == .ready(3, []))
        #expect(machine.isReady)
    }

    @Test("HELLO carries AUTH (user default when none is given) and SETNAME")
    func helloWithAuth() {
        var machine = Machine(handshake: RedisHandshake(password: "pw", clientName: "app"))
        #expect(Did(machine.connected(handshakeDeadline: nil))
                == .write(wire(RESPCommand("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "app"))))
    }

    @Test("a refused HELLO falls back to RESP2: AUTH, CLIENT SETNAME, then SELECT, one at a time")
    func fallbackToRESP2() {
        var machine = Machine(handshake: RedisHandshake(username: "u", password: "pw", database: 3, clientName: "app"))
        _ = machine.connected(handshakeDeadline: nil)
        #expect(Did(machine.received(err("ERR unknown command 'HELLO'"))) == .write(wire(RESPCommand("AUTH", "u", "pw"))))
        #expect(Did(machine.received(ok())) == .write(wire(RESPCommand("CLIENT", "SETNAME", "app"))))
        #expect(Did(machine.received(ok())) == .write(wire(RESPCommand("SELECT", 3))))
        #expect(Did(machine.received(ok())) == .ready(2, []))
        #expect(machine.protocolVersion == 2)
    }

    @Test("a successful HELLO is followed by SELECT when a database is set")
    func helloThenSelect() {
        var machine = Machine(handshake: RedisHandshake(database: 2))
        _ = machine.connected(handshakeDeadline: nil)
        #expect(Did(machine.received(.map([]))) == .write(wire(RESPCommand("SELECT", 2))))
        #expect(Did(machine.received(ok())) == .ready(3, []))
    }

    @Test("a refused AUTH closes with authenticationFailed and fails requests sent meanwhile")
    func authRefused() {
        var machine = Machine(handshake: RedisHandshake(password: "bad"))
        _ = machine.connected(handshakeDeadline: nil)
        #expect(Did(machine.send(RESPCommand("PING"), context: 1, deadline: nil)) == .none)
        _ = machine.received(err("ERR unknown command 'HELLO'"))
        #expect(Did(machine.received(err("WRONGPASS invalid username-password pair"))) == .close([1], .authenticationFailed))
    }

    @Test("a refused SELECT closes with handshakeFailed")
    func selectRefused() {
        var machine = Machine(handshake: RedisHandshake(database: 99))
        _ = machine.connected(handshakeDeadline: nil)
        _ = machine.received(.map([]))
        #expect(Did(machine.received(err("ERR DB index is out of range"))) == .close([], .handshakeFailed))
    }

    @Test("requests sent during the handshake are written, in order, once it completes")
    func bufferedRequests() {
        var machine = Machine(handshake: RedisHandshake())
        #expect(Did(machine.send(RESPCommand("GET", "a"), context: 1, deadline: nil)) == .none)
        _ = machine.connected(handshakeDeadline: nil)
        #expect(Did(machine.send(RESPCommand("GET", "b"), context: 2, deadline: nil)) == .none)
        #expect(Did(machine.received(.map([]))) == .ready(3, [wire(RESPCommand("GET", "a")), wire(RESPCommand("GET", "b"))]))
        #expect(Did(machine.received("1")) == .succeed(1, "1", close: false))
        #expect(Did(machine.received("2")) == .succeed(2, "2", close: false))
    }

    @Test("the handshake times out at its deadline")
    func handshakeTimeout() {
        var machine = Machine(handshake: RedisHandshake())
        let start = NIODeadline.uptimeNanoseconds(1_000)
        _ = machine.connected(handshakeDeadline: start + .seconds(5))
        #expect(machine.nextDeadline == start + .seconds(5))
        #expect(Did(machine.timerFired(now: start + .seconds(4))) == .none)
        #expect(Did(machine.timerFired(now: start + .seconds(5))) == .close([], .timeout))
    }
}

@Suite("RedisConnectionStateMachine: requests")
struct RedisRequestTests {
    @Test("pipelined requests are answered in FIFO order")
    func fifo() {
        var machine = readyMachine()
        for id in 1...3 {
            #expect(Did(machine.send(RESPCommand("INCR", "n"), context: id, deadline: nil)) == .write(wire(RESPCommand("INCR", "n"))))
        }
        #expect(machine.pendingCount == 3)
        #expect(Did(machine.received(1)) == .succeed(1, 1, close: false))
        #expect(Did(machine.received(2)) == .succeed(2, 2, close: false))
        #expect(Did(machine.received(3)) == .succeed(3, 3, close: false))
    }

    @Test("an error reply fails only its own request with commandFailed")
    func errorReply() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("LPUSH", "s", "x"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("GET", "k"), context: 2, deadline: nil)
        #expect(Did(machine.received(err("WRONGTYPE Operation against a key holding the wrong kind of value")))
                == .fail(1, .commandFailed, close: false))
        #expect(Did(machine.received("v")) == .succeed(2, "v", close: false))
        #expect(machine.isReady)
    }

    @Test("a reply with no request pending is a protocol violation that closes")
    func unexpectedReply() {
        var machine = readyMachine()
        #expect(Did(machine.received(ok())) == .close([], .protocolViolation))
        #expect(Did(machine.send(RESPCommand("PING"), context: 1, deadline: nil)) == .fail(1, .connectionClosed, close: false))
    }

    @Test("undecodable bytes fail every pending request with protocolViolation")
    func decodingFailure() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("GET", "a"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("GET", "b"), context: 2, deadline: nil)
        #expect(Did(machine.decodingFailed(RESPDecodingError(code: .unknownType))) == .close([1, 2], .protocolViolation))
    }

    @Test("the oldest request's deadline closes the connection and fails all with timeout")
    func commandTimeout() {
        var machine = readyMachine()
        let now = NIODeadline.uptimeNanoseconds(1_000_000)
        _ = machine.send(RESPCommand("BLPOP", "q", 0), context: 1, deadline: now + .seconds(1))
        _ = machine.send(RESPCommand("GET", "b"), context: 2, deadline: now + .seconds(2))
        #expect(machine.nextDeadline == now + .seconds(1))
        #expect(Did(machine.timerFired(now: now + .milliseconds(999))) == .none)
        #expect(Did(machine.timerFired(now: now + .seconds(1))) == .close([1, 2], .timeout))
    }

    @Test("after a reply the next deadline is the next request's")
    func deadlineMoves() {
        var machine = readyMachine()
        let now = NIODeadline.uptimeNanoseconds(1_000_000)
        _ = machine.send(RESPCommand("GET", "a"), context: 1, deadline: now + .seconds(1))
        _ = machine.send(RESPCommand("GET", "b"), context: 2, deadline: now + .seconds(2))
        _ = machine.received(.null)
        #expect(machine.nextDeadline == now + .seconds(2))
        _ = machine.received(.null)
        #expect(machine.nextDeadline == nil)
    }

    @Test("a graceful close waits for pending replies, refuses new requests, then closes")
    func gracefulClose() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("GET", "a"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("GET", "b"), context: 2, deadline: nil)
        #expect(Did(machine.closeRequested()) == .none)
        #expect(Did(machine.send(RESPCommand("GET", "c"), context: 3, deadline: nil)) == .fail(3, .connectionClosed, close: false))
        #expect(Did(machine.received("a")) == .succeed(1, "a", close: false))
        #expect(Did(machine.received("b")) == .succeed(2, "b", close: true))
        #expect(Did(machine.channelInactive()) == .none)
    }

    @Test("a close with nothing pending closes at once")
    func closeIdle() {
        var machine = readyMachine()
        #expect(Did(machine.closeRequested()) == .close([], .connectionClosed))
    }

    @Test("losing the channel fails every pending and buffered request with connectionClosed")
    func channelInactive() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("GET", "a"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("GET", "b"), context: 2, deadline: nil)
        #expect(Did(machine.channelInactive()) == .failAll([1, 2], .connectionClosed))
        #expect(Did(machine.channelInactive()) == .none)
    }

    @Test("an I/O error closes and fails every pending request")
    func ioError() {
        struct Boom: Error {}
        var machine = readyMachine()
        _ = machine.send(RESPCommand("GET", "a"), context: 1, deadline: nil)
        #expect(Did(machine.errorCaught(Boom())) == .close([1], .connectionClosed))
    }
}

func pushValue(_ parts: RESPValue...) -> RESPValue { .push(parts) }

@Suite("RedisConnectionStateMachine: pub/sub")
struct RedisPubSubStateTests {
    @Test("SUBSCRIBE completes after one confirmation per channel; messages are delivered, not replies")
    func subscribeRESP3() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("SUBSCRIBE", "a", "b"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("GET", "k"), context: 2, deadline: nil)
        #expect(Did(machine.received(pushValue("subscribe", "a", 1))) == .none)
        #expect(Did(machine.received(pushValue("message", "a", "early"))) == .deliver(.message(
            RedisPubSubMessage(kind: .channel, channel: "a", payload: ByteBuffer(string: "early")))))
        #expect(Did(machine.received(pushValue("subscribe", "b", 2))) == .succeed(1, pushValue("subscribe", "b", 2), close: false))
        #expect(Did(machine.received("v")) == .succeed(2, "v", close: false))
        #expect(machine.confirmedSubscriptions[.channel] == ["a", "b"])
    }

    @Test("pattern messages carry the pattern and the channel")
    func patternMessage() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("PSUBSCRIBE", "news.*"), context: 1, deadline: nil)
        #expect(Did(machine.received(pushValue("psubscribe", "news.*", 1))) == .succeed(1, pushValue("psubscribe", "news.*", 1), close: false))
        #expect(Did(machine.received(pushValue("pmessage", "news.*", "news.tech", "hi"))) == .deliver(.message(
            RedisPubSubMessage(kind: .pattern, channel: "news.tech", pattern: "news.*", payload: ByteBuffer(string: "hi")))))
    }

    @Test("UNSUBSCRIBE without arguments waits for one confirmation per subscribed channel")
    func unsubscribeAll() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("SUBSCRIBE", "a", "b"), context: 1, deadline: nil)
        _ = machine.send(RESPCommand("UNSUBSCRIBE"), context: 2, deadline: nil)
        _ = machine.received(pushValue("subscribe", "a", 1))
        _ = machine.received(pushValue("subscribe", "b", 2))
        #expect(Did(machine.received(pushValue("unsubscribe", "b", 1))) == .none)
        #expect(Did(machine.received(pushValue("unsubscribe", "a", 0))) == .succeed(2, pushValue("unsubscribe", "a", 0), close: false))
        #expect(machine.confirmedSubscriptions[.channel] == [])
    }

    @Test("UNSUBSCRIBE with nothing subscribed waits for the single null-channel confirmation")
    func unsubscribeNothing() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("UNSUBSCRIBE"), context: 1, deadline: nil)
        #expect(Did(machine.received(pushValue("unsubscribe", .null, 0))) == .succeed(1, pushValue("unsubscribe", .null, 0), close: false))
    }

    @Test("shard channels are tracked separately")
    func shardChannels() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("SSUBSCRIBE", "s"), context: 1, deadline: nil)
        #expect(Did(machine.received(pushValue("ssubscribe", "s", 1))) == .succeed(1, pushValue("ssubscribe", "s", 1), close: false))
        #expect(Did(machine.received(pushValue("smessage", "s", "x"))) == .deliver(.message(
            RedisPubSubMessage(kind: .shardChannel, channel: "s", payload: ByteBuffer(string: "x")))))
        #expect(machine.confirmedSubscriptions[.shardChannel] == ["s"])
    }

    @Test("an unsolicited unsubscribe is delivered as the server ending a subscription")
    func serverUnsubscribe() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("SSUBSCRIBE", "s"), context: 1, deadline: nil)
        _ = machine.received(pushValue("ssubscribe", "s", 1))
        #expect(Did(machine.received(pushValue("sunsubscribe", "s", 0))) == .deliver(.unsubscribed(.shardChannel, channel: "s")))
    }

    @Test("an error reply to SUBSCRIBE fails it like any command")
    func subscribeError() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("SUBSCRIBE", "a"), context: 1, deadline: nil)
        #expect(Did(machine.received(err("NOPERM no permissions to access the 'a' channel"))) == .fail(1, .commandFailed, close: false))
    }

    @Test("other pushes such as invalidate are delivered as they are")
    func otherPush() {
        var machine = readyMachine()
        let invalidate = pushValue("invalidate", .array(["k"]))
        #expect(Did(machine.received(invalidate)) == .deliver(.other(invalidate)))
    }

    @Test("a malformed message push is a protocol violation")
    func malformedPush() {
        var machine = readyMachine()
        #expect(Did(machine.received(pushValue("message", "only-channel"))) == .close([], .protocolViolation))
    }

    @Test("RESP2: while subscribed, message arrays are pushes, and pong arrays answer PING")
    func resp2SubscribedMode() {
        var machine = readyMachine(protocolVersion: 2)
        _ = machine.send(RESPCommand("SUBSCRIBE", "a"), context: 1, deadline: nil)
        #expect(Did(machine.received(.array(["subscribe", "a", 1]))) == .succeed(1, .array(["subscribe", "a", 1]), close: false))
        #expect(Did(machine.received(.array(["message", "a", "hi"]))) == .deliver(.message(
            RedisPubSubMessage(kind: .channel, channel: "a", payload: ByteBuffer(string: "hi")))))
        _ = machine.send(RESPCommand("PING"), context: 2, deadline: nil)
        #expect(Did(machine.received(.array(["pong", ""]))) == .succeed(2, .array(["pong", ""]), close: false))
    }

    @Test("RESP2: outside subscribed mode an array that looks like a message is an ordinary reply")
    func resp2NotSubscribed() {
        var machine = readyMachine(protocolVersion: 2)
        _ = machine.send(RESPCommand("LRANGE", "l", 0, -1), context: 1, deadline: nil)
        #expect(Did(machine.received(.array(["message", "a", "hi"]))) == .succeed(1, .array(["message", "a", "hi"]), close: false))
    }
}

@Suite("Subscription command and push names")
struct RedisSubscriptionNameTests {
    @Test("subscription commands are recognised in any letter case; others are not")
    func commandNames() {
        #expect(RedisSubscriptionBook.classify(command: "subscribe")! == (.channel, true))
        #expect(RedisSubscriptionBook.classify(command: "PUnSubscribe")! == (.pattern, false))
        #expect(RedisSubscriptionBook.classify(command: "SSUBSCRIBE")! == (.shardChannel, true))
        #expect(RedisSubscriptionBook.classify(command: "PUBLISH") == nil)
        #expect(RedisSubscriptionBook.classify(command: "SUBSCRIBED") == nil)
        #expect(RedisSubscriptionBook.classify(command: "SUBSCRIB\u{C9}") == nil)
    }

    @Test("push kinds are recognised in any letter case")
    func pushNames() {
        guard case .message(.pattern)? = RedisSubscriptionBook.classify(push: ByteBuffer(string: "PMessage")) else {
            Issue.record("pmessage not recognised")
            return
        }
        guard case .confirmation(.shardChannel, false)? = RedisSubscriptionBook.classify(push: ByteBuffer(string: "sunsubscribe")) else {
            Issue.record("sunsubscribe not recognised")
            return
        }
        #expect(RedisSubscriptionBook.classify(push: ByteBuffer(string: "invalidate")) == nil)
        #expect(RedisSubscriptionBook.classify(push: ByteBuffer(string: "messages")) == nil)
    }

    @Test("a lower-case subscribe sent as a plain command is still tracked")
    func lowerCaseSubscribe() {
        var machine = readyMachine()
        _ = machine.send(RESPCommand("subscribe", "a"), context: 1, deadline: nil)
        #expect(Did(machine.received(pushValue("subscribe", "a", 1))) == .succeed(1, pushValue("subscribe", "a", 1), close: false))
    }
}
