"""A small stand-in for `switchboard serve`, written from docs/CHAT_PROTOCOL.md with python-socketio.

It lets the chat UI and its browser tests run without the Swift chat server (and tells a UI bug from a
server bug: run the suite against both). Tokens are opaque random strings, not JWTs; there is no rate
limit and no backup job. State persists in `<data-dir>/contract-state.json` so restarts keep history.

Usage: python tests/ui/contract_server.py --port 3000 --data-dir /tmp/x [--admin-token secret]
Tests: SWITCHBOARD_CHAT_CMD="python tests/ui/contract_server.py --port {port} --data-dir {data_dir} --admin-token {admin_token}"
"""

import argparse
import asyncio
import hashlib
import json
import pathlib
import re
import secrets
import time

import socketio
from aiohttp import web

ROOT = pathlib.Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "Sources/SwitchboardChat/Public"
CLIENT = ROOT / "Sources/SwitchboardBrowserClient/Resources/socket.io.js"
USERNAME = re.compile(r"^[a-z0-9_.-]{3,32}$")
ROOM_NAME = re.compile(r"^[\w .-]{1,48}$")
# The same page headers as StaticPages.swift, so CSP violations show here too.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                               "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
}
MENTION = re.compile(r"@([a-z0-9_.-]{3,32})", re.I)


class Store:
    """Everything the server knows, saved as JSON after each change."""

    def __init__(self, path):
        self.path = path
        if path.exists():
            self.data = json.loads(path.read_text())
        else:
            self.data = {"users": {}, "tokens": {}, "rooms": {"r_general": {"id": "r_general", "name": "general",
                         "kind": "public", "members": []}}, "messages": {}, "reads": {}, "seq": 0}
        self.save()

    def save(self):
        self.path.write_text(json.dumps(self.data))

    def next_id(self):
        """`<milliseconds>-<sequence>`, like ChatStore's MessageID (compare with `id_key`)."""
        self.data["seq"] += 1
        return f"{int(time.time() * 1000)}-{self.data['seq']}"


def id_key(message_id):
    milliseconds, _, sequence = str(message_id).partition("-")
    return (int(milliseconds or 0), int(sequence or 0)) if (milliseconds + sequence).isdigit() else (0, 0)


def error(code, message):
    return {"ok": False, "error": {"code": code, "message": message}}


