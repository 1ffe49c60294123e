"""Our browser client (socket.io.js) in Chromium when the server goes away: process restart (killed by
PID), a frozen server (heartbeat watchdog, connect timeout), connection state recovery; plus the
handshake options, retries and how the script is served.

Private servers follow SWITCHBOARD_SERVER_CMD like the `server` fixture (python-socketio's reference
server), else `switchboard conformance`. Recovery and the ETag tests always run against Switchboard:
python-socketio 5.x has no connection state recovery (checked: its CONNECT answer has no `pid`).
"""

import os
import pathlib

import pytest
import requests

from server_process import restartable_server, server_command
from test_browser_client import HELPERS, run

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Scripts in several steps keep their sockets on `window.kept` between steps.
KEEP = HELPERS.replace("const sockets = [];", "const sockets = []; window.kept = window.kept || {};")


def step(driver, server_url, body, *args):
    """Runs one step (an async function body); sockets opened with `open` stay connected."""
    script = KEEP + "(async (...args) => {" + body + "})(...Array.from(arguments).slice(1, -1))" \
        ".then((value) => done({ value: value === undefined ? null : value }), " \
        "(error) => done({ error: String(error && error.stack || error) }));"
    result = driver.execute_async_script(script, server_url, *args)
    assert "error" not in result, result["error"]
    return result["value"]


def switchboard_command(port, *extra):
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it (swift build)", pytrace=False)
    return [binary, "conformance", "--port", str(port), *extra]


@pytest.fixture
def private_server(tmp_path):
    """The server under test as a private process (python-socketio's with SWITCHBOARD_SERVER_CMD)."""
    with restartable_server(server_command, tmp_path / "private.log") as server:
        yield server


@pytest.fixture
def recovery_server(tmp_path):
    """`switchboard conformance --connection-state-recovery` as a private process."""
    with restartable_server(lambda port: switchboard_command(port, "--connection-state-recovery"),
                            tmp_path / "recovery.log") as server:
        yield server


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["polling"], ["websocket"]],
                         ids=["polling-then-upgrade", "polling", "websocket"])
def test_reconnects_after_the_server_process_restarts_and_flushes_the_buffer(client_page, private_server, transports):
    step(client_page, private_server.http, """
        const socket = io(URL, { forceNew: true, transports: args[0], reconnectionDelay: 100,
                                 reconnectionDelayMax: 400, timeout: 2000 });
        window.kept.socket = socket;
        window.kept.events = [];
        socket.io.on("reconnect_attempt", (n) => window.kept.events.push("attempt " + n));
        socket.io.on("reconnect_error", () => window.kept.events.push("error"));
        socket.io.on("reconnect", (n) => window.kept.events.push("reconnect " + n));
        window.kept.backs = [];
        socket.on("message-back", (value) => window.kept.backs.push(value));
        await once(socket, "connect");
    """, transports)
    private_server.kill()
    step(client_page, private_server.http, """
        const socket = window.kept.socket;
        if (socket.connected) await once(socket, "disconnect");
        for (let i = 1; i <= 5; i++) socket.emit("message", i);
        socket.volatile.emit("message", "volatile-dropped");
        while (window.kept.events.filter((e) => e === "error").length < 2) await sleep(50);
    """)
    private_server.start()
    result = step(client_page, private_server.http, """
        const socket = window.kept.socket;
        if (!socket.connected) await once(socket, "connect", 10000);
        while (window.kept.backs.length < 5) await once(socket, "message-back", 5000);
        await sleep(200);
        socket.disconnect();
        const attempts = window.kept.events.filter((e) => e.startsWith("attempt"));
        return { backs: window.kept.backs, attempts: attempts.map((e) => Number(e.split(" ")[1])),
                 reconnect: window.kept.events[window.kept.events.length - 1] };
    """)

    count = len(result["attempts"])
    assert result["backs"] == [1, 2, 3, 4, 5]
    assert count >= 2 and result["attempts"] == list(range(1, count + 1))
    assert result["reconnect"] == f"reconnect {count}"


