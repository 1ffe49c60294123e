"""The chat on two `switchboard serve` nodes sharing Redis and PostgreSQL (issue 7): user A on node 1 and
user B on node 2, both in `general`, see each other's messages, presence and typing as if on one node,
and read the same history on both nodes."""

import time

import pytest
import socketio

from chat_nodes import ChatClient, running_chat_nodes

GENERAL = "r_general"
SECRET = "clusterchat-test-secret-0123456789abcdef"
ADMIN_TOKEN = "clusterchat-admin-token"


@pytest.fixture
def chat_nodes(tmp_path):
    """[node 1, node 2]: two `serve` processes on one Redis and one PostgreSQL."""
    with running_chat_nodes(tmp_path, ("1", "2"), SECRET, admin_token=ADMIN_TOKEN) as nodes:
        yield nodes


def names(users):
    return sorted(user["username"] for user in users)


def test_presence_typing_messages_and_history_span_both_nodes(chat_nodes):
    node1, node2 = chat_nodes
    alice = ChatClient(node1.http, "alice")
    bob = None
    try:
        alice.call("rooms:join", {"roomId": GENERAL})
        bob = ChatClient(node2.http, "bob")
        bob.call("rooms:join", {"roomId": GENERAL})
        time.sleep(0.3)  # room subscriptions reach Redis

        # Presence: both online, asked on either node.
        for client in (alice, bob):
            assert names(client.call("presence:list", {"roomId": GENERAL})["online"]) == ["alice", "bob"]

        # Messages both ways.
        sent = alice.call("message:send", {"roomId": GENERAL, "clientMessageId": "a1", "text": "hi from node 1"})
        bob.wait_for("message:new", lambda m: m["id"] == sent["message"]["id"])
        sent = bob.call("message:send", {"roomId": GENERAL, "clientMessageId": "b1", "text": "hi from node 2"})
        alice.wait_for("message:new", lambda m: m["id"] == sent["message"]["id"])

        # Typing reaches the other node, in both directions, and the stop too.
        alice.call("typing", {"roomId": GENERAL, "typing": True})
        bob.wait_for("typing:update", lambda u: names(u["users"]) == ["alice"])
        mark = bob.mark()
        alice.call("typing", {"roomId": GENERAL, "typing": False})
        bob.wait_for("typing:update", lambda u: u["users"] == [], since=mark)
        bob.call("typing", {"roomId": GENERAL, "typing": True})
        alice.wait_for("typing:update", lambda u: names(u["users"]) == ["bob"])

        # History identical on both nodes.
        history1 = alice.call("history:fetch", {"roomId": GENERAL})["messages"]
        history2 = bob.call("history:fetch", {"roomId": GENERAL})["messages"]
        assert [m["text"] for m in history1] == ["hi from node 2", "hi from node 1"]
        assert history1 == history2

        # B's last socket leaves node 2: A on node 1 hears it went offline, and stops seeing B typing.
        mark = alice.mark()
        bob.close()
        alice.wait_for("presence:update", lambda p: p["user"]["username"] == "bob" and p["online"] is False, since=mark)
        alice.wait_for("typing:update", lambda u: u["users"] == [], since=mark)
        assert names(alice.call("presence:list", {"roomId": GENERAL})["online"]) == ["alice"]

        # B comes back on node 1 this time: A hears it came online.
        mark = alice.mark()
        bob = ChatClient(node1.http, "bob", token=bob.token)
        alice.wait_for("presence:update", lambda p: p["user"]["username"] == "bob" and p["online"] is True, since=mark)
    finally:
        alice.close()
        if bob is not None:
            bob.close()


def test_a_second_socket_on_another_node_does_not_announce_presence_again(chat_nodes):
    node1, node2 = chat_nodes
    alice = ChatClient(node1.http, "carol")
    bob = ChatClient(node2.http, "dave")
    dave_again = None
    try:
        for client in (alice, bob):
            client.call("rooms:join", {"roomId": GENERAL})
        time.sleep(0.3)
        dave_again = ChatClient(node1.http, "dave", token=bob.token)
        # dave's second tab (node 1) leaves: he is still online through node 2.
        dave_again.close()
        time.sleep(1.0)
        updates = [p for name, p in alice.events if name == "presence:update" and p["user"]["username"] == "dave"]
        # dave came online before joining `general`; neither his second socket nor its leaving changed that.
        assert updates == []
        assert names(alice.call("presence:list", {"roomId": GENERAL})["online"]) == ["carol", "dave"]
    finally:
        for client in (alice, bob):
            client.close()


def test_the_admin_users_figure_counts_distinct_users_on_every_node(chat_nodes):
    node1, node2 = chat_nodes
    erin = ChatClient(node1.http, "erin")
    frank = ChatClient(node2.http, "frank")
    frank_again = ChatClient(node1.http, "frank", token=frank.token)
    admin = socketio.Client(reconnection=False)
    samples = []
    admin.on("stats", lambda stats: samples.append(stats), namespace="/admin")
    try:
        admin.connect(node1.http, namespaces=["/admin"], transports=["websocket"], auth={"token": ADMIN_TOKEN},
                      wait_timeout=10)

        def wait_for_users(count, since):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if any(sample["users"] == count for sample in samples[since:]):
                    return
                time.sleep(0.05)
            raise AssertionError(f"no stats with users == {count}; saw {[s['users'] for s in samples]}")

        # erin on node 1, frank on both nodes: two users, whatever node the dashboard asks.
        wait_for_users(2, since=0)
        assert all(sample["users"] <= 2 for sample in samples), [s["users"] for s in samples]
        # frank leaves node 1 but is still on node 2: still two users on node 1's dashboard.
        frank_again.close()
        mark = len(samples)
        time.sleep(2.5)
        assert [s["users"] for s in samples[mark:]] and all(s["users"] == 2 for s in samples[mark:])
        # frank leaves node 2 too: one user.
        frank.close()
        wait_for_users(1, since=len(samples))
    finally:
        admin.disconnect()
        for client in (erin, frank, frank_again):
            client.close()
