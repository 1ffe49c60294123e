"""python-socketio clients on a three-node cluster: broadcasts reach every node, clients behind a plain
round-robin balancer work on every transport, and a node killed under load loses no acknowledged
broadcast for the clients of the surviving nodes while its own clients reconnect to the others."""

import threading
import time

import socketio

from round_robin_proxy import RoundRobinProxy


class Receiver:
    """A client that joins room `r` on every (re)connect and records the `bcast` payloads it receives."""

    def __init__(self, url, transports, name):
        self.name = name
        self.client = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.5)
        self.received = []
        self.connects = 0
        self.joined = threading.Event()
        self.lock = threading.Lock()
        self.client.on("bcast", self._bcast)
        self.client.on("connect", self._connected)
        self.client.connect(url, transports=transports, wait_timeout=10)
        assert self.joined.wait(10), f"{name} did not join"

    def _connected(self):
        with self.lock:
            self.connects += 1
        self.joined.clear()
        threading.Thread(target=self._join, daemon=True).start()

    def _join(self):
        try:
            self.client.call("join", "r", timeout=5)
            self.joined.set()
        except Exception:
            pass

    def _bcast(self, payload, *offset):  # recovery appends an offset
        with self.lock:
            self.received.append(payload["seq"])

    def node_pid(self):
        return self.client.call("stats", timeout=5)["pid"]

    def close(self):
        self.client.disconnect()


def test_a_broadcast_reaches_clients_on_every_node(cluster):
    _, nodes = cluster
    receivers = [Receiver(node.http, ["websocket"], node.name) for node in nodes]
    try:
        time.sleep(0.3)  # room subscriptions reach Redis
        recipients = receivers[0].client.call("bcast", ("r", {"seq": 1}), timeout=5)
        assert recipients >= 1
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(r.received != [1] for r in receivers):
            time.sleep(0.05)
        assert [r.received for r in receivers] == [[1], [1], [1]]
    finally:
        for receiver in receivers:
            receiver.close()


def test_polling_and_upgrading_clients_work_behind_a_round_robin_balancer(cluster):
    _, nodes = cluster
    with RoundRobinProxy([node.port for node in nodes]) as proxy:
        for transports in (["polling"], ["polling", "websocket"]):
            client = socketio.Client(reconnection=False)
            client.connect(proxy.url, transports=transports, wait_timeout=10)
            try:
                for n in range(30):
                    assert client.call("echo", {"n": n, "t": transports}, timeout=10) == {"n": n, "t": transports}
            finally:
                client.disconnect()


def test_killing_a_node_under_load_loses_no_acknowledged_broadcast_and_its_clients_move(cluster):
    _, (a, b, c) = cluster
    pids = {node.process.pid: node.name for node in (a, b, c)}
    with RoundRobinProxy([a.port, b.port, c.port]) as proxy:
        receivers = [Receiver(proxy.url, ["websocket"], f"r{i}") for i in range(6)]
        sender = socketio.Client(reconnection=False)
        sender.connect(c.http, transports=["websocket"], wait_timeout=10)
        try:
            homes = {r.name: pids[r.node_pid()] for r in receivers}
            assert set(homes.values()) == {"A", "B", "C"}, homes
            time.sleep(0.3)
            acked = []
            killed = False
            started = time.monotonic()
            while time.monotonic() - started < 6:
                if not killed and time.monotonic() - started > 1.5:
                    b.kill()
                    killed = True
                seq = len(acked) + 1
                sender.call("bcast", ("r", {"seq": seq}), timeout=5)
                acked.append(seq)
                time.sleep(0.02)
            time.sleep(1)
            for receiver in receivers:
                with receiver.lock:
                    received = list(receiver.received)
                if homes[receiver.name] != "B":
                    assert received == acked, f"{receiver.name} on {homes[receiver.name]} missed acknowledged broadcasts"
                else:
                    assert receiver.connects >= 2, f"{receiver.name} did not reconnect after its node died"
                    assert pids[receiver.node_pid()] in ("A", "C")
                    # Everything acknowledged from the last second on reached it on its new node.
                    tail = acked[-40:]
                    assert set(tail) <= set(received), f"{receiver.name} missed broadcasts after moving"
        finally:
            sender.disconnect()
            for receiver in receivers:
                receiver.close()