@pytest.mark.parametrize("transports", [["polling"], ["websocket"]], ids=["polling", "websocket"])
def test_heartbeat_watchdog_detects_a_server_that_stops_pinging(client_page, private_server, transports):
    step(client_page, private_server.http, """
        const socket = io(URL, { forceNew: true, transports: args[0], reconnectionDelay: 100, timeout: 2000 });
        window.kept.socket = socket;
        await once(socket, "connect");
        await sleep(400);
        window.kept.reason = once(socket, "disconnect", 5000).then(([reason]) => [reason, Date.now()]);
        window.kept.frozenAt = Date.now();
    """, transports)
    private_server.pause()
    result = step(client_page, private_server.http, """
        const [reason, at] = await window.kept.reason;
        return { reason, after: at - window.kept.frozenAt };
    """)
    private_server.resume()
    again = step(client_page, private_server.http, """
        const socket = window.kept.socket;
        if (!socket.connected) await once(socket, "connect", 10000);
        const answer = await socket.timeout(5000).emitWithAck("message-with-ack", "alive");
        socket.disconnect();
        return answer;
    """)

    assert result["reason"] == "ping timeout"
    # pingInterval 300 ms + pingTimeout 200 ms after the last ping (before the freeze), with slack.
    assert result["after"] <= 1500, result
    assert again == "alive"


def test_connect_timeout_when_the_server_does_not_answer(client_page, private_server):
    private_server.pause()
    try:
        result = step(client_page, private_server.http, """
            const started = Date.now();
            const socket = open("", { timeout: 500, reconnection: false });
            const [error] = await once(socket, "connect_error", 5000);
            socket.disconnect();
            return { message: error.message, after: Date.now() - started };
        """)
    finally:
        private_server.resume()

    assert result["message"] == "timeout"
    assert 450 <= result["after"] <= 2500, result


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["polling"], ["websocket"]],
                         ids=["polling-then-upgrade", "polling", "websocket"])
def test_recovery_after_the_transport_is_cut_delivers_missed_packets_once(client_page, recovery_server, transports):
    result = step(client_page, recovery_server.http, """
        const socket = open("", { transports: args[0], reconnectionDelay: 100 });
        const missed = [];
        socket.on("missed", (n) => missed.push(n));
        await once(socket, "connect");
        const first = { id: socket.id, recovered: socket.recovered };
        const disconnected = once(socket, "disconnect");
        socket.emit("cut-and-emit", 3);
        const [reason] = await disconnected;
        await once(socket, "connect", 10000);
        while (missed.length < 3) await once(socket, "missed", 5000);
        await sleep(300);
        const acked = await socket.timeout(5000).emitWithAck("message-with-ack", "after");
        const sameId = socket.id === first.id;
        socket.disconnect();
        return { first, reason, sameId, recovered: socket.recovered, missed, acked };
    """, transports)

    assert result["first"]["recovered"] is False
    assert result["recovered"] is True and result["sameId"] is True
    assert result["missed"] == [1, 2, 3]
    assert result["acked"] == "after"


def test_without_server_recovery_a_cut_transport_gives_a_new_session(client_page, server):
    # `server` has no recovery: python-socketio has none, and conformance mode keeps it off.
    result = run(client_page, server, """
        const socket = open("", { reconnectionDelay: 100 });
        const missed = [];
        socket.on("missed", (n) => missed.push(n));
        await once(socket, "connect");
        const firstId = socket.id;
        socket.emit("cut-and-emit", 3);
        await once(socket, "disconnect");
        await once(socket, "connect", 10000);
        await sleep(500);
        return { recovered: socket.recovered, newId: socket.id !== firstId, missed };
    """)

    assert result == {"recovered": False, "newId": True, "missed": []}


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["polling"], ["websocket"]],
                         ids=["polling-then-upgrade", "polling", "websocket"])
