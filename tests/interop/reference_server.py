"""Reference server for the interop suite, built on python-socketio (aiohttp).

It implements the same contract as `switchboard conformance` (see shared CONFORMANCE.md):

* `/`        emits `auth` on connect, answers `message` with `message-back`, acknowledges
             `message-with-ack` with its arguments, and supports `join` / `leave` /
             `broadcast-to-room` for multi-client tests;
* `/custom`  emits `auth` on connect;
* `/guarded` refuses unless auth == {"token": "secret"} (CONNECT_ERROR with message and data),
             then behaves like `/custom` and also supports `message-with-ack`;
* any other namespace is refused with `{"message": "Invalid namespace"}`;
* `/` and `/custom` also serve the client test events of ClientTestEvents.swift (`handshake-info`,
             `engine-id`, `ack-after`, `ack-on-attempt`, `cut-and-emit`, `server-ack`);
* `/custom-path/` serves the same Socket.IO behaviour as `/socket.io/` (the clients' `path` option);
* `/engine.io/` is a raw Engine.IO echo (every message goes back with its type);
* `/echo`    is a plain WebSocket echo (text and binary).

Engine.IO settings: pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000, CORS open.

Usage: python tests/interop/reference_server.py --port 3000 [--host 127.0.0.1]
"""

import argparse
import asyncio
import contextvars
import pathlib
import types
from urllib.parse import unquote

import engineio
import engineio.async_drivers.aiohttp
import engineio.async_server
import engineio.packet
import socketio
from aiohttp import web

PING_INTERVAL_MS = 300
PING_TIMEOUT_MS = 200
MAX_PAYLOAD = 1_000_000
ROOT = pathlib.Path(__file__).resolve().parents[2]


class _HandshakePacket(engineio.packet.Packet):
    """python-engineio truncates a sub-second pingInterval to 0 in the handshake
    (`int(0.3) * 1000`); this packet class writes the configured value instead."""

    def __init__(self, packet_type=engineio.packet.NOOP, data=None, encoded_packet=None):
        if packet_type == engineio.packet.OPEN and isinstance(data, dict) and "pingInterval" in data:
            data["pingInterval"] = PING_INTERVAL_MS
        super().__init__(packet_type, data, encoded_packet)


engineio.async_server.packet = types.SimpleNamespace(**{**vars(engineio.packet), "Packet": _HandshakePacket})


class _FullBodyReader:
    """python-engineio reads a polling POST with one `read(length)` on aiohttp's stream, which can
    return fewer bytes than asked for; this reader waits for all of them."""

    def __init__(self, content):
        self.content = content

    async def read(self, length=-1):
        return await (self.content.readexactly(length) if length >= 0 else self.content.read())


def _translate_request(request, _translate=engineio.async_drivers.aiohttp.translate_request):
    environ = _translate(request)
    environ["wsgi.input"] = _FullBodyReader(request.content)
    return environ


engineio.async_drivers.aiohttp._async["translate_request"] = _translate_request


ENGINE_OPTIONS = dict(
    async_mode="aiohttp",
    cors_allowed_origins="*",
    cors_credentials=True,
    ping_interval=PING_INTERVAL_MS / 1000,
    ping_timeout=PING_TIMEOUT_MS / 1000,
    max_http_buffer_size=MAX_PAYLOAD,
)


# The ack id of the event being handled (python-socketio does not pass it to handlers).
current_ack_id = contextvars.ContextVar("current_ack_id", default=None)


class _Server(socketio.AsyncServer):
    async def _handle_event_internal(self, server, sid, eio_sid, data, namespace, id):
        current_ack_id.set(id)
        return await super()._handle_event_internal(server, sid, eio_sid, data, namespace, id)


