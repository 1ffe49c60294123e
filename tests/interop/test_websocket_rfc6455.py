"""RFC 6455 / RFC 7692 conformance of the `/echo` WebSocket endpoint, after Autobahn|Testsuite.

The real Autobahn|Testsuite needs Python 2, which this platform does not have, so these tests follow
its case categories with our own raw client (tests/interop/websocket_client.py) and its "strict"
expectations: a protocol violation is answered with a close frame carrying the exact status code
(1002 protocol error, 1007 invalid payload data, 1009 message too big), after which the server ends
the TCP connection. Case numbers in the test names refer to the Autobahn case they follow.
"""

import os
import random
import socket
import struct
import time
import zlib

import pytest

from websocket_client import (BINARY, CLOSE, CONTINUATION, PING, PONG, RSV1, RSV2, RSV3, TEXT,
                              ConnectionClosed, RawWebSocket, encode_frame, parse_extensions)

MAX_MESSAGE = 16 * 1024 * 1024
PROTOCOL_ERROR, INVALID_DATA, TOO_BIG = 1002, 1007, 1009


@pytest.fixture
def connect(server):
    """Factory for RawWebSockets to `/echo`; each must be upgraded (101) unless `expect_101=False`."""
    sockets = []

    def make(extensions=None, expect_101=True, timeout=5.0, path="/echo"):
        ws = RawWebSocket(server.host, server.port, path=path, extensions=extensions, timeout=timeout)
        sockets.append(ws)
        if expect_101:
            assert ws.status == 101, f"handshake answered {ws.status}"
            assert ws.header("sec-websocket-protocol") is None, "no subprotocol was asked for"
            if extensions is None:
                assert ws.header("sec-websocket-extensions") is None, "no extension was offered"
        return ws

    yield make
    for ws in sockets:
        ws.close()


def text_of(size, seed=0):
    """`size` bytes of printable ASCII (deterministic)."""
    generator = random.Random(seed)
    alphabet = b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return bytes(generator.choice(alphabet) for _ in range(min(size, 4096))) * (size // 4096 + 1) if size else b""


def sized_text(size, seed=0):
    return text_of(size, seed)[:size]


# ============================================================================ handshake

def test_handshake_answers_101_with_the_accept_key_and_no_extension_or_protocol(connect):
    ws = connect()
    assert ws.header("upgrade").lower() == "websocket"
    assert "upgrade" in ws.header("connection").lower()


def raw_http(server, request):
    """Sends `request` and returns (status, {lower-case header: value}) of the answer."""
    with socket.create_connection((server.host, server.port), timeout=5) as raw:
        raw.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = raw.recv(4096)
            if not chunk:
                break
            answer += chunk
    status_line, *lines = answer.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split(" ")[1]), headers


UPGRADE_HEADERS = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"