def test_query_path_and_shared_engine_connection(client_page, server, transports):
    result = run(client_page, server, """
        const main = io(URL, { transports: args[0], path: "/custom-path/", query: { room: "a b&c" } });
        const custom = io(URL + "/custom", { transports: args[0], path: "/custom-path/" });
        sockets.push(main, custom);
        await Promise.all([once(main, "connect"), once(custom, "connect")]);
        const info = await new Promise((resolve) =>
          main.timeout(5000).emit("handshake-info", "room", "x-none", (error, ...values) => resolve(values)));
        const [mainEngine, customEngine] = await Promise.all(
          [main.timeout(5000).emitWithAck("engine-id"), custom.timeout(5000).emitWithAck("engine-id")]);
        const wrong = open("", { path: "/no-such-path/", reconnection: false });
        const [error] = await once(wrong, "connect_error");
        return { info, shared: main.io === custom.io, sameEngine: mainEngine === customEngine, wrong: !!error };
    """, transports)

    assert result == {"info": ["a b&c", None], "shared": True, "sameEngine": True, "wrong": True}


def test_server_acknowledgement_requests_and_late_acks(client_page, server):
    result = run(client_page, server, """
        const socket = open("");
        socket.on("ping-client", (payload, ack) => ack({ pong: payload }));
        await once(socket, "connect");
        const serverAck = await socket.timeout(5000).emitWithAck("server-ack", { n: 1 });
        let late = null;
        try { await socket.timeout(200).emitWithAck("ack-after", 1000, "late"); } catch (e) { late = e.message; }
        const inTime = await socket.timeout(5000).emitWithAck("ack-after", 50, "in time");
        return { serverAck, late, inTime };
    """)

    assert result == {"serverAck": {"pong": {"n": 1}}, "late": "operation has timed out", "inTime": "in time"}


def test_script_is_served_with_etag_cache_control_and_304(recovery_server):
    url = recovery_server.http + "/socket.io/socket.io.js"
    first = requests.get(url, timeout=5)
    etag = first.headers.get("ETag")
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=5)
    stale = requests.get(url, headers={"If-None-Match": '"not-it"'}, timeout=5)

    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/javascript")
    assert etag and etag.startswith('"') and etag.endswith('"')
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert first.content == (ROOT / "Sources/SwitchboardBrowserClient/Resources/socket.io.js").read_bytes()
    assert again.status_code == 304 and again.content == b"" and again.headers.get("ETag") == etag
    assert stale.status_code == 200 and stale.content == first.content


@pytest.mark.parametrize("transports", [["polling"], ["websocket"]], ids=["polling", "websocket"])
def test_retries_resend_the_same_packet_until_acknowledged(client_page, server, transports):
    result = run(client_page, server, """
        const socket = open("", { transports: args[0], retries: 3, ackTimeout: 300 });
        await once(socket, "connect");
        const key = "browser-retry-" + Math.random();
        // The server answers only the second receipt of `key`, with [receipts, distinct ack ids].
        const first = await new Promise((resolve) =>
          socket.emit("ack-on-attempt", key, 2, (error, receipts, ids) => resolve([error, receipts, ids])));
        const second = await socket.emitWithAck("message-with-ack", "next in the queue");
        return { first, second };
    """, transports)

    assert result == {"first": [None, 2, 1], "second": "next in the queue"}


def test_extra_headers_reach_the_server_over_polling(client_page, server):
    # Browsers cannot set headers on a WebSocket; over polling they go with every request (CORS preflight).
    result = run(client_page, server, """
        const socket = open("", { transports: ["polling"], extraHeaders: { "X-Client": "browser" } });
        await once(socket, "connect");
        return await new Promise((resolve) =>
          socket.timeout(5000).emit("handshake-info", "none", "x-client", (error, ...values) => resolve(values)));
    """)

    assert result == [None, "browser"]
