"""The official python-socketio client against the server under test."""

import threading
import time

import pytest
import socketio


def wait_for(condition, timeout=5, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.mark.parametrize("transports, final_transport", [
    (["websocket"], "websocket"),
    (["polling"], "polling"),
    (["polling", "websocket"], "websocket"),
], ids=["websocket", "polling", "polling-then-upgrade"])
def test_connects_and_receives_auth_event_over_each_transport(server, make_client, transports, final_transport):
    client = make_client().connect(server.http, transports=transports)

    assert client.next_event("auth") == ({},)
    assert client.client.connected
    assert wait_for(lambda: client.client.transport() == final_transport)


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_message_is_echoed_as_message_back_with_all_arguments(server, make_client, transports):
    client = make_client().connect(server.http, transports=transports)
    client.next_event("auth")

    client.client.emit("message", (1, "2", {"3": [True]}))

    assert client.next_event("message-back") == (1, "2", {"3": [True]})


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_server_acknowledges_message_with_ack_with_the_same_arguments(server, make_client, transports):
    client = make_client().connect(server.http, transports=transports)
    client.next_event("auth")

    answer = client.client.call("message-with-ack", (1, "2", {"3": [False]}), timeout=5)

    assert list(answer) == [1, "2", {"3": [False]}]


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_binary_payloads_round_trip_through_message_back(server, make_client, transports):
    client = make_client().connect(server.http, transports=transports)
    client.next_event("auth")
    blob = bytes(range(256)) * 4

    client.client.emit("message", (b"\x01\x02\x03", {"nested": [blob, "text"]}))

    assert client.next_event("message-back") == (b"\x01\x02\x03", {"nested": [blob, "text"]})


def test_binary_arguments_come_back_in_an_ack(server, make_client):
    client = make_client().connect(server.http, transports=["websocket"])
    client.next_event("auth")

    answer = client.client.call("message-with-ack", (b"\x00\xff", b"\x10"), timeout=5)

    assert list(answer) == [b"\x00\xff", b"\x10"]


def test_auth_payload_is_echoed_by_the_auth_event(server, make_client):
    client = make_client().connect(server.http, transports=["websocket"], auth={"token": "123", "n": [1, 2]})

    assert client.next_event("auth") == ({"token": "123", "n": [1, 2]},)


def test_custom_namespace_receives_its_own_auth_event(server, make_client):
    client = make_client().connect(server.http, namespaces=["/", "/custom"], transports=["websocket"],
                                   auth={"k": "v"})

    assert client.next_event("auth", namespace="/custom") == ({"k": "v"},)
    assert client.next_event("auth", namespace="/") == ({"k": "v"},)


def test_rooms_deliver_broadcasts_only_to_members(server, make_client):
    alice, bob, carol = (make_client().connect(server.http, transports=t)
                         for t in (["websocket"], ["polling"], ["websocket"]))
    for client in (alice, bob, carol):
        client.next_event("auth")

    assert alice.client.call("join", "lobby", timeout=5) == "lobby"
    assert bob.client.call("join", "lobby", timeout=5) == "lobby"

    assert carol.client.call("broadcast-to-room", ("lobby", {"hello": "room"}), timeout=5) is True

    assert alice.next_event("room-message") == ("lobby", {"hello": "room"})
    assert bob.next_event("room-message") == ("lobby", {"hello": "room"})
    carol.no_event("room-message")


def test_leaving_a_room_stops_its_broadcasts(server, make_client):
    alice, bob = (make_client().connect(server.http, transports=["websocket"]) for _ in range(2))
    for client in (alice, bob):
        client.next_event("auth")
    alice.client.call("join", "news", timeout=5)
    bob.client.call("join", "news", timeout=5)

    assert bob.client.call("leave", "news", timeout=5) == "news"
    assert alice.client.call("broadcast-to-room", ("news", 42), timeout=5) is True

    assert alice.next_event("room-message") == ("news", 42)
    bob.no_event("room-message")


def test_guarded_namespace_rejects_with_middleware_error_message_and_data(server, make_client):
    client = make_client()

    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.http, namespaces=["/guarded"], transports=["websocket"], auth={"token": "wrong"})

    namespace, data = client.connect_errors.get(timeout=5)
    assert namespace == "/guarded"
    assert data == {"message": "not authorized", "data": {"reason": "bad token"}}


def test_guarded_namespace_rejects_a_missing_auth_payload(server, make_client):
    client = make_client()

    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server.http, namespaces=["/guarded"], transports=["polling"])

    _, data = client.connect_errors.get(timeout=5)
    assert data["message"] == "not authorized"


def test_guarded_namespace_admits_the_right_token_and_acks(server, make_client):
    client = make_client().connect(server.http, namespaces=["/guarded"], transports=["websocket"],
                                   auth={"token": "secret"})

    assert client.next_event("auth", namespace="/guarded") == ({"token": "secret"},)
    answer = client.client.call("message-with-ack", ("a", 1), namespace="/guarded", timeout=5)
    assert list(answer) == ["a", 1]


def test_unknown_namespace_is_refused_with_invalid_namespace(server, make_client):
    data = make_client().refused(server.http, "/random", transports=["websocket"])

    assert data == {"message": "Invalid namespace"}


def test_connection_survives_several_heartbeats(server, make_client):
    client = make_client().connect(server.http, transports=["websocket"])
    client.next_event("auth")

    time.sleep(1.5)  # five pingIntervals of 300 ms

    assert client.client.connected
    client.client.emit("message", "still here")
    assert client.next_event("message-back") == ("still here",)


# ----------------------------------------------------------------------------- server → client acks

@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_server_ack_relays_the_clients_answer_to_a_server_emitted_event(server, make_client, transports):
    client = make_client().connect(server.http, transports=transports)
    client.next_event("auth")
    asked = []

    def answer(*args):
        asked.append(args)
        return ("pong", {"seen": list(args)}, b"\x00\x01")

    client.answer("ping-client", answer)

    reply = client.client.call("server-ack", {"n": 1}, timeout=5)

    assert asked == [({"n": 1},)], "ping-client must carry the server-ack payload"
    assert list(reply) == ["pong", {"seen": [{"n": 1}]}, b"\x00\x01"]


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["websocket", "polling"])
def test_server_ack_answers_with_an_error_when_the_client_does_not_ack_within_5_seconds(
        server, make_client, transports):
    client = make_client().connect(server.http, transports=transports)
    client.next_event("auth")
    release = threading.Event()

    def slow_answer(*args):
        release.wait(8)  # python-socketio runs handlers on their own thread; this holds back the ack
        return "too late"

    client.answer("ping-client", slow_answer)
    started = time.monotonic()
    try:
        reply = client.client.call("server-ack", "anyone?", timeout=10)
    finally:
        release.set()
    elapsed = time.monotonic() - started

    assert isinstance(reply, dict) and set(reply) == {"error"} and isinstance(reply["error"], str), reply
    assert 4.5 <= elapsed < 8, f"the server answered after {elapsed:.1f}s instead of its 5 s ack timeout"
    client.client.emit("message", "still connected")
    assert client.next_event("message-back") == ("still connected",)
