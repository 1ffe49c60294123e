"""Socket.IO server features against python-socketio's client and raw protocol bytes: the publish API,
static and dynamic namespaces, broadcasts with acknowledgements and a time limit, connection state
recovery, binary both ways, and the limits (payload size, connections per IP, connect rate, event rate)."""

import json
import socket
import time

import pytest
import requests
import socketio
import websocket

from feature_server import feature_server

TOKEN = "interop-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with feature_server(tmp_path_factory.mktemp("features"), "--publish-token", TOKEN, "--recovery", "60") as running:
        yield running


def publish(server, body, token=TOKEN, **kwargs):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(f"{server.http}/api/socket/emit", data=data, headers=headers, timeout=5, **kwargs)


def join(client, room, namespace="/"):
    assert client.client.call("join", room, namespace=namespace, timeout=5) == room


def strip_offset(args):
    """With recovery on, events that are not volatile carry their offset as a last string argument."""
    assert isinstance(args[-1], str)
    return args[:-1]


# ----------------------------------------------------------------------------- publish API

def test_publish_reaches_the_room_members_only_and_counts_them(server, make_client):
    alice = make_client().connect(server.http, transports=["websocket"])
    bob = make_client().connect(server.http, transports=["polling"])
    join(alice, "news")

    response = publish(server, {"event": "headline", "data": ["hello", {"n": 1}], "rooms": ["news"]})

    assert response.status_code == 202
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"recipients": 1}
    assert strip_offset(alice.next_event("headline")) == ("hello", {"n": 1})
    bob.no_event("headline")


def test_publish_to_one_socket_id_and_with_except(server, make_client):
    alice = make_client().connect(server.http, transports=["websocket"])
    bob = make_client().connect(server.http, transports=["websocket"])
    join(alice, "muted")

    direct = publish(server, {"event": "dm", "data": [1], "socketId": bob.client.get_sid("/")})
    everyone_but_muted = publish(server, {"event": "all", "except": ["muted"]})

    assert direct.json() == {"recipients": 1}
    assert strip_offset(bob.next_event("dm")) == (1,)
    alice.no_event("dm")
    assert everyone_but_muted.status_code == 202
    assert everyone_but_muted.json()["recipients"] >= 1
    assert strip_offset(bob.next_event("all")) == ()
    alice.no_event("all")


def test_publish_to_several_rooms_in_another_namespace(server, make_client):
    alice = make_client().connect(server.http, namespaces=["/static"], transports=["websocket"])
    bob = make_client().connect(server.http, namespaces=["/static"], transports=["websocket"])
    carol = make_client().connect(server.http, namespaces=["/static"], transports=["websocket"])
    join(alice, "a", namespace="/static")
    join(bob, "b", namespace="/static")

    response = publish(server, {"namespace": "/static", "event": "both", "rooms": ["a", "b"]})

    assert response.json() == {"recipients": 2}
    assert strip_offset(alice.next_event("both", namespace="/static")) == ()
    assert strip_offset(bob.next_event("both", namespace="/static")) == ()
    carol.no_event("both", namespace="/static")


@pytest.mark.parametrize("token", [None, "wrong", ""], ids=["missing", "wrong", "empty"])
def test_publish_without_the_right_token_is_401(server, make_client, token):
    client = make_client().connect(server.http, transports=["websocket"])

    response = publish(server, {"event": "nope"}, token=token)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    client.no_event("nope")


@pytest.mark.parametrize("body, message", [
    ("{", "the body is not valid JSON"),
    ({"data": [1]}, "'event' is required"),
    ({"event": "x", "rooms": "lobby"}, "'rooms' must be an array of strings"),
    ({"event": "x", "room": ["lobby"]}, "unknown key 'room'"),
    ({"event": "connect"}, "'connect' is a reserved event name"),
    ({"event": "x", "rooms": ["a"], "socketId": "b"}, "give either 'rooms' or 'socketId', not both"),
])
def test_publish_with_a_bad_body_is_400_saying_what_is_wrong(server, body, message):
    response = publish(server, body)

    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response.json()["message"].startswith(message)


