"""The bench server contract on python-socketio (a reference peer for `switchboard bench`).

echo(payload, ack) -> ack(payload); join(room, ack?) -> ack(room); leave(room, ack?);
bcast(room, payload, ack?) -> emit bcast(payload) to the room, sender included, ack(recipients);
stats(ack) -> ack({rss, clients, pid}).

Run: .venv/bin/python tests/bench/python_bench_server.py --port 3100
(needs: python3 -m venv .venv && .venv/bin/pip install python-socketio aiohttp)
"""
import argparse
import os

import socketio
from aiohttp import web

sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
app = web.Application()
sio.attach(app)
clients = set()


@sio.event
async def connect(sid, environ, auth=None):
    clients.add(sid)


@sio.event
async def disconnect(sid, *args):
    clients.discard(sid)


@sio.event
async def echo(sid, payload):
    return payload


@sio.event
async def join(sid, room):
    await sio.enter_room(sid, room)
    return room


@sio.event
async def leave(sid, room):
    await sio.leave_room(sid, room)
    return room


@sio.event
async def bcast(sid, room, payload):
    members = list(sio.manager.get_participants("/", room))
    await sio.emit("bcast", payload, room=room)
    return len(members)


@sio.event
async def stats(sid):
    rss = 0
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return {"rss": rss, "clients": len(clients), "pid": os.getpid()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=3100)
    args = parser.parse_args()
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)