def create_server():
    sio = _Server(namespaces="*", **ENGINE_OPTIONS)

    async def emit_auth_after_connect(sid, namespace, auth):
        # python-socketio sends the CONNECT answer after the connect handler returns; yield once so
        # that `auth` follows it on the wire, as the protocol suites expect.
        await asyncio.sleep(0)
        await sio.emit("auth", auth if auth is not None else {}, to=sid, namespace=namespace)

    @sio.on("connect", namespace="/")
    async def connect_main(sid, environ, auth=None):
        sio.start_background_task(emit_auth_after_connect, sid, "/", auth)

    @sio.on("message", namespace="/")
    async def message(sid, *args):
        await sio.emit("message-back", tuple(args), to=sid)

    @sio.on("message-with-ack", namespace="/")
    async def message_with_ack(sid, *args):
        return args

    @sio.on("join", namespace="/")
    async def join(sid, room):
        await sio.enter_room(sid, room)
        return room

    @sio.on("leave", namespace="/")
    async def leave(sid, room):
        await sio.leave_room(sid, room)
        return room

    @sio.on("broadcast-to-room", namespace="/")
    async def broadcast_to_room(sid, room, payload):
        await sio.emit("room-message", (room, payload), room=room)
        return True

    @sio.on("connect", namespace="/custom")
    async def connect_custom(sid, environ, auth=None):
        sio.start_background_task(emit_auth_after_connect, sid, "/custom", auth)

    @sio.on("connect", namespace="/guarded")
    async def connect_guarded(sid, environ, auth=None):
        if auth != {"token": "secret"}:
            raise socketio.exceptions.ConnectionRefusedError("not authorized", {"reason": "bad token"})
        sio.start_background_task(emit_auth_after_connect, sid, "/guarded", auth)

    @sio.on("message-with-ack", namespace="/guarded")
    async def guarded_message_with_ack(sid, *args):
        return args

    @sio.on("connect", namespace="*")
    async def connect_unknown(namespace, sid, environ, auth=None):
        raise socketio.exceptions.ConnectionRefusedError("Invalid namespace")

    for namespace in ("/", "/custom"):
        install_client_test_events(sio, namespace)

    return sio


# -------------------------------------------------------------------------- client test events

_receipts = {}  # ack-on-attempt: key -> (receipts, set of ack ids)


def install_client_test_events(sio, namespace):
    """The events of Sources/SwitchboardConformance/ClientTestEvents.swift, for the client suites."""

    @sio.on("handshake-info", namespace=namespace)
    async def handshake_info(sid, query_name=None, header_name=None):
        environ = sio.get_environ(sid, namespace) or {}
        query = dict(part.split("=", 1) if "=" in part else (part, "")
                     for part in environ.get("QUERY_STRING", "").split("&") if part)
        header = environ.get("HTTP_" + header_name.upper().replace("-", "_")) if header_name else None
        value = query.get(query_name) if query_name else None
        return (unquote(value) if value is not None else None, header)

    @sio.on("engine-id", namespace=namespace)
    async def engine_id(sid):
        return sio.manager.eio_sid_from_sid(sid, namespace)

    @sio.on("ack-after", namespace=namespace)
    async def ack_after(sid, milliseconds, *args):
        await asyncio.sleep(milliseconds / 1000)
        return args

    @sio.on("ack-on-attempt", namespace=namespace)
    async def ack_on_attempt(sid, key, attempt):
        count, ids = _receipts.get(key, (0, set()))
        ids.add(current_ack_id.get())
        _receipts[key] = (count + 1, ids)
        if count + 1 < attempt:
            return sio.not_handled  # no acknowledgement
        return count + 1, len(ids)

    @sio.on("cut-and-emit", namespace=namespace)
    async def cut_and_emit(sid, count):
        await sio.eio.disconnect(sio.manager.eio_sid_from_sid(sid, namespace))
        await asyncio.sleep(0.1)
        for index in range(1, max(1, count) + 1):
            await sio.emit("missed", index, to=sid, namespace=namespace)

    @sio.on("server-ack", namespace=namespace)
    async def server_ack(sid, *args):
        try:
            answer = await sio.call("ping-client", args if len(args) != 1 else args[0], to=sid,
                                    namespace=namespace, timeout=5)
        except socketio.exceptions.TimeoutError as error:
            return {"error": str(error)}
        return answer


def create_engine_echo():
    eio = engineio.AsyncServer(**ENGINE_OPTIONS)

    @eio.on("message")
    async def echo(sid, data):
        await eio.send(sid, data)

    return eio


async def websocket_echo(request):
    ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024)
    await ws.prepare(request)
    async for message in ws:
        if message.type == web.WSMsgType.TEXT:
            await ws.send_str(message.data)
        elif message.type == web.WSMsgType.BINARY:
            await ws.send_bytes(message.data)
    return ws


def create_app():
    sio = create_server()
    app = web.Application()
    sio.attach(app)
    create_server().attach(app, socketio_path="custom-path")
    create_engine_echo().attach(app, engineio_path="engine.io")
    app.router.add_get("/echo", websocket_echo)
    client = ROOT / "Sources/SwitchboardBrowserClient/Resources/socket.io.js"

    async def client_js(request):
        return web.FileResponse(client, headers={"Content-Type": "application/javascript"})

    app.router.add_get("/socket.io/socket.io.js", client_js)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    web.run_app(create_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