def test_publish_to_an_unknown_namespace_is_404(server):
    response = publish(server, {"namespace": "/nowhere", "event": "x"})

    assert response.status_code == 404
    assert response.json() == {"error": "unknown_namespace", "message": "no namespace '/nowhere' on this server"}


def test_publish_above_the_size_limit_is_413(server):
    padding = "x" * 1_000_000
    response = publish(server, {"event": "x", "data": [padding]})

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_publish_with_another_method_or_content_type(server):
    get = requests.get(f"{server.http}/api/socket/emit", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    form = requests.post(f"{server.http}/api/socket/emit", data="event=x", timeout=5,
                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-www-form-urlencoded"})

    assert get.status_code == 405
    assert get.headers["Allow"] == "POST"
    assert form.status_code == 415


def test_publish_route_is_absent_without_a_token(tmp_path):
    with feature_server(tmp_path) as bare:
        response = publish(bare, {"event": "x"})
    assert response.status_code == 404


# ----------------------------------------------------------------------------- namespaces

def test_static_and_dynamic_namespaces_greet_with_their_name(server, make_client):
    client = make_client().connect(server.http, namespaces=["/static", "/dyn-42", "/dyn-7"], transports=["websocket"])

    assert strip_offset(client.next_event("hello", namespace="/static")) == ("/static",)
    assert strip_offset(client.next_event("hello", namespace="/dyn-42")) == ("/dyn-42",)
    assert strip_offset(client.next_event("hello", namespace="/dyn-7")) == ("/dyn-7",)
    assert client.client.call("whoami", namespace="/dyn-42", timeout=5)["namespace"] == "/dyn-42"


def test_a_name_no_dynamic_rule_matches_is_an_invalid_namespace(server, make_client):
    data = make_client().refused(server.http, "/dyn-x", transports=["websocket"])

    assert data == {"message": "Invalid namespace"}


def test_a_closure_namespace_decides_with_the_auth_payload(server, make_client):
    member = make_client().connect(server.http, namespaces=["/team-red"], transports=["websocket"],
                                   auth={"team": "red"})
    assert strip_offset(member.next_event("hello", namespace="/team-red")) == ("/team-red",)

    data = make_client().refused(server.http, "/team-blue", transports=["websocket"], auth={"team": "red"})
    assert data == {"message": "Invalid namespace"}


def test_a_static_namespace_wins_over_a_matching_dynamic_rule(server, make_client):
    client = make_client().connect(server.http, namespaces=["/team-static"], transports=["websocket"],
                                   auth={"team": "someone-else"})

    assert strip_offset(client.next_event("hello", namespace="/team-static")) == ("/team-static",)


# ----------------------------------------------------------------------------- broadcast acks

def test_broadcast_with_timeout_collects_every_answer(server, make_client):
    answerers = [make_client().connect(server.http, transports=["websocket"]) for _ in range(3)]
    for index, client in enumerate(answerers):
        client.answer("question", lambda payload, index=index: f"{payload}-{index}")
        join(client, "quiz")
    asker = make_client().connect(server.http, transports=["websocket"])

    result = asker.client.call("ask", ("quiz", 3000, "q"), timeout=10)

    assert result == {"answers": ["q-0", "q-1", "q-2"], "missing": 0, "timedOut": False}


def test_broadcast_with_timeout_reports_the_client_that_did_not_answer(server, make_client):
    answering = [make_client().connect(server.http, transports=["websocket"]) for _ in range(2)]
    for client in answering:
        client.answer("question", lambda payload: "yes")
        join(client, "poll")
    silent = RawSocketIO(server)  # python-socketio always acks; this client never does
    silent.connect()
    silent.send('20["join","poll"]')
    assert silent.receive() == '30["poll"]'
    asker = make_client().connect(server.http, transports=["websocket"])

    started = time.monotonic()
    result = asker.client.call("ask", ("poll", 500, "q"), timeout=10)

    assert result == {"answers": ["yes", "yes"], "missing": 1, "timedOut": True}
    assert time.monotonic() - started >= 0.45
    question = silent.receive()
    assert question.startswith("2") and json.loads(question[question.index("["):]) == ["question", "q"]
    silent.ws.close()


# ----------------------------------------------------------------------------- binary

def test_binary_goes_both_ways_in_events_and_acks(server, make_client):
    alice = make_client().connect(server.http, transports=["websocket"])
    bob = make_client().connect(server.http, transports=["polling"])
    join(alice, "bin")
    join(bob, "bin")
    blob = bytes(range(256)) * 3

    echoed = alice.client.call("echo", {"blob": blob, "list": [b"\x00", "text"]}, timeout=5)
    alice.client.emit("bcast", ("bin", [blob, b"\xff"]))

    assert echoed == {"blob": blob, "list": [b"\x00", "text"]}
    assert strip_offset(bob.next_event("bcast")) == ([blob, b"\xff"],)
    assert strip_offset(alice.next_event("bcast")) == ([blob, b"\xff"],)


# ----------------------------------------------------------------------------- recovery (raw protocol)

class RawSocketIO:
    """Engine.IO v4 / Socket.IO v5 over a raw WebSocket: the python-socketio client has no recovery."""

    def __init__(self, server):
        self.ws = websocket.create_connection(f"{server.ws}/socket.io/?EIO=4&transport=websocket", timeout=5)
        opening = self.ws.recv()
        assert opening.startswith("0{")

    def send(self, packet):
        self.ws.send("4" + packet)

    def receive(self):
        """The next Socket.IO packet (answers pings on the way)."""
        while True:
            frame = self.ws.recv()
            if frame == "2":
                self.ws.send("3")
                continue
            assert frame.startswith("4"), frame
            return frame[1:]

    def connect(self, auth=None):
        """Sends CONNECT; returns the reply's data. Packets that arrive before it (as socket.io does, a
        recovered socket's missed events precede its CONNECT reply) are kept in `early`."""
        self.send("0" + (json.dumps(auth, separators=(",", ":")) if auth is not None else ""))
        self.early = []
        while True:
            reply = self.receive()
            if reply.startswith("0{"):
                return json.loads(reply[1:])
            self.early.append(reply)

    def cut(self):
        """Drops the TCP connection without a close frame, as a network failure would."""
        self.ws.sock.shutdown(socket.SHUT_RDWR)
        self.ws.sock.close()


def test_recovery_restores_id_rooms_and_missed_packets_after_a_cut_transport(server):
    first = RawSocketIO(server)
    session = first.connect()
    assert set(session) == {"sid", "pid"}
    first.send('20["join","lobby"]')
    assert first.receive() == '30["lobby"]'
    publish(server, {"event": "before", "data": [0], "rooms": ["lobby"]})
    before = json.loads(first.receive()[1:])
    assert before[:2] == ["before", 0]
    offset = before[2]
    first.cut()
    time.sleep(0.3)  # the server notices the closed transport

    missed = [publish(server, {"event": "missed", "data": [n], "rooms": ["lobby"]}) for n in (1, 2)]
    assert [response.status_code for response in missed] == [202, 202]

    second = RawSocketIO(server)
    again = second.connect({"pid": session["pid"], "offset": offset})
    assert again == session  # same sid and pid: the client sets `recovered`
    # Like socket.io, the missed events are written before the CONNECT reply (clients buffer them).
    events = [json.loads(packet[1:]) for packet in second.early]
    assert [event[:2] for event in events] == [["missed", 1], ["missed", 2]]
    second.send('21["whoami"]')
    whoami = json.loads(second.receive()[2:])[0]
    assert whoami["id"] == session["sid"]
    assert whoami["recovered"] is True
    assert "lobby" in whoami["rooms"]
    second.ws.close()


def test_an_unknown_pid_gets_a_new_session_without_recovery(server):
    client = RawSocketIO(server)
    session = client.connect({"pid": "not-a-pid", "offset": "0-0"})
    assert client.early == []

    assert session["pid"] != "not-a-pid"
    client.send('21["whoami"]')
    assert json.loads(client.receive()[2:])[0]["recovered"] is False
    client.ws.close()


# ----------------------------------------------------------------------------- limits

def handshake(server):
    return requests.get(f"{server.http}/socket.io/?EIO=4&transport=polling", timeout=5)


def still_echoes(client):
    assert client.client.call("echo", "still here", timeout=5) == "still here"


def test_a_message_above_max_payload_closes_only_that_connection(tmp_path, make_client):
    with feature_server(tmp_path, "--max-payload", "2000") as limited:
        bystander = make_client().connect(limited.http, transports=["websocket"])
        offender = make_client().connect(limited.http, transports=["websocket"])

        offender.client.emit("echo", "x" * 5000)

        deadline = time.monotonic() + 5
        while offender.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not offender.client.connected
        still_echoes(bystander)
        sid = handshake(limited).text
        sid = json.loads(sid[1:])["sid"]
        too_big = requests.post(f"{limited.http}/socket.io/?EIO=4&transport=polling&sid={sid}",
                                data="4" + "y" * 3000, timeout=5)
        assert too_big.status_code == 413


def test_connections_per_ip_above_the_cap_are_refused_with_503(tmp_path, make_client):
    with feature_server(tmp_path, "--max-connections-per-ip", "2") as limited:
        first = make_client().connect(limited.http, transports=["websocket"])
        second = make_client().connect(limited.http, transports=["websocket"])

        refused = handshake(limited)
        with pytest.raises(socketio.exceptions.ConnectionError):
            make_client().connect(limited.http, transports=["websocket"])

        assert refused.status_code == 503
        assert refused.json() == {"code": 6, "message": "Too many sessions from this address"}
        still_echoes(first)
        still_echoes(second)
        second.disconnect()
        time.sleep(0.2)
        still_echoes(make_client().connect(limited.http, transports=["websocket"]))


def test_handshakes_above_the_connect_rate_are_refused_with_429(tmp_path, make_client):
    with feature_server(tmp_path, "--connect-rate", "0.2", "--connect-burst", "2") as limited:
        connected = make_client().connect(limited.http, transports=["websocket"])
        assert handshake(limited).status_code == 200

        refused = handshake(limited)

        assert refused.status_code == 429
        assert refused.json() == {"code": 7, "message": "Too many handshakes"}
        still_echoes(connected)


def test_events_above_the_rate_are_dropped_with_an_error_event(tmp_path, make_client):
    with feature_server(tmp_path, "--event-rate", "1", "--event-burst", "3") as limited:
        noisy = make_client().connect(limited.http, transports=["websocket"])
        calm = make_client().connect(limited.http, transports=["websocket"])
        acks = []

        for n in range(6):
            noisy.client.emit("echo", n, callback=acks.append)

        error = noisy.next_event("error")
        assert error == ({"message": "rate limit exceeded", "event": "echo"},)
        time.sleep(0.3)
        assert sorted(acks) == [0, 1, 2]
        assert noisy.client.connected
        still_echoes(calm)


def test_events_above_the_rate_disconnect_when_so_configured(tmp_path, make_client):
    with feature_server(tmp_path, "--event-rate", "1", "--event-burst", "2", "--event-rate-reaction", "disconnect") as limited:
        noisy = make_client().connect(limited.http, transports=["websocket"])
        calm = make_client().connect(limited.http, transports=["websocket"])

        for n in range(5):
            noisy.client.emit("echo", n)

        deadline = time.monotonic() + 5
        while noisy.client.connected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not noisy.client.connected
        still_echoes(calm)