def test_handshake_without_key_is_refused(server):
    status, _ = raw_http(server, f"GET /echo HTTP/1.1\r\nHost: {server.host}\r\nUpgrade: websocket\r\n"
                                 "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert 400 <= status < 500, status


def test_handshake_with_post_is_refused(server):
    status, _ = raw_http(server, f"POST /echo HTTP/1.1\r\nHost: {server.host}\r\n{UPGRADE_HEADERS}"
                                 "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
    assert 400 <= status < 500, status


def test_handshake_with_an_unsupported_version_names_version_13(server):
    # RFC 6455 §4.2.2 / §4.4: refuse (e.g. 426) and MUST name the supported versions in Sec-WebSocket-Version.
    status, headers = raw_http(server, f"GET /echo HTTP/1.1\r\nHost: {server.host}\r\n{UPGRADE_HEADERS}"
                                        "Sec-WebSocket-Version: 8\r\n\r\n")
    assert 400 <= status < 500, status
    assert "13" in [v.strip() for v in headers.get("sec-websocket-version", "").split(",")], headers


# ============================================================================ 1.x framing, payload sizes

PAYLOAD_SIZES = [0, 125, 126, 127, 128, 65535, 65536]


@pytest.mark.parametrize("size", PAYLOAD_SIZES)
def test_1_1_text_message_of_each_length_encoding_is_echoed(connect, size):
    ws = connect()
    payload = sized_text(size)
    ws.send_frame(TEXT, payload)
    ws.expect_echo(TEXT, payload)


@pytest.mark.parametrize("size", PAYLOAD_SIZES)
def test_1_2_binary_message_of_each_length_encoding_is_echoed(connect, size):
    ws = connect()
    payload = bytes(random.Random(size).getrandbits(8) for _ in range(size))
    ws.send_frame(BINARY, payload)
    ws.expect_echo(BINARY, payload)


@pytest.mark.parametrize("opcode", [TEXT, BINARY])
def test_1_1_8_64_KiB_message_written_in_997_byte_chunks_is_echoed(connect, opcode):
    ws = connect()
    payload = sized_text(65536, seed=8)
    ws.send_frame(opcode, payload, chunk=997)
    ws.expect_echo(opcode, payload)


def test_1_x_binary_message_of_16_MiB_is_echoed(connect):
    ws = connect(timeout=60)
    payload = os.urandom(MAX_MESSAGE)
    started = time.monotonic()
    ws.send_frame(BINARY, payload)
    ws.expect_echo(BINARY, payload, timeout=60)
    assert time.monotonic() - started < 60


def test_1_x_several_messages_on_one_connection_are_echoed_in_order(connect):
    ws = connect()
    messages = [(TEXT, b"one"), (BINARY, b"\x00\x01\x02"), (TEXT, b""), (BINARY, b""), (TEXT, "drei ünd".encode())]
    for opcode, payload in messages:
        ws.send_frame(opcode, payload)
    for opcode, payload in messages:
        ws.expect_echo(opcode, payload)


def test_unmasked_client_frame_closes_the_connection(connect):
    # RFC 6455 §5.1: the server MUST close the connection; it MAY send a close frame with 1002 first.
    ws = connect()
    ws.send_frame(TEXT, b"not masked", mask=False)
    try:
        frame = ws.recv_frame()
    except ConnectionClosed:
        return
    assert (frame.opcode, frame.close_code) == (CLOSE, PROTOCOL_ERROR), f"unmasked frame answered with {frame!r}"
    ws.expect_eof()


def test_message_above_16_MiB_is_closed_with_1009(connect):
    ws = connect(timeout=60)
    ws.send_frame(BINARY, b"\x00" * (MAX_MESSAGE + 1))
    ws.expect_closed_by_server({TOO_BIG}, timeout=60)


def test_fragmented_message_growing_above_16_MiB_is_closed_with_1009(connect):
    ws = connect(timeout=60)
    half = b"a" * (MAX_MESSAGE // 2)
    ws.send_frame(TEXT, half, fin=False)
    ws.send_frame(CONTINUATION, half, fin=False)
    ws.send_frame(CONTINUATION, b"a", fin=True)
    ws.expect_closed_by_server({TOO_BIG}, timeout=60)


# ============================================================================ 2.x ping / pong

@pytest.mark.parametrize("payload", [b"", b"Hello, world!", b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff", b"\xfe" * 125],
                         ids=["2.1-empty", "2.2-text", "2.3-binary", "2.4-125-bytes"])
def test_2_ping_is_answered_with_a_pong_carrying_the_same_payload(connect, payload):
    ws = connect()
    ws.send_frame(PING, payload)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.fin, frame.rsv, frame.payload) == (PONG, True, 0, payload)


def test_2_5_ping_with_126_byte_payload_is_a_protocol_error(connect):
    ws = connect()
    ws.send_frame(PING, b"\xfe" * 126)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_2_6_ping_written_one_byte_at_a_time_is_answered(connect):
    ws = connect()
    payload = b"\xfe" * 125
    ws.send_frame(PING, payload, chunk=1, pause=0.001)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.payload) == (PONG, payload)


@pytest.mark.parametrize("payload", [b"", b"unsolicited pong payload"], ids=["2.7-empty", "2.8-payload"])
def test_2_unsolicited_pong_is_ignored(connect, payload):
    ws = connect()
    ws.send_frame(PONG, payload)
    ws.send_frame(TEXT, b"after pong")
    ws.expect_echo(TEXT, b"after pong")


def test_2_9_unsolicited_pong_then_ping_gets_exactly_one_pong(connect):
    ws = connect()
    ws.send_frame(PONG, b"unsolicited pong payload")
    ws.send_frame(PING, b"ping payload")
    frame = ws.recv_frame()
    assert (frame.opcode, frame.payload) == (PONG, b"ping payload")
    ws.send_frame(TEXT, b"marker")
    ws.expect_echo(TEXT, b"marker")


@pytest.mark.parametrize("chunk", [None, 1], ids=["2.10-whole", "2.11-chopped"])
def test_2_ten_pings_get_ten_pongs_in_order(connect, chunk):
    ws = connect()
    for index in range(10):
        ws.send_frame(PING, f"payload-{index}".encode(), chunk=chunk)
    for index in range(10):
        frame = ws.recv_frame()
        assert (frame.opcode, frame.payload) == (PONG, f"payload-{index}".encode())


# ============================================================================ 3.x reserved bits

@pytest.mark.parametrize("opcode,rsv,payload", [
    (TEXT, RSV1, b"Hello, world!"),
    (TEXT, RSV2, b"Hello, world!"),
    (TEXT, RSV1 | RSV2, b"Hello, world!"),
    (BINARY, RSV3, b"\x00\xff\xfe\xfd"),
    (BINARY, RSV1 | RSV3, b"\x00\xff\xfe\xfd"),
    (PING, RSV2 | RSV3, b"Hello, world!"),
    (CLOSE, RSV1 | RSV2 | RSV3, struct.pack("!H", 1000)),
], ids=["3.1-text-rsv1", "3.2-text-rsv2", "3.3-text-rsv3", "3.4-binary-rsv4", "3.5-binary-rsv5",
        "3.6-ping-rsv6", "3.7-close-rsv7"])
def test_3_reserved_bits_without_extension_are_a_protocol_error(connect, opcode, rsv, payload):
    ws = connect()
    ws.send_frame(TEXT, b"before")
    ws.send_frame(opcode, payload, rsv=rsv)
    ws.send_frame(PING, b"after")
    ws.expect_echo(TEXT, b"before")
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_3_reserved_bit_on_a_continuation_frame_is_a_protocol_error(connect):
    ws = connect()
    ws.send_frame(TEXT, b"frag", fin=False)
    ws.send_frame(CONTINUATION, b"ment", rsv=RSV1)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


# ============================================================================ 4.x reserved opcodes

@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
@pytest.mark.parametrize("payload", [b"", b"reserved opcode payload"], ids=["empty", "payload"])
def test_4_reserved_opcode_is_a_protocol_error(connect, opcode, payload):
    ws = connect()
    ws.send_frame(TEXT, b"before")
    ws.send_frame(opcode, payload)
    ws.send_frame(PING, b"after")
    ws.expect_echo(TEXT, b"before")
    ws.expect_closed_by_server({PROTOCOL_ERROR})


# ============================================================================ 5.x fragmentation

@pytest.mark.parametrize("opcode", [PING, PONG], ids=["5.1-ping", "5.2-pong"])
def test_5_fragmented_control_frame_is_a_protocol_error(connect, opcode):
    ws = connect()
    ws.send_frame(opcode, b"fragment1", fin=False)
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_5_fragmented_close_frame_is_a_protocol_error(connect):
    ws = connect()
    ws.send_frame(CLOSE, struct.pack("!H", 1000), fin=False)
    ws.send_frame(CONTINUATION, b"", fin=True)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


@pytest.mark.parametrize("opcode", [TEXT, BINARY], ids=["5.3-text", "5.8-binary"])
@pytest.mark.parametrize("pause", [0.0, 0.2], ids=["whole", "with-pause"])
def test_5_message_in_two_fragments_is_echoed_whole(connect, opcode, pause):
    ws = connect()
    ws.send_frame(opcode, b"fragment1", fin=False)
    time.sleep(pause)
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    ws.expect_echo(opcode, b"fragment1fragment2")


def test_5_message_with_empty_fragments_is_echoed(connect):
    ws = connect()
    ws.send_frame(TEXT, b"", fin=False)
    ws.send_frame(CONTINUATION, b"", fin=False)
    ws.send_frame(CONTINUATION, b"", fin=True)
    ws.expect_echo(TEXT, b"")


@pytest.mark.parametrize("pause", [0.0, 0.2], ids=["5.6", "5.7-with-pause"])
def test_5_ping_between_fragments_is_answered_before_the_echo(connect, pause):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    time.sleep(pause)
    ws.send_frame(PING, b"ping payload")
    time.sleep(pause)
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.payload) == (PONG, b"ping payload")
    ws.expect_echo(TEXT, b"fragment1fragment2")


def test_5_pong_between_fragments_is_ignored(connect):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    ws.send_frame(PONG, b"unsolicited")
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    ws.expect_echo(TEXT, b"fragment1fragment2")


def test_5_19_five_fragments_with_pings_in_between_are_answered_and_echoed(connect):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    ws.send_frame(CONTINUATION, b"fragment2", fin=False)
    ws.send_frame(PING, b"pongme 1!")
    time.sleep(0.3)
    ws.send_frame(CONTINUATION, b"fragment3", fin=False)
    ws.send_frame(CONTINUATION, b"fragment4", fin=False)
    ws.send_frame(PING, b"pongme 2!")
    time.sleep(0.3)
    ws.send_frame(CONTINUATION, b"fragment5", fin=True)
    assert ws.recv_frame().payload == b"pongme 1!"
    assert ws.recv_frame().payload == b"pongme 2!"
    ws.expect_echo(TEXT, b"fragment1fragment2fragment3fragment4fragment5")


@pytest.mark.parametrize("fin", [True, False], ids=["5.9-fin", "5.10-no-fin"])
def test_5_continuation_without_a_started_message_is_a_protocol_error(connect, fin):
    ws = connect()
    ws.send_frame(CONTINUATION, b"non-continuation payload", fin=fin)
    ws.send_frame(TEXT, b"Hello, world!")
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_5_12_continuation_after_a_finished_message_is_a_protocol_error(connect):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    ws.send_frame(CONTINUATION, b"fragment3", fin=True)
    ws.expect_echo(TEXT, b"fragment1fragment2")
    ws.expect_closed_by_server({PROTOCOL_ERROR})


@pytest.mark.parametrize("second", [TEXT, BINARY])
def test_5_18_new_data_frame_while_a_message_is_fragmented_is_a_protocol_error(connect, second):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    ws.send_frame(second, b"fragment2", fin=True)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


# ============================================================================ 6.x UTF-8

VALID_UTF8 = [
    b"",
    "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!".encode(),
    "\u03ba\u1f79\u03c3\u03bc\u03b5".encode(),  # κόσμε
    b"\x00", b"\x7f",
    "\u0080".encode(), "\u07ff".encode(), "\u0800".encode(), "\ud7ff".encode(), "\ue000".encode(),
    "\ufffd".encode(), "\ufffe".encode(), "\uffff".encode(),
    "\U00010000".encode(), "\U0010ffff".encode(), "\U0001f600 emoji".encode(),
]

INVALID_UTF8 = {
    "lone-continuation": b"\x80",
    "continuations": b"\x80\xbf\x80\xbf",
    "lone-start-2": b"\xc2 ",
    "truncated-3-at-end": b"\xe2\x82",
    "truncated-4-at-end": b"\xf0\x9f\x98",
    "overlong-slash-2": b"\xc0\xaf",
    "overlong-slash-3": b"\xe0\x80\xaf",
    "overlong-slash-4": b"\xf0\x80\x80\xaf",
    "overlong-nul": b"\xc0\x80",
    "five-byte": b"\xf8\x88\x80\x80\x80",
    "six-byte": b"\xfc\x84\x80\x80\x80\x80",
    "fe": b"\xfe",
    "ff": b"\xff",
    "above-10ffff": b"\xf4\x90\x80\x80",
    "f5": b"\xf5\x80\x80\x80",
    "surrogate-d800": b"\xed\xa0\x80",
    "surrogate-dfff": b"\xed\xbf\xbf",
    "surrogate-pair": b"\xed\xa0\x80\xed\xb0\x80",
    "6.3.1-kosme-with-surrogate": b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
}


@pytest.mark.parametrize("payload", VALID_UTF8, ids=[f"valid-{index}" for index in range(len(VALID_UTF8))])
def test_6_valid_utf8_text_is_echoed(connect, payload):
    ws = connect()
    ws.send_frame(TEXT, payload)
    ws.expect_echo(TEXT, payload)


def test_6_2_valid_utf8_split_into_one_byte_fragments_inside_code_points_is_echoed(connect):
    ws = connect()
    payload = "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc-\u03ba\u1f79\u03c3\u03bc\u03b5-\U0001f600".encode()
    for index, byte in enumerate(payload):
        opcode = TEXT if index == 0 else CONTINUATION
        ws.send_frame(opcode, bytes([byte]), fin=index == len(payload) - 1)
    ws.expect_echo(TEXT, payload)


@pytest.mark.parametrize("payload", list(INVALID_UTF8.values()), ids=list(INVALID_UTF8))
def test_6_invalid_utf8_text_is_closed_with_1007(connect, payload):
    ws = connect()
    ws.send_frame(TEXT, payload)
    ws.expect_closed_by_server({INVALID_DATA})


@pytest.mark.parametrize("payload", list(INVALID_UTF8.values())[:6], ids=list(INVALID_UTF8)[:6])
def test_6_invalid_utf8_split_into_one_byte_fragments_is_closed_with_1007(connect, payload):
    ws = connect()
    for index, byte in enumerate(payload):
        ws.send_frame(TEXT if index == 0 else CONTINUATION, bytes([byte]), fin=index == len(payload) - 1)
    ws.expect_closed_by_server({INVALID_DATA})


def test_6_invalid_utf8_in_a_binary_message_is_echoed(connect):
    ws = connect()
    ws.send_frame(BINARY, b"\xff\xfe\xed\xa0\x80")
    ws.expect_echo(BINARY, b"\xff\xfe\xed\xa0\x80")


def test_6_4_1_invalid_fragment_fails_fast_before_the_message_ends(connect):
    ws = connect()
    ws.send_frame(TEXT, "\u03ba\u1f79\u03c3\u03bc\u03b5".encode(), fin=False)
    ws.send_frame(CONTINUATION, b"\xf4\x90\x80\x80", fin=False)
    # The final fragment is never sent: the server must fail on the invalid fragment itself.
    ws.expect_closed_by_server({INVALID_DATA}, timeout=2)


def test_6_4_2_code_point_invalid_across_fragments_fails_fast(connect):
    ws = connect()
    ws.send_frame(TEXT, "\u03ba\u1f79\u03c3\u03bc\u03b5".encode() + b"\xf4", fin=False)
    ws.send_frame(CONTINUATION, b"\x90", fin=False)
    ws.expect_closed_by_server({INVALID_DATA}, timeout=2)


def test_6_incomplete_code_point_at_message_end_is_closed_with_1007(connect):
    ws = connect()
    ws.send_frame(TEXT, b"abc\xe2\x82", fin=False)
    ws.send_frame(CONTINUATION, b"", fin=True)
    ws.expect_closed_by_server({INVALID_DATA})


# ============================================================================ 7.x close handling

def test_7_1_1_echo_then_clean_close_1000(connect):
    ws = connect()
    ws.send_frame(TEXT, b"Hello World!")
    ws.expect_echo(TEXT, b"Hello World!")
    ws.send_close(1000)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.close_code) == (CLOSE, 1000)
    ws.expect_eof()


