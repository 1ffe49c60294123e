"""Connection state recovery across nodes, on the raw Socket.IO protocol (python-socketio's client does not
send `{pid, offset}`): a client whose WebSocket to node A drops reconnects to node B and gets its socket
id, its room and the broadcasts it missed back."""

import json
import time

import websocket


def connect(node, auth=None):
    ws = websocket.create_connection(f"{node.ws}/socket.io/?EIO=4&transport=websocket", timeout=10)
    assert ws.recv().startswith("0{")
    ws.send("40" + (json.dumps(auth) if auth else ""))
    return ws


def next_packet(ws, prefix):
    """The next packet starting with `prefix`, answering pings and skipping others."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        packet = ws.recv()
        if packet == "2":
            ws.send("3")
        elif packet.startswith(prefix):
            return packet
    raise AssertionError(f"no packet starting with {prefix!r}")


def reconnect_with_recovery(node, pid, offset):
    """Connects to `node` with {pid, offset}; returns the socket, the CONNECT reply and the missed `bcast`
    payloads that arrived before it (a recovered session's missed packets come first)."""
    ws = connect(node, {"pid": pid, "offset": offset})
    packets = []
    while True:
        packet = next_packet(ws, "4")
        packets.append(packet)
        if packet.startswith("40"):
            break
    missed = [json.loads(p[2:])[1] for p in packets if p.startswith('42["bcast"')]
    return ws, json.loads(packets[-1][2:]), missed


def member_and_sender(member_node, sender_node):
    """A client on `member_node` in room `r` that received one broadcast from a client on `sender_node`.
    Returns (member socket, its sid, its pid, the offset of that broadcast, sender socket)."""
    ws = connect(member_node)
    connected = json.loads(next_packet(ws, "40")[2:])
    ws.send('421["join","r"]')
    next_packet(ws, "431")
    sender = connect(sender_node)
    next_packet(sender, "40")
    time.sleep(0.3)  # the room's subscription reaches Redis
    sender.send('42["bcast","r",{"n":1}]')
    event = json.loads(next_packet(ws, '42["bcast"')[2:])
    assert event[1] == {"n": 1}
    return ws, connected["sid"], connected["pid"], event[-1], sender


def assert_recovered(node, sid, pid, offset, sender):
    """Reconnects to `node` with {pid, offset}: same sid and pid, broadcasts 2 and 3 replayed in order, and the
    room back (broadcast 4 arrives live)."""
    again, reply, missed = reconnect_with_recovery(node, pid, offset)
    assert reply["sid"] == sid, f"the session was not recovered on {node.ws}"
    assert reply["pid"] == pid
    assert missed == [{"n": 2}, {"n": 3}]
    time.sleep(0.3)
    sender.send('42["bcast","r",{"n":4}]')
    assert json.loads(next_packet(again, '42["bcast"')[2:])[1] == {"n": 4}
    again.close()
    sender.close()


def test_a_client_that_drops_on_one_node_is_recovered_on_another(cluster):
    _, (a, b, c) = cluster
    ws, sid, pid, offset, sender = member_and_sender(a, c)
    ws.sock.close()  # the transport drops (no DISCONNECT packet): A keeps the session for recovery
    time.sleep(1)
    for n in (2, 3):
        sender.send(f'42["bcast","r",{{"n":{n}}}]')
    time.sleep(1)
    assert_recovered(b, sid, pid, offset, sender)


def test_the_clients_of_a_sigkilled_node_are_recovered_on_another_with_what_they_missed(cluster):
    _, (a, b, c) = cluster
    ws, sid, pid, offset, sender = member_and_sender(a, c)
    a.kill()  # node A never sees the disconnect, so it never saves the session
    for n in (2, 3):
        sender.send(f'42["bcast","r",{{"n":{n}}}]')
    time.sleep(0.5)
    assert_recovered(b, sid, pid, offset, sender)
