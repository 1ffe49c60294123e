"""A tiny raw RFC 6455 client for protocol tests: every byte on the wire is under the test's control.

Frames can carry any opcode, RSV bits, FIN flag, masking and length; they can be written in chunks
(with pauses) to exercise the server's incremental parser. Frames from the server are parsed strictly:
a masked server frame is an error. permessage-deflate (RFC 7692) helpers use Python's zlib.
"""

import base64
import hashlib
import os
import socket
import struct
import time
import zlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
RSV1, RSV2, RSV3 = 0x4, 0x2, 0x1  # values of the 3-bit RSV field
DEFLATE_TAIL = b"\x00\x00\xff\xff"


class ConnectionClosed(Exception):
    """The server closed the TCP connection (EOF or reset) while a frame was awaited."""


class Frame:
    """One frame from the server."""

    def __init__(self, fin, rsv, opcode, payload):
        self.fin, self.rsv, self.opcode, self.payload = fin, rsv, opcode, payload

    @property
    def close_code(self):
        """The status code of a close frame, or None for an empty close payload."""
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    def __repr__(self):
        shown = self.payload[:40] + (b"..." if len(self.payload) > 40 else b"")
        return f"Frame(fin={self.fin}, rsv={self.rsv}, opcode={self.opcode:#x}, len={len(self.payload)}, {shown!r})"


def mask_bytes(payload, key):
    """XOR-masks `payload` with the 4-byte `key` (fast for megabytes)."""
    if not payload:
        return b""
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    masked = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return masked.to_bytes(len(payload), "big")


def encode_frame(opcode, payload=b"", fin=True, rsv=0, mask=True, length=None):
    """The bytes of one client frame. `length` overrides the encoded payload length (for bad frames)."""
    length = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mask_bit = 0x80 if mask else 0
    if length < 126:
        head.append(mask_bit | length)
    elif length < 65536:
        head.append(mask_bit | 126)
        head += struct.pack("!H", length)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", length)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    return bytes(head) + key + mask_bytes(payload, key)


def close_payload(code=None, reason=b""):
    return b"" if code is None else struct.pack("!H", code) + reason