@pytest.mark.parametrize("after", ["7.1.2-second-close", "7.1.3-ping", "7.1.4-text", "7.1.6-binary"])
def test_7_1_frames_after_the_close_frame_are_ignored(connect, after):
    ws = connect()
    ws.send_close(1000)
    if after == "7.1.2-second-close":
        ws.send_close(1000)
    elif after == "7.1.3-ping":
        ws.send_frame(PING, b"Hello World!")
    elif after == "7.1.4-text":
        ws.send_frame(TEXT, b"Hello World!")
    else:
        ws.send_frame(BINARY, b"\x00" * 256)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.close_code) == (CLOSE, 1000)
    ws.expect_eof()


def test_7_1_5_fragmented_message_interrupted_by_close_is_not_echoed(connect):
    ws = connect()
    ws.send_frame(TEXT, b"fragment1", fin=False)
    ws.send_close(1000)
    ws.send_frame(CONTINUATION, b"fragment2", fin=True)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.close_code) == (CLOSE, 1000)
    ws.expect_eof()


def test_7_3_1_empty_close_payload_is_answered_with_an_empty_or_1000_close(connect):
    ws = connect()
    ws.send_close()
    frame = ws.recv_frame()
    assert frame.opcode == CLOSE and frame.close_code in (None, 1000), frame
    assert frame.close_code is not None or frame.payload == b""
    ws.expect_eof()


