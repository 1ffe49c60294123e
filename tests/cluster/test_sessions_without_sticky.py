"""No sticky sessions: the requests of one Engine.IO session spread round robin over three nodes, raw
HTTP and WebSocket, and a dead owner is noticed and cleaned up."""

import json
import threading
import time

import requests
import websocket

SEP = "\x1e"


def handshake(node):
    response = requests.get(f"{node.http}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.text.startswith("0")
    return json.loads(response.text[1:])["sid"]


def poll(node, sid, timeout=40):
    response = requests.get(
        f"{node.http}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, timeout=timeout)
    return response


def post(node, sid, packets):
    response = requests.post(
        f"{node.http}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
        data=SEP.join(packets).encode(), timeout=10)
    assert response.status_code == 200, (node.name, response.status_code, response.text)
    assert response.text == "ok"


def packets_of(response, node):
    assert response.status_code == 200, (node.name, response.status_code, response.text)
    return response.text.split(SEP)


def test_a_polling_session_served_round_robin_by_three_nodes_loses_and_reorders_nothing(cluster):
    _, (a, b, c) = cluster
    nodes = [a, b, c]
    sid = handshake(a)
    post(b, sid, ["40"])
    connected = packets_of(poll(c, sid), c)
    assert len(connected) == 1 and connected[0].startswith("40{"), connected

    sent = []
    acks = []
    for round_number in range(12):
        # Three events per POST, each POST on the next node; then poll on yet another node.
        batch = []
        for k in range(3):
            ack_id = round_number * 3 + k + 1
            batch.append(f'42{ack_id}["echo",{{"n":{ack_id}}}]')
            sent.append(ack_id)
        post(nodes[round_number % 3], sid, batch)
        deadline = time.monotonic() + 20
        while len(acks) < len(sent) and time.monotonic() < deadline:
            poller = nodes[(round_number + 1 + len(acks)) % 3]
            for packet in packets_of(poll(poller, sid), poller):
                if packet == "2":  # a ping: answer it on the third node
                    post(nodes[(round_number + 2) % 3], sid, ["3"])
                    continue
                assert packet.startswith("43"), packet
                ack_id = int(packet[2:packet.index("[")])
                assert json.loads(packet[packet.index("["):]) == [{"n": ack_id}]
                acks.append(ack_id)
    assert acks == sent


def test_a_websocket_upgrade_on_a_third_node_takes_over_the_session(cluster):
    _, (a, b, c) = cluster
    sid = handshake(a)
    post(b, sid, ["40"])
    assert packets_of(poll(c, sid), c)[0].startswith("40{")

    # A long-poll parked through B while the client probes a WebSocket on C.
    parked = {}
    poller = threading.Thread(target=lambda: parked.setdefault("response", poll(b, sid)))
    poller.start()
    time.sleep(0.3)
    ws = websocket.create_connection(f"{c.ws}/socket.io/?EIO=4&transport=websocket&sid={sid}", timeout=10)
    try:
        ws.send("2probe")
        assert ws.recv() == "3probe"
        poller.join(timeout=10)
        assert not poller.is_alive(), "the parked poll was not released by the upgrade"
        assert packets_of(parked["response"], b) == ["6"]
        ws.send("5")
        for n in range(1, 21):
            ws.send(f'42{n}["echo","ws-{n}"]')
        replies = [ws.recv() for _ in range(20)]
        assert replies == [f'43{n}["ws-{n}"]' for n in range(1, 21)]
        # The session is on WebSocket now: polling it is a protocol error (400 "Bad request").
        assert poll(a, sid).status_code == 400
    finally:
        ws.close()


def test_an_unknown_session_is_refused_by_every_node(cluster):
    _, nodes = cluster
    for node in nodes:
        response = poll(node, "NoSuchSessionAnywhere")
        assert response.status_code == 400
        assert response.json() == {"code": 1, "message": "Session ID unknown"}


def test_when_the_owner_dies_forwarded_requests_fail_and_its_sessions_leave_the_registry(cluster):
    redis, (a, b, c) = cluster
    sid = handshake(a)
    post(b, sid, ["40"])
    assert packets_of(poll(c, sid), c)[0].startswith("40{")
    assert redis.command("GET", f"switchboard-sid#{sid}") == a.node_id

    parked = {}
    poller = threading.Thread(target=lambda: parked.setdefault("response", poll(b, sid)))
    poller.start()
    time.sleep(0.3)
    killed_at = time.monotonic()
    a.kill()
    poller.join(timeout=15)
    assert not poller.is_alive(), "the forwarded poll was not answered after its owner died"
    assert parked["response"].status_code == 400
    assert parked["response"].json()["code"] == 1
    # Node TTL 5 s, heartbeat every 1 s.
    assert time.monotonic() - killed_at < 9
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and redis.command("GET", f"switchboard-sid#{sid}"):
        time.sleep(0.2)
    assert redis.command("GET", f"switchboard-sid#{sid}") == ""
    assert a.node_id not in redis.command("SMEMBERS", "switchboard-nodes").split()
    # The client's next request, on any node, learns that the session is gone.
    assert poll(c, sid).status_code == 400