class RawWebSocket:
    """One client connection to a WebSocket endpoint."""

    def __init__(self, host, port, path="/echo", extensions=None, headers=None, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.timeout = timeout
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if extensions:
            lines.append(f"Sec-WebSocket-Extensions: {extensions}")
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        self.status = int(status_line.split(" ")[1])
        self.headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            self.headers.setdefault(name.strip().lower(), []).append(value.strip())
        if self.status == 101:
            expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            assert self.header("sec-websocket-accept") == expected, self.headers
        self.inflater = None
        self.deflater = None

    def header(self, name):
        values = self.headers.get(name.lower())
        return ", ".join(values) if values else None

    # ------------------------------------------------------------------ writing

    def send_raw(self, data, chunk=None, pause=0.0):
        """Writes `data`, in pieces of `chunk` bytes with `pause` seconds between them if given."""
        if not chunk:
            self.sock.sendall(data)
            return
        for start in range(0, len(data), chunk):
            self.sock.sendall(data[start:start + chunk])
            if pause:
                time.sleep(pause)

    def send_frame(self, opcode, payload=b"", fin=True, rsv=0, mask=True, chunk=None, pause=0.0):
        if isinstance(payload, str):
            payload = payload.encode()
        self.send_raw(encode_frame(opcode, payload, fin=fin, rsv=rsv, mask=mask), chunk, pause)

    def send_close(self, code=None, reason=b""):
        self.send_frame(CLOSE, close_payload(code, reason))

    # ------------------------------------------------------------------ reading

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("timed out waiting for the server")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError as error:
            raise ConnectionClosed("connection reset") from error
        if not data:
            raise ConnectionClosed("EOF")
        self.buffer += data

    def _read_until(self, marker):
        deadline = time.monotonic() + self.timeout
        while marker not in self.buffer:
            self._fill(deadline)
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exact(self, count, deadline):
        while len(self.buffer) < count:
            self._fill(deadline)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def recv_frame(self, timeout=None):
        """The next frame from the server; server frames must not be masked."""
        deadline = time.monotonic() + (timeout or self.timeout)
        first, second = self._read_exact(2, deadline)
        assert not second & 0x80, "the server sent a masked frame"
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read_exact(2, deadline))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read_exact(8, deadline))[0]
        payload = self._read_exact(length, deadline)
        return Frame(bool(first & 0x80), (first >> 4) & 0x7, first & 0x0F, payload)

    def recv_message(self, timeout=None):
        """The next data message as (opcode, payload, rsv of its first frame); control frames fail."""
        deadline = time.monotonic() + (timeout or self.timeout)
        first = self.recv_frame(deadline - time.monotonic())
        assert first.opcode in (TEXT, BINARY), f"expected a data frame, got {first!r}"
        parts = [first.payload]
        frame = first
        while not frame.fin:
            frame = self.recv_frame(deadline - time.monotonic())
            assert frame.opcode == CONTINUATION, f"expected a continuation frame, got {frame!r}"
            assert frame.rsv == 0, f"RSV bits set on a continuation frame: {frame!r}"
            parts.append(frame.payload)
        payload = b"".join(parts)
        if first.rsv & RSV1:
            assert self.inflater is not None, "compressed message without negotiated permessage-deflate"
            payload = self.inflate(payload)
        return first.opcode, payload, first.rsv

    def expect_echo(self, opcode, payload, timeout=None):
        if isinstance(payload, str):
            payload = payload.encode()
        got_opcode, got_payload, _ = self.recv_message(timeout)
        assert got_opcode == opcode, f"opcode {got_opcode:#x} instead of {opcode:#x}"
        assert len(got_payload) == len(payload), f"{len(got_payload)} bytes echoed instead of {len(payload)}"
        assert got_payload == payload, "echoed payload differs"

    def expect_closed_by_server(self, codes, timeout=None):
        """The next frame is a close with a code in `codes` (None: empty payload); the client answers
        with a close and the server then ends the TCP connection."""
        try:
            frame = self.recv_frame(timeout)
        except ConnectionClosed as closed:
            raise AssertionError(f"TCP connection dropped without a close frame ({closed}); "
                                 f"expected close {codes}") from None
        assert frame.opcode == CLOSE, f"expected a close frame with {codes}, got {frame!r}"
        assert frame.fin and frame.rsv == 0 and len(frame.payload) <= 125, frame
        assert frame.close_code in codes, f"close code {frame.close_code} (payload {frame.payload!r}), expected {codes}"
        if len(frame.payload) > 2:
            frame.payload[2:].decode("utf-8")  # the reason must be valid UTF-8
        try:
            self.send_close(frame.close_code if frame.close_code is not None else None)
        except OSError:
            pass  # the server may already have closed the TCP connection
        self.expect_eof()
        return frame

    def expect_eof(self, timeout=3.0):
        """The server ends the TCP connection within `timeout` seconds, sending no further frame."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._fill(deadline)
            except ConnectionClosed:
                break
            except socket.timeout:
                raise AssertionError("the server did not close the TCP connection") from None
        assert not self.buffer, f"bytes after the close frame: {self.buffer[:60]!r}"

    def expect_silence(self, within=0.3):
        """Nothing arrives from the server within `within` seconds."""
        deadline = time.monotonic() + within
        try:
            self._fill(deadline)
        except socket.timeout:
            return
        raise AssertionError(f"unexpected bytes from the server: {self.buffer[:60]!r}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # ------------------------------------------------------------------ permessage-deflate

    def start_deflate(self, client_window_bits=15, server_window_bits=15,
                      client_no_context_takeover=False, server_no_context_takeover=False):
        self.client_window_bits = client_window_bits
        self.server_window_bits = server_window_bits
        self.client_no_context_takeover = client_no_context_takeover
        self.server_no_context_takeover = server_no_context_takeover
        self.deflater = self._new_deflater()
        self.inflater = zlib.decompressobj(-server_window_bits)

    def _new_deflater(self):
        # zlib cannot produce raw deflate with an 8-bit window; 9 is the smallest it writes.
        return zlib.compressobj(9, zlib.DEFLATED, -max(self.client_window_bits, 9))

    def deflate(self, payload):
        """The compressed payload of one message per RFC 7692 §7.2.1 (tail 00 00 ff ff removed)."""
        if self.client_no_context_takeover:
            self.deflater = self._new_deflater()
        data = self.deflater.compress(payload) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        assert data.endswith(DEFLATE_TAIL)
        return data[:-4]

    def inflate(self, payload):
        if self.server_no_context_takeover:
            # A fresh inflater proves the server did not refer back to earlier messages.
            self.inflater = zlib.decompressobj(-self.server_window_bits)
        return self.inflater.decompress(payload + DEFLATE_TAIL)


def parse_extensions(header):
    """`permessage-deflate; a; b=1, x` → [("permessage-deflate", {"a": None, "b": "1"}), ("x", {})]."""
    result = []
    for offer in (header or "").split(","):
        parts = [part.strip() for part in offer.split(";")]
        if not parts[0]:
            continue
        params = {}
        for part in parts[1:]:
            name, eq, value = part.partition("=")
            params[name.strip().lower()] = value.strip().strip('"') if eq else None
        result.append((parts[0].lower(), params))
    return result