def test_7_3_2_one_byte_close_payload_is_a_protocol_error(connect):
    ws = connect()
    ws.send_frame(CLOSE, b"\x03")
    ws.expect_closed_by_server({PROTOCOL_ERROR})


@pytest.mark.parametrize("reason", [b"", b"Hello World!", "\u00fc\u03ba\U0001f600".encode(), b"*" * 123],
                         ids=["7.3.3-no-reason", "7.3.4-reason", "utf8-reason", "7.3.5-123-byte-reason"])
def test_7_3_close_1000_with_a_valid_reason_is_answered_with_1000(connect, reason):
    ws = connect()
    ws.send_close(1000, reason)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.close_code) == (CLOSE, 1000)
    ws.expect_eof()


def test_7_3_6_close_payload_of_126_bytes_is_a_protocol_error(connect):
    ws = connect()
    ws.send_close(1000, b"*" * 124)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


@pytest.mark.parametrize("reason", [b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", b"\xff",
                                    b"\xc0\xaf"], ids=["7.5.1-surrogate", "ff", "overlong"])
def test_7_5_close_reason_with_invalid_utf8_is_closed_with_1007(connect, reason):
    ws = connect()
    ws.send_close(1000, reason)
    ws.expect_closed_by_server({INVALID_DATA})