def create_app(data_dir, admin_token):
    store = Store(pathlib.Path(data_dir) / "contract-state.json")
    data = store.data
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
    sockets = {}            # sid → user id
    typing = {}             # room id → {user id: expiry}
    counters = {"total": sum(len(m) for m in data["messages"].values()), "window": []}
    buckets = {}            # user id → (tokens, time): 10 messages a second, bursts of 20

    def take_token(uid):
        """None when `uid` may send now, else the milliseconds until it may."""
        now = time.monotonic()
        tokens, then = buckets.get(uid, (20.0, now))
        tokens = min(20.0, tokens + (now - then) * 10)
        if tokens < 1:
            buckets[uid] = (tokens, now)
            return int((1 - tokens) / 10 * 1000) + 1
        buckets[uid] = (tokens - 1, now)
        return None

    def user_obj(uid):
        u = data["users"][uid]
        return {"id": uid, "username": u["username"], "displayName": u["displayName"]}

    def online(uid):
        return uid in sockets.values()

    def is_member(room, uid):
        return uid in room["members"]

    def room_view(room, uid):
        msgs = data["messages"].get(room["id"], [])
        read = data["reads"].get(room["id"], {}).get(uid)
        unread = sum(1 for m in msgs if (read is None or id_key(m["id"]) > id_key(read)) and m["sender"]["id"] != uid)
        view = {"id": room["id"], "name": room["name"], "kind": room["kind"], "unread": unread if is_member(room, uid) else 0,
                "joined": is_member(room, uid)}
        if msgs:
            view["lastMessageId"] = msgs[-1]["id"]
        if room["kind"] != "public":
            view["members"] = list(room["members"])
        if room["kind"] == "direct":
            peer = next((m for m in room["members"] if m != uid), uid)
            view["peer"] = user_obj(peer)
        return view

    def visible_rooms(uid):
        return [room_view(r, uid) for r in data["rooms"].values() if r["kind"] == "public" or is_member(r, uid)]

    def user_by_name(name):
        return next((uid for uid, u in data["users"].items() if u["username"] == str(name).lower()), None)

    def token_user(token):
        return data["tokens"].get(token) if isinstance(token, str) else None

    def json_error(status, code, message):
        return web.json_response({"error": {"code": code, "message": message}}, status=status)

    def hash_password(password, salt):
        return hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 1000).hex()

    def issue(uid):
        token = secrets.token_urlsafe(24)
        data["tokens"][token] = uid
        store.save()
        return {"token": token, "user": user_obj(uid)}

    async def register(request):
        body = await request.json()
        username = str(body.get("username", "")).lower()
        password = body.get("password")
        if not USERNAME.match(username) or not isinstance(password, str) or not 8 <= len(password) <= 128:
            return json_error(400, "bad_request", "invalid username or password")
        if user_by_name(username):
            return json_error(409, "username_taken", "that username is taken")
        uid = "u_" + secrets.token_hex(6)
        salt = secrets.token_hex(8)
        data["users"][uid] = {"username": username, "displayName": body.get("displayName") or username,
                              "salt": salt, "hash": hash_password(password, salt)}
        return web.json_response(issue(uid), status=201)

    async def login(request):
        body = await request.json()
        uid = user_by_name(body.get("username", ""))
        if not uid or hash_password(str(body.get("password", "")), data["users"][uid]["salt"]) != data["users"][uid]["hash"]:
            return json_error(401, "bad_credentials", "wrong username or password")
        return web.json_response(issue(uid))

    async def me(request):
        uid = token_user(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if not uid:
            return json_error(401, "token_invalid", "sign in again")
        return web.json_response({"user": user_obj(uid)})

    async def emit_presence(uid, is_online):
        rooms = [f"room:{r['id']}" for r in data["rooms"].values() if is_member(r, uid)]
        if rooms:
            await sio.emit("presence:update", {"user": user_obj(uid), "online": is_online}, room=rooms)

    @sio.on("connect")
    async def connect(sid, environ, auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        if not token:
            raise socketio.exceptions.ConnectionRefusedError("authentication required", {"code": "token_missing"})
        uid = token_user(token)
        if not uid:
            raise socketio.exceptions.ConnectionRefusedError("invalid token", {"code": "token_invalid"})
        first = not online(uid)
        sockets[sid] = uid
        await sio.enter_room(sid, f"user:{uid}")
        for room in data["rooms"].values():
            if is_member(room, uid):
                await sio.enter_room(sid, f"room:{room['id']}")
        sio.start_background_task(after_connect, sid, uid, first)

    async def after_connect(sid, uid, first):
        await asyncio.sleep(0)
        await sio.emit("session", {"user": user_obj(uid), "rooms": visible_rooms(uid)}, to=sid)
        if first:
            await emit_presence(uid, True)

    @sio.on("disconnect")
    async def disconnect(sid, reason=None):
        uid = sockets.pop(sid, None)
        if uid and not online(uid):
            for room_id, typists in typing.items():
                if typists.pop(uid, None):
                    await emit_typing(room_id)
            await emit_presence(uid, False)

    def room_for(sid, payload, need_member=True):
        uid = sockets.get(sid)
        room_id = payload.get("roomId") if isinstance(payload, dict) else None
        room = data["rooms"].get(room_id)
        if room is None:
            return uid, None, error("not_found", "no such room")
        if need_member and not is_member(room, uid):
            return uid, None, error("forbidden", "you are not a member of this room")
        return uid, room, None

    def room_event(event, need_member=True):
        """Registers `handler(sid, payload, uid, room)` for `event`; an unknown room or a non-member is
        answered with the error reply instead."""
        def register(handler):
            async def checked(sid, payload=None):
                uid, room, failure = room_for(sid, payload, need_member)
                return failure if failure else await handler(sid, payload, uid, room)
            sio.on(event, checked)
            return handler
        return register

    async def add_member(room, uid):
        if uid in room["members"]:
            return
        room["members"].append(uid)
        store.save()
        for sid, owner in sockets.items():
            if owner == uid:
                await sio.enter_room(sid, f"room:{room['id']}")
        await sio.emit("room:member", {"roomId": room["id"], "user": user_obj(uid), "joined": True}, room=f"room:{room['id']}")

    @sio.on("rooms:list")
    async def rooms_list(sid, payload=None):
        return {"ok": True, "rooms": visible_rooms(sockets[sid])}

    @sio.on("rooms:create")
    async def rooms_create(sid, payload):
        uid = sockets[sid]
        name = str(payload.get("name", "")).strip()
        if not ROOM_NAME.match(name):
            return error("bad_request", "room names are 1-48 letters, digits, space, - _ .")
        if any(r["name"].lower() == name.lower() for r in data["rooms"].values() if r["kind"] != "direct"):
            return error("conflict", "a room with that name exists")
        room = {"id": "r_" + secrets.token_hex(5), "name": name, "kind": "private" if payload.get("private") else "public", "members": []}
        data["rooms"][room["id"]] = room
        await add_member(room, uid)
        return {"ok": True, "room": room_view(room, uid)}

    @room_event("rooms:join", need_member=False)
    async def rooms_join(sid, payload, uid, room):
        if room["kind"] != "public":
            return error("forbidden", "private rooms are invite only")
        await add_member(room, uid)
        return {"ok": True, "room": room_view(room, uid)}

    @room_event("rooms:invite")
    async def rooms_invite(sid, payload, uid, room):
        if room["kind"] != "private":
            return error("bad_request", "only private rooms take invitations")
        other = user_by_name(payload.get("username", ""))
        if not other:
            return error("not_found", "no such user")
        await add_member(room, other)
        await sio.emit("room:added", {"room": room_view(room, other)}, room=f"user:{other}")
        await sio.emit("notification", {"kind": "invite", "roomId": room["id"], "from": user_obj(uid),
                                        "text": f"invited you to {room['name']}"}, room=f"user:{other}")
        return {"ok": True, "room": room_view(room, uid)}

    @room_event("rooms:leave")
    async def rooms_leave(sid, payload, uid, room):
        room["members"].remove(uid)
        store.save()
        await sio.emit("room:member", {"roomId": room["id"], "user": user_obj(uid), "joined": False}, room=f"room:{room['id']}")
        for s, owner in sockets.items():
            if owner == uid:
                await sio.leave_room(s, f"room:{room['id']}")
        return {"ok": True}

    @sio.on("dm:open")
    async def dm_open(sid, payload):
        uid = sockets[sid]
        other = user_by_name(payload.get("username", ""))
        if not other:
            return error("not_found", "no such user")
        a, b = sorted([uid, other])
        room_id = f"dm:{a}:{b}"
        room = data["rooms"].get(room_id)
        if room is None:
            room = {"id": room_id, "name": "", "kind": "direct", "members": []}
            data["rooms"][room_id] = room
            await add_member(room, uid)
            await add_member(room, other)
            if other != uid:
                await sio.emit("room:added", {"room": room_view(room, other)}, room=f"user:{other}")
        return {"ok": True, "room": room_view(room, uid)}

    @room_event("message:send")
    async def message_send(sid, payload, uid, room):
        text = str(payload.get("text", "")).strip()
        cmid = payload.get("clientMessageId")
        if not isinstance(cmid, str) or not 1 <= len(cmid) <= 64 or not text:
            return error("bad_request", "text and clientMessageId are required")
        if len(text) > 4000:
            return error("too_long", "messages are at most 4000 characters")
        messages = data["messages"].setdefault(room["id"], [])
        known = next((m for m in messages if m["clientMessageId"] == cmid and m["sender"]["id"] == uid), None)
        if known:
            return {"ok": True, "message": known}
        wait_ms = take_token(uid)
        if wait_ms is not None:
            return {"ok": False, "error": {"code": "rate_limited", "message": "slow down", "retryAfterMs": wait_ms}}
        mentioned = [u for u in (user_by_name(n) for n in MENTION.findall(text)) if u and is_member(room, u)]
        message = {"id": store.next_id(), "clientMessageId": cmid, "roomId": room["id"], "sender": user_obj(uid),
                   "text": text, "createdAt": int(time.time() * 1000)}
        if mentioned:
            message["mentions"] = mentioned
        messages.append(message)
        store.save()
        counters["total"] += 1
        counters["window"].append(time.time())
        await sio.emit("message:new", message, room=f"room:{room['id']}")
        if typing.get(room["id"], {}).pop(uid, None):
            await emit_typing(room["id"])
        for other in set(mentioned) - {uid}:
            await sio.emit("notification", {"kind": "mention", "roomId": room["id"], "messageId": message["id"],
                                            "from": user_obj(uid), "text": text}, room=f"user:{other}")
        if room["kind"] == "direct":
            for other in set(room["members"]) - {uid}:
                await sio.emit("notification", {"kind": "direct", "roomId": room["id"], "messageId": message["id"],
                                                "from": user_obj(uid), "text": text}, room=f"user:{other}")
        return {"ok": True, "message": message}

    async def change(payload, uid, room, edit):
        message = next((m for m in data["messages"].get(room["id"], []) if m["id"] == payload.get("messageId")), None)
        if message is None:
            return error("not_found", "no such message")
        if message["sender"]["id"] != uid:
            return error("forbidden", "only your own messages")
        if edit:
            text = str(payload.get("text", "")).strip()
            if not text:
                return error("bad_request", "text is required")
            message.update(text=text, editedAt=int(time.time() * 1000))
        else:
            message.update(text="", deleted=True)
            message.pop("mentions", None)
        store.save()
        await sio.emit("message:updated", message, room=f"room:{room['id']}")
        return {"ok": True, "message": message}

    @room_event("message:edit")
    async def message_edit(sid, payload, uid, room):
        return await change(payload, uid, room, True)

    @room_event("message:delete")
    async def message_delete(sid, payload, uid, room):
        return await change(payload, uid, room, False)

    @room_event("history:fetch")
    async def history_fetch(sid, payload, uid, room):
        limit = max(1, min(100, int(payload.get("limit") or 50)))
        before = payload.get("before")
        older = [m for m in data["messages"].get(room["id"], []) if before is None or id_key(m["id"]) < id_key(before)]
        page = list(reversed(older[-limit:]))
        cursor = page[-1]["id"] if len(older) > limit else None
        return {"ok": True, "messages": page, "nextCursor": cursor}

    @room_event("room:read")
    async def room_read(sid, payload, uid, room):
        reads = data["reads"].setdefault(room["id"], {})
        message_id = str(payload.get("messageId", ""))
        if reads.get(uid) is None or id_key(message_id) > id_key(reads[uid]):
            reads[uid] = message_id
            store.save()
            await sio.emit("room:read", {"roomId": room["id"], "userId": uid, "messageId": message_id}, room=f"room:{room['id']}")
        return {"ok": True, "unread": room_view(room, uid)["unread"]}

    @room_event("presence:list")
    async def presence_list(sid, payload, uid, room):
        return {"ok": True, "online": [user_obj(m) for m in room["members"] if online(m)]}

    async def emit_typing(room_id):
        now = time.time()
        typists = {u: t for u, t in typing.get(room_id, {}).items() if t > now}
        typing[room_id] = typists
        skip = [s for s, owner in sockets.items() if owner in typists]
        await sio.emit("typing:update", {"roomId": room_id, "users": [user_obj(u) for u in typists]},
                       room=f"room:{room_id}", skip_sid=skip or None)

    @room_event("typing")
    async def on_typing(sid, payload, uid, room):
        typists = typing.setdefault(room["id"], {})
        was = uid in typists
        if payload.get("typing"):
            typists[uid] = time.time() + 5
        else:
            typists.pop(uid, None)
        if was != (uid in typists):
            await emit_typing(room["id"])

    async def expire_typing():
        while True:
            await asyncio.sleep(0.5)
            now = time.time()
            for room_id, typists in list(typing.items()):
                if any(t <= now for t in typists.values()):
                    await emit_typing(room_id)

    @sio.on("connect", namespace="/admin")
    async def admin_connect(sid, environ, auth=None):
        if not admin_token:
            raise socketio.exceptions.ConnectionRefusedError("the dashboard is disabled", {"code": "admin_disabled"})
        if not isinstance(auth, dict) or auth.get("token") != admin_token:
            raise socketio.exceptions.ConnectionRefusedError("wrong admin token", {"code": "token_invalid"})

    async def admin_stats():
        while True:
            await asyncio.sleep(1)
            now = time.time()
            counters["window"] = [t for t in counters["window"] if t > now - 1]
            try:
                rss = int(pathlib.Path("/proc/self/statm").read_text().split()[1]) * 4096
            except OSError:
                rss = 0
            await sio.emit("stats", {"t": int(now * 1000), "connections": len(sockets), "sockets": len(sockets),
                                     "rooms": len(data["rooms"]), "users": len(set(sockets.values())),
                                     "messagesPerSecond": len(counters["window"]), "messagesTotal": counters["total"],
                                     "backupLagMessages": 0, "backupLagSeconds": 0, "rssBytes": rss}, namespace="/admin")

    @web.middleware
    async def security_headers(request, handler):
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    app = web.Application(middlewares=[security_headers])
    sio.attach(app)

    async def start_tasks(app):
        sio.start_background_task(expire_typing)
        sio.start_background_task(admin_stats)

    app.on_startup.append(start_tasks)
    app.router.add_post("/api/register", register)
    app.router.add_post("/api/login", login)
    app.router.add_get("/api/me", me)
    app.router.add_get("/socket.io/socket.io.js", lambda r: web.FileResponse(CLIENT))
    app.router.add_get("/", lambda r: web.FileResponse(PUBLIC / "index.html"))
    app.router.add_get("/admin", lambda r: web.FileResponse(PUBLIC / "admin.html"))
    for path in PUBLIC.iterdir():
        app.router.add_get("/" + path.name, lambda r, path=path: web.FileResponse(path))
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--admin-token", default="")
    args = parser.parse_args()
    web.run_app(create_app(args.data_dir, args.admin_token), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
