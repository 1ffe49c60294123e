"""Exact bytes of conformance mode, checked with raw HTTP and WebSocket clients.

Ports the scenarios of the official Engine.IO v4 and Socket.IO v5 protocol test suites
(docs/*-protocol/*-test-suite/test-suite.js) plus the extra rules of CONFORMANCE.md.
"""

import base64
import concurrent.futures
import json
import re
import socket
import time

import pytest
import requests
import websocket

PING_INTERVAL = 0.3
PING_TIMEOUT = 0.2
HANDSHAKE_KEYS = {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
BOTH_PATHS = pytest.mark.parametrize("path", ["/engine.io/", "/socket.io/"], ids=["engine.io", "socket.io"])
PLACEHOLDERS = '{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}'


# ----------------------------------------------------------------------------- helpers

def polling_url(server, path, query="EIO=4&transport=polling"):
    return f"{server.http}{path}?{query}"


def get(server, path, query="EIO=4&transport=polling", **kwargs):
    return requests.get(polling_url(server, path, query), timeout=5, **kwargs)


def post(server, path, sid, body, **kwargs):
    return requests.post(polling_url(server, path, f"EIO=4&transport=polling&sid={sid}"),
                         data=body.encode() if isinstance(body, str) else body, timeout=5, **kwargs)


def poll(server, path, sid, **kwargs):
    return get(server, path, f"EIO=4&transport=polling&sid={sid}", **kwargs)


def open_polling_session(server, path):
    response = get(server, path)
    assert response.status_code == 200
    assert response.text.startswith("0")
    return json.loads(response.text[1:])["sid"]


def assert_handshake(text, upgrades):
    assert text.startswith("0"), text
    value = json.loads(text[1:])
    assert set(value) == HANDSHAKE_KEYS
    assert isinstance(value["sid"], str) and value["sid"]
    assert value["upgrades"] == upgrades
    assert value["pingInterval"] == 300
    assert value["pingTimeout"] == 200
    assert value["maxPayload"] == 1000000
    assert text[1:] == json.dumps(value, separators=(",", ":")), "handshake JSON must be compact"
    return value


class WS:
    """A blocking WebSocket client: text frames as str, binary frames as bytes."""

    def __init__(self, url, timeout=5):
        self.socket = websocket.WebSocket()
        self.socket.connect(url, timeout=timeout)

    def send(self, data):
        if isinstance(data, (bytes, bytearray)):
            self.socket.send_binary(bytes(data))
        else:
            self.socket.send(data)

    def recv(self, timeout=3, skip_pings=False):
        deadline = time.monotonic() + timeout
        while True:
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            opcode, data = self.socket.recv_data(control_frame=False)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                text = data.decode()
                if skip_pings and text == "2":
                    continue
                return text
            if opcode == websocket.ABNF.OPCODE_BINARY:
                return bytes(data)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                raise AssertionError("connection closed while waiting for a frame")

    def expect_closed(self, timeout=3):
        """Waits for the server to close (close frame, EOF or reset); fails on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.socket.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                opcode, _ = self.socket.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                break
            except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                return
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                return
        raise AssertionError(f"the server did not close the WebSocket within {timeout}s")

    def close(self):
        try:
            self.socket.close(timeout=0.2)
        except Exception:
            pass


@pytest.fixture
def ws_factory():
    opened = []

    def make(url):
        client = WS(url)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def assert_ws_refused_or_closed(url):
    try:
        client = WS(url)
    except websocket.WebSocketBadStatusException:
        return
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        return
    try:
        client.expect_closed()
    finally:
        client.close()


# ----------------------------------------------------------------------------- Engine.IO: handshake

@BOTH_PATHS
def test_polling_handshake_opens_a_session(server, path):
    response = get(server, path)

    assert response.status_code == 200
    assert_handshake(response.text, ["websocket"])


@BOTH_PATHS
@pytest.mark.parametrize("query", ["transport=polling", "EIO=abc&transport=polling", "EIO=3&transport=polling"])
def test_polling_handshake_rejects_missing_or_invalid_eio(server, path, query):
    assert get(server, path, query).status_code == 400


@BOTH_PATHS
@pytest.mark.parametrize("query", ["EIO=4", "EIO=4&transport=abc"])
def test_polling_handshake_rejects_missing_or_unknown_transport(server, path, query):
    assert get(server, path, query).status_code == 400


@BOTH_PATHS
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_post_or_put_without_sid_is_rejected(server, path, method):
    response = requests.request(method, polling_url(server, path), data=b"4hello", timeout=5)

    assert response.status_code == 400


@BOTH_PATHS
def test_unknown_sid_is_rejected(server, path):
    assert poll(server, path, "doesnotexist").status_code == 400
    assert post(server, path, "doesnotexist", "4hello").status_code == 400


@BOTH_PATHS
def test_websocket_handshake_opens_a_session(server, path, ws_factory):
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket")

    assert_handshake(client.recv(), [])


@BOTH_PATHS
@pytest.mark.parametrize("query", ["transport=websocket", "EIO=abc&transport=websocket", "EIO=4", "EIO=4&transport=abc"])
def test_websocket_handshake_with_invalid_query_is_refused_or_closed(server, path, query):
    assert_ws_refused_or_closed(f"{server.ws}{path}?{query}")


@BOTH_PATHS
def test_polling_answers_cors_requests_from_any_origin_with_credentials(server, path):
    origin = "http://pages.example.test:8080"

    response = get(server, path, headers={"Origin": origin})

    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == origin
    assert response.headers.get("Access-Control-Allow-Credentials") == "true"


@BOTH_PATHS
def test_polling_answers_cors_preflight(server, path):
    origin = "http://pages.example.test:8080"

    response = requests.options(polling_url(server, path), timeout=5, headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })

    assert 200 <= response.status_code < 300
    assert response.headers.get("Access-Control-Allow-Origin") == origin
    assert "POST" in response.headers.get("Access-Control-Allow-Methods", "").upper()


# ----------------------------------------------------------------------------- Engine.IO: messages

def test_polling_echoes_one_text_packet(server):
    sid = open_polling_session(server, "/engine.io/")

    response = post(server, "/engine.io/", sid, "4hello")
    assert (response.status_code, response.text) == (200, "ok")

    response = poll(server, "/engine.io/", sid)
    assert (response.status_code, response.text) == (200, "4hello")


def test_polling_batches_queued_packets_in_one_get(server):
    sid = open_polling_session(server, "/engine.io/")

    response = post(server, "/engine.io/", sid, "4test1\x1e4test2\x1e4test3")
    assert (response.status_code, response.text) == (200, "ok")

    response = poll(server, "/engine.io/", sid)
    assert (response.status_code, response.text) == (200, "4test1\x1e4test2\x1e4test3")


def test_polling_echoes_text_and_base64_binary_packets(server):
    sid = open_polling_session(server, "/engine.io/")

    response = post(server, "/engine.io/", sid, "4hello\x1ebAQIDBA==")
    assert (response.status_code, response.text) == (200, "ok")

    response = poll(server, "/engine.io/", sid)
    assert (response.status_code, response.text) == (200, "4hello\x1ebAQIDBA==")


@BOTH_PATHS
def test_polling_invalid_packet_is_rejected_and_closes_the_session(server, path):
    sid = open_polling_session(server, path)

    try:
        assert post(server, path, sid, "abc").status_code == 400
    except requests.ConnectionError:
        pass  # closing the request abnormally is tolerated by the official suite

    assert poll(server, path, sid).status_code == 400


@BOTH_PATHS
def test_duplicate_get_closes_the_session(server, path):
    sid = open_polling_session(server, path)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(poll, server, path, sid)
        time.sleep(0.05)
        second = pool.submit(get, server, path, f"EIO=4&transport=polling&sid={sid}&t=burst")
        first, second = first.result(), second.result()

    assert (first.status_code, first.text) == (200, "1")
    assert second.status_code in (400, 500)
    assert poll(server, path, sid).status_code == 400


@BOTH_PATHS
def test_aborted_get_closes_the_session(server, path):
    sid = open_polling_session(server, path)

    raw = socket.create_connection((server.host, server.port), timeout=5)
    raw.sendall(f"GET {path}?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\n"
                f"Host: {server.host}:{server.port}\r\n\r\n".encode())
    time.sleep(0.05)
    raw.close()
    time.sleep(0.05)

    assert poll(server, path, sid).status_code == 400


def test_websocket_echoes_a_text_packet(server, ws_factory):
    client = ws_factory(f"{server.ws}/engine.io/?EIO=4&transport=websocket")
    client.recv()  # handshake

    client.send("4hello")

    assert client.recv(skip_pings=True) == "4hello"


def test_websocket_echoes_a_binary_packet(server, ws_factory):
    client = ws_factory(f"{server.ws}/engine.io/?EIO=4&transport=websocket")
    client.recv()  # handshake

    client.send(bytes([1, 2, 3, 4]))

    assert client.recv(skip_pings=True) == bytes([1, 2, 3, 4])


@BOTH_PATHS
def test_websocket_invalid_packet_closes_the_connection(server, path, ws_factory):
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket")
    client.recv()  # handshake

    client.send("abc")

    client.expect_closed()


# ----------------------------------------------------------------------------- Engine.IO: heartbeat

@BOTH_PATHS
def test_polling_heartbeat_sends_pings_that_pongs_answer(server, path):
    sid = open_polling_session(server, path)

    for _ in range(3):
        response = poll(server, path, sid)
        assert (response.status_code, response.text) == (200, "2")
        assert post(server, path, sid, "3").status_code == 200


@BOTH_PATHS
def test_polling_session_closes_upon_ping_timeout(server, path):
    sid = open_polling_session(server, path)

    time.sleep(PING_INTERVAL + PING_TIMEOUT)

    assert poll(server, path, sid).status_code == 400


@BOTH_PATHS
def test_websocket_heartbeat_sends_pings_that_pongs_answer(server, path, ws_factory):
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket")
    client.recv()  # handshake

    for _ in range(3):
        assert client.recv(timeout=1) == "2"
        client.send("3")


@BOTH_PATHS
def test_websocket_closes_upon_ping_timeout(server, path, ws_factory):
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket")
    client.recv()  # handshake

    client.expect_closed(timeout=2)


# ----------------------------------------------------------------------------- Engine.IO: close

@BOTH_PATHS
def test_polling_close_packet_ends_the_pending_get_with_noop(server, path):
    sid = open_polling_session(server, path)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pending = pool.submit(poll, server, path, sid)
        time.sleep(0.05)
        closing = pool.submit(post, server, path, sid, "1")
        pending, closing = pending.result(), closing.result()

    assert (pending.status_code, pending.text) == (200, "6")
    assert closing.status_code == 200
    assert poll(server, path, sid).status_code == 400


@BOTH_PATHS
def test_websocket_close_packet_closes_the_connection(server, path, ws_factory):
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket")
    client.recv()  # handshake

    client.send("1")

    client.expect_closed()


# ----------------------------------------------------------------------------- Engine.IO: upgrade

def probe_upgrade(server, path, ws_factory):
    sid = open_polling_session(server, path)
    client = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket&sid={sid}")
    client.send("2probe")
    assert client.recv() == "3probe"
    return sid, client


def test_upgrade_ends_pending_poll_with_noop_and_then_echoes_over_websocket(server, ws_factory):
    sid, client = probe_upgrade(server, "/engine.io/", ws_factory)

    response = poll(server, "/engine.io/", sid)
    assert (response.status_code, response.text) == (200, "6")

    client.send("5")
    client.send("4hello")

    assert client.recv(skip_pings=True) == "4hello"  # no noop or other frame before the reply


@BOTH_PATHS
def test_polling_with_the_sid_is_rejected_after_upgrade(server, path, ws_factory):
    sid, client = probe_upgrade(server, path, ws_factory)
    client.send("5")
    time.sleep(0.05)

    assert poll(server, path, sid).status_code == 400

    if path == "/engine.io/":
        client.send("4hello")
        assert client.recv(skip_pings=True) == "4hello"


@BOTH_PATHS
def test_second_websocket_with_the_sid_is_accepted_then_closed_after_upgrade(server, path, ws_factory):
    sid, client = probe_upgrade(server, path, ws_factory)
    client.send("5")
    time.sleep(0.05)

    second = ws_factory(f"{server.ws}{path}?EIO=4&transport=websocket&sid={sid}")  # 101
    second.expect_closed()

    if path == "/engine.io/":
        client.send("4hello")
        assert client.recv(skip_pings=True) == "4hello"


def test_socket_io_connects_over_the_upgraded_websocket(server, ws_factory):
    sid, client = probe_upgrade(server, "/socket.io/", ws_factory)
    client.send("5")

    client.send("40")

    assert re.fullmatch(r'40\{"sid":"[^"]+"\}', client.recv(skip_pings=True))
    assert client.recv(skip_pings=True) == '42["auth",{}]'


# ----------------------------------------------------------------------------- Socket.IO: connect

def engine_ws(server, ws_factory):
    client = ws_factory(f"{server.ws}/socket.io/?EIO=4&transport=websocket")
    client.recv()  # Engine.IO handshake
    return client


def socket_io_ws(server, ws_factory):
    client = engine_ws(server, ws_factory)
    client.send("40")
    assert client.recv(skip_pings=True).startswith("40")
    assert client.recv(skip_pings=True) == '42["auth",{}]'
    return client


@pytest.mark.parametrize("connect, prefix, auth_packet", [
    ("40", "40", '42["auth",{}]'),
    ('40{"token":"123"}', "40", '42["auth",{"token":"123"}]'),
    ("40/custom,", "40/custom,", '42/custom,["auth",{}]'),
    ('40/custom,{"token":"abc"}', "40/custom,", '42/custom,["auth",{"token":"abc"}]'),
], ids=["main", "main-with-auth", "custom", "custom-with-auth"])
def test_connect_answers_with_sid_only_then_emits_auth(server, ws_factory, connect, prefix, auth_packet):
    client = engine_ws(server, ws_factory)

    client.send(connect)

    answer = client.recv(skip_pings=True)
    assert re.fullmatch(re.escape(prefix) + r'\{"sid":"[^"]+"\}', answer), answer
    assert client.recv(skip_pings=True) == auth_packet


def test_connect_to_an_unknown_namespace_is_refused(server, ws_factory):
    client = engine_ws(server, ws_factory)

    client.send("40/random")

    assert client.recv(skip_pings=True) == '44/random,{"message":"Invalid namespace"}'


def test_connect_over_polling_answers_sid_then_auth(server):
    sid = open_polling_session(server, "/socket.io/")
    assert post(server, "/socket.io/", sid, '40{"token":"123"}').text == "ok"

    packets = []
    deadline = time.monotonic() + 3
    while len(packets) < 2 and time.monotonic() < deadline:
        response = poll(server, "/socket.io/", sid)
        assert response.status_code == 200
        for packet in response.text.split("\x1e"):
            if packet == "2":
                post(server, "/socket.io/", sid, "3")
            else:
                packets.append(packet)

    assert re.fullmatch(r'40\{"sid":"[^"]+"\}', packets[0])
    assert packets[1] == '42["auth",{"token":"123"}]'


def test_invalid_handshake_packet_closes_the_connection(server, ws_factory):
    client = engine_ws(server, ws_factory)

    client.send("4abc")

    client.expect_closed()


def test_connection_without_connect_packet_is_closed_after_connect_timeout(server, ws_factory):
    client = engine_ws(server, ws_factory)
    started = time.monotonic()

    # Answer pings so that only the 1000 ms connectTimeout can end the connection.
    closed = False
    while not closed and time.monotonic() - started < 2.5:
        try:
            frame = client.recv(timeout=max(0.01, 2.5 - (time.monotonic() - started)))
        except websocket.WebSocketTimeoutException:
            break
        except (AssertionError, websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            closed = True
            break
        assert frame == "2", f"unexpected frame {frame!r}"
        client.send("3")

    assert closed, "the connection was not closed within 2.5 s without a CONNECT packet"
    assert time.monotonic() - started >= 0.8, "closed before the 1000 ms connectTimeout"


# ----------------------------------------------------------------------------- Socket.IO: disconnect

def test_disconnect_from_main_namespace_keeps_the_engine_session(server, ws_factory):
    client = socket_io_ws(server, ws_factory)

    client.send("41")

    assert client.recv(timeout=1) == "2"  # nothing is sent back; the next frame is a ping
    client.send("3")
    assert client.recv(timeout=1) == "2"  # still open


def test_disconnect_from_custom_namespace_leaves_main_connected(server, ws_factory):
    client = socket_io_ws(server, ws_factory)
    client.send("40/custom")
    assert client.recv(skip_pings=True).startswith("40/custom,")
    assert client.recv(skip_pings=True) == '42/custom,["auth",{}]'

    client.send("41/custom")
    client.send('42["message","message to main namespace"]')

    assert client.recv(skip_pings=True) == '42["message-back","message to main namespace"]'


# ----------------------------------------------------------------------------- Socket.IO: messages

def test_event_is_echoed_as_message_back(server, ws_factory):
    client = socket_io_ws(server, ws_factory)

    client.send('42["message",1,"2",{"3":[true]}]')

    assert client.recv(skip_pings=True) == '42["message-back",1,"2",{"3":[true]}]'


def test_event_with_binary_attachments_is_echoed_with_attachments(server, ws_factory):
    client = socket_io_ws(server, ws_factory)

    client.send(f'452-["message",{PLACEHOLDERS}]')
    client.send(bytes([1, 2, 3]))
    client.send(bytes([4, 5, 6]))

    assert client.recv(skip_pings=True) == f'452-["message-back",{PLACEHOLDERS}]'
    assert client.recv(skip_pings=True) == bytes([1, 2, 3])
    assert client.recv(skip_pings=True) == bytes([4, 5, 6])


def test_event_with_ack_is_acknowledged_with_the_same_arguments(server, ws_factory):
    client = socket_io_ws(server, ws_factory)

    client.send('42456["message-with-ack",1,"2",{"3":[false]}]')

    assert client.recv(skip_pings=True) == '43456[1,"2",{"3":[false]}]'


def test_binary_event_with_ack_is_acknowledged_with_binary_ack(server, ws_factory):
    client = socket_io_ws(server, ws_factory)

    client.send(f'452-789["message-with-ack",{PLACEHOLDERS}]')
    client.send(bytes([1, 2, 3]))
    client.send(bytes([4, 5, 6]))

    assert client.recv(skip_pings=True) == f'462-789[{PLACEHOLDERS}]'
    assert client.recv(skip_pings=True) == bytes([1, 2, 3])
    assert client.recv(skip_pings=True) == bytes([4, 5, 6])


def test_binary_attachments_over_polling_use_base64(server):
    sid = open_polling_session(server, "/socket.io/")
    post(server, "/socket.io/", sid, "40")
    text = ""
    deadline = time.monotonic() + 3
    while '42["auth"' not in text and time.monotonic() < deadline:
        text += poll(server, "/socket.io/", sid).text + "\x1e"

    body = "\x1e".join([f'452-["message",{PLACEHOLDERS}]',
                        "b" + base64.b64encode(bytes([1, 2, 3])).decode(),
                        "b" + base64.b64encode(bytes([4, 5, 6])).decode()])
    assert post(server, "/socket.io/", sid, body).text == "ok"

    packets = []
    while len(packets) < 3 and time.monotonic() < deadline + 3:
        for packet in poll(server, "/socket.io/", sid).text.split("\x1e"):
            if packet == "2":
                post(server, "/socket.io/", sid, "3")
            else:
                packets.append(packet)
    assert packets == [f'452-["message-back",{PLACEHOLDERS}]', "bAQID", "bBAUG"]


@pytest.mark.parametrize("packet", ["4abc", "42{}", '42abc["message-with-ack",1,"2",{"3":[false]}]'],
                         ids=["unknown-type", "payload-not-array", "bad-ack-id"])
def test_invalid_socket_io_packet_closes_the_connection(server, ws_factory, packet):
    client = socket_io_ws(server, ws_factory)

    client.send(packet)

    client.expect_closed()


# ----------------------------------------------------------------------------- /echo

def test_plain_websocket_echo_returns_text_and_binary_with_their_opcodes(server, ws_factory):
    client = ws_factory(f"{server.ws}/echo")

    client.send("héllo ✓")
    assert client.recv() == "héllo ✓"

    payload = bytes(range(256)) * 300
    client.send(payload)
    assert client.recv() == payload