VALID_CLOSE_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]
INVALID_CLOSE_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]


@pytest.mark.parametrize("code", VALID_CLOSE_CODES)
def test_7_7_valid_close_code_is_answered_with_the_same_code_or_1000(connect, code):
    ws = connect()
    ws.send_close(code)
    frame = ws.recv_frame()
    assert frame.opcode == CLOSE and frame.close_code in (code, 1000), frame
    ws.expect_eof()


@pytest.mark.parametrize("code", INVALID_CLOSE_CODES)
def test_7_9_invalid_close_code_is_a_protocol_error(connect, code):
    ws = connect()
    ws.send_close(code)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


# ============================================================================ 9.x limits and performance

@pytest.mark.parametrize("opcode,size", [
    (TEXT, 1 << 18), (TEXT, 1 << 20), (TEXT, 4 << 20), (BINARY, 1 << 20), (BINARY, 8 << 20),
], ids=["9.1.2-text-256K", "9.1.3-text-1M", "9.1.4-text-4M", "9.2.3-binary-1M", "9.2.5-binary-8M"])
def test_9_large_message_round_trip_is_bounded_in_time(connect, opcode, size):
    ws = connect(timeout=30)
    payload = sized_text(size, seed=size) if opcode == TEXT else os.urandom(size)
    started = time.monotonic()
    ws.send_frame(opcode, payload)
    ws.expect_echo(opcode, payload, timeout=30)
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("fragment", [64, 4096, 65536], ids=["9.3.1-64B", "9.3.5-4K", "9.3.7-64K"])
def test_9_3_4_MiB_message_in_fragments_is_echoed(connect, fragment):
    ws = connect(timeout=60)
    payload = sized_text(4 << 20, seed=fragment)
    frames = []
    for start in range(0, len(payload), fragment):
        last = start + fragment >= len(payload)
        frames.append(encode_frame(TEXT if start == 0 else CONTINUATION, payload[start:start + fragment], fin=last))
    started = time.monotonic()
    ws.send_raw(b"".join(frames))
    ws.expect_echo(TEXT, payload, timeout=60)
    assert time.monotonic() - started < 60


def test_9_7_1000_small_messages_are_echoed_in_order(connect):
    ws = connect(timeout=30)
    ws.send_raw(b"".join(encode_frame(TEXT, f"message {index}".encode()) for index in range(1000)))
    for index in range(1000):
        ws.expect_echo(TEXT, f"message {index}".encode())


# ============================================================================ 12.x / 13.x permessage-deflate

def negotiated_deflate(ws):
    offers = parse_extensions(ws.header("sec-websocket-extensions"))
    assert len(offers) == 1 and offers[0][0] == "permessage-deflate", ws.header("sec-websocket-extensions")
    return offers[0][1]


def start_deflate(ws, params):
    client_bits = params.get("client_max_window_bits")
    server_bits = params.get("server_max_window_bits")
    ws.start_deflate(client_window_bits=int(client_bits) if client_bits else 15,
                     server_window_bits=int(server_bits) if server_bits else 15,
                     client_no_context_takeover="client_no_context_takeover" in params,
                     server_no_context_takeover="server_no_context_takeover" in params)


DEFLATE_OFFERS = {
    "plain": "permessage-deflate",
    "client-max-window-bits": "permessage-deflate; client_max_window_bits",
    "client-max-window-bits-9": "permessage-deflate; client_max_window_bits=9",
    "server-max-window-bits-9": "permessage-deflate; server_max_window_bits=9",
    "server-no-context-takeover": "permessage-deflate; server_no_context_takeover",
    "client-no-context-takeover": "permessage-deflate; client_no_context_takeover",
    "all": "permessage-deflate; client_no_context_takeover; server_no_context_takeover; "
           "server_max_window_bits=10; client_max_window_bits=10",
    "bad-then-good": "permessage-deflate; server_max_window_bits=7, permessage-deflate; client_max_window_bits",
    "unknown-then-good": "x-webkit-deflate-frame, permessage-deflate",
}


def check_agreement(offer, params):
    """RFC 7692 §7.1: the response only narrows what the offer allows."""
    offered = parse_extensions(offer)
    accepted = [p for name, p in offered if name == "permessage-deflate"
                and (p.get("server_max_window_bits") or "8") in {str(b) for b in range(8, 16)}]
    assert accepted, offer
    wanted = accepted[0]
    for name in params:
        assert name in {"server_no_context_takeover", "client_no_context_takeover", "server_max_window_bits",
                        "client_max_window_bits"}, name
    if "server_no_context_takeover" in wanted:
        assert "server_no_context_takeover" in params, "server_no_context_takeover was required"
    if "server_max_window_bits" in wanted:
        assert int(params.get("server_max_window_bits", "99")) <= int(wanted["server_max_window_bits"])
    if "client_max_window_bits" in params:
        assert "client_max_window_bits" in wanted, "client_max_window_bits was not offered"
        bits = int(params["client_max_window_bits"])
        assert 8 <= bits <= 15
        if wanted["client_max_window_bits"]:
            assert bits <= int(wanted["client_max_window_bits"])


@pytest.mark.parametrize("offer", list(DEFLATE_OFFERS.values()), ids=list(DEFLATE_OFFERS))
def test_12_deflate_offer_is_accepted_within_its_limits(connect, offer):
    ws = connect(extensions=offer)
    params = negotiated_deflate(ws)
    check_agreement(offer, params)


@pytest.mark.parametrize("offer", [
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=16",
    "permessage-deflate; client_max_window_bits=0",
    "permessage-deflate; server_max_window_bits",
    "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; unknown_parameter",
    "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "x-webkit-deflate-frame",
])
def test_12_unacceptable_deflate_offer_upgrades_without_the_extension(connect, offer):
    ws = connect(extensions=offer, expect_101=False)
    assert ws.status == 101
    assert ws.header("sec-websocket-extensions") is None


DEFLATE_SIZES = [0, 16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072]


@pytest.mark.parametrize("offer", list(DEFLATE_OFFERS.values())[:7], ids=list(DEFLATE_OFFERS)[:7])
@pytest.mark.parametrize("opcode", [TEXT, BINARY])
def test_12_13_compressed_messages_of_many_sizes_are_echoed(connect, offer, opcode):
    ws = connect(extensions=offer, timeout=20)
    start_deflate(ws, negotiated_deflate(ws))
    generator = random.Random(7)
    for size in DEFLATE_SIZES:
        if opcode == TEXT:
            words = [b"alpha", b"beta", b"gamma", "\u00fc\u03ba".encode(), b"delta", b"epsilon"]
            payload = b" ".join(generator.choice(words) for _ in range(size // 4 + 1))[:size]
            payload = payload.decode("utf-8", "ignore").encode()
        else:
            payload = bytes(generator.getrandbits(8) for _ in range(size // 2)) + b"\x00" * (size - size // 2)
        for _ in range(2):  # the second copy can only be reached through the kept context
            ws.send_frame(opcode, ws.deflate(payload), rsv=RSV1)
            ws.expect_echo(opcode, payload)


def test_12_server_max_window_bits_is_honoured_by_the_server(connect):
    ws = connect(extensions="permessage-deflate; server_max_window_bits=9")
    params = negotiated_deflate(ws)
    assert int(params["server_max_window_bits"]) <= 9
    start_deflate(ws, params)
    block = sized_text(600, seed=3)
    payload = block + os.urandom(300).hex().encode() + block  # a repeat 1200 bytes back: beyond 512
    ws.send_frame(TEXT, ws.deflate(payload), rsv=RSV1)
    ws.expect_echo(TEXT, payload)


def test_13_uncompressed_message_is_allowed_after_deflate_was_agreed(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    ws.send_frame(TEXT, b"not compressed")
    ws.expect_echo(TEXT, b"not compressed")
    ws.send_frame(TEXT, ws.deflate(b"compressed"), rsv=RSV1)
    ws.expect_echo(TEXT, b"compressed")


def test_13_compressed_message_in_fragments_is_echoed(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    payload = sized_text(50000, seed=5)
    compressed = ws.deflate(payload)
    pieces = [compressed[i:i + 100] for i in range(0, len(compressed), 100)]
    for index, piece in enumerate(pieces):
        ws.send_frame(TEXT if index == 0 else CONTINUATION, piece, fin=index == len(pieces) - 1,
                      rsv=RSV1 if index == 0 else 0)
    ws.expect_echo(TEXT, payload)


def test_13_ping_between_compressed_fragments_is_answered(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    compressed = ws.deflate(b"Hello, compressed world! " * 20)
    ws.send_frame(TEXT, compressed[:10], fin=False, rsv=RSV1)
    ws.send_frame(PING, b"ping")
    ws.send_frame(CONTINUATION, compressed[10:], fin=True)
    frame = ws.recv_frame()
    assert (frame.opcode, frame.payload) == (PONG, b"ping")
    ws.expect_echo(TEXT, b"Hello, compressed world! " * 20)


def test_13_rsv1_on_a_continuation_frame_is_a_protocol_error(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    compressed = ws.deflate(b"Hello, compressed world! " * 20)
    ws.send_frame(TEXT, compressed[:10], fin=False, rsv=RSV1)
    ws.send_frame(CONTINUATION, compressed[10:], fin=True, rsv=RSV1)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_13_rsv1_on_a_control_frame_is_a_protocol_error(connect):
    ws = connect(extensions="permessage-deflate")
    ws.send_frame(PING, b"ping", rsv=RSV1)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


@pytest.mark.parametrize("rsv", [RSV2, RSV3])
def test_13_other_reserved_bits_stay_forbidden_with_deflate(connect, rsv):
    ws = connect(extensions="permessage-deflate")
    ws.send_frame(TEXT, b"x", rsv=rsv)
    ws.expect_closed_by_server({PROTOCOL_ERROR})


def test_13_compressed_text_that_inflates_to_invalid_utf8_is_closed_with_1007(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    ws.send_frame(TEXT, ws.deflate(b"valid then \xed\xa0\x80 invalid"), rsv=RSV1)
    ws.expect_closed_by_server({INVALID_DATA})


def test_13_corrupt_deflate_data_fails_the_connection(connect):
    ws = connect(extensions="permessage-deflate")
    # BTYPE 11 (reserved block type) is invalid deflate data.
    ws.send_frame(BINARY, b"\xff\xff\xff\xff\xff\xff", rsv=RSV1)
    ws.expect_closed_by_server({PROTOCOL_ERROR, INVALID_DATA})


def test_13_message_inflating_above_16_MiB_is_closed_with_1009(connect):
    ws = connect(extensions="permessage-deflate", timeout=60)
    start_deflate(ws, negotiated_deflate(ws))
    bomb = ws.deflate(b"\x00" * (MAX_MESSAGE + 1))
    assert len(bomb) < 100000
    ws.send_frame(BINARY, bomb, rsv=RSV1)
    ws.expect_closed_by_server({TOO_BIG}, timeout=60)


def test_13_16_MiB_compressed_message_is_echoed(connect):
    ws = connect(extensions="permessage-deflate", timeout=90)
    start_deflate(ws, negotiated_deflate(ws))
    payload = sized_text(MAX_MESSAGE, seed=16)
    started = time.monotonic()
    ws.send_frame(TEXT, ws.deflate(payload), rsv=RSV1)
    ws.expect_echo(TEXT, payload, timeout=90)
    assert time.monotonic() - started < 90


def test_13_server_compresses_its_echo_when_deflate_was_agreed(connect):
    ws = connect(extensions="permessage-deflate")
    start_deflate(ws, negotiated_deflate(ws))
    payload = b"compress me please " * 100
    ws.send_frame(TEXT, ws.deflate(payload), rsv=RSV1)
    opcode, echoed, rsv = ws.recv_message()
    assert (opcode, echoed) == (TEXT, payload)
    assert rsv == RSV1, "a 1900-byte repetitive message should come back compressed"
