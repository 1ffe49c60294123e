"""SIGKILL one of three `switchboard serve` nodes while users on every node are sending chat messages
(issue 7): no acknowledged message is lost, none is stored twice, the killed node's user reconnects to another
node, retries its unacknowledged message under the same `clientMessageId`, and recovers what it missed from
history; users on the surviving nodes keep receiving each other's messages live."""

import threading
import time

import pytest

from chat_nodes import ChatClient, running_chat_nodes

GENERAL = "r_general"
SECRET = "chatfailure-test-secret-0123456789abcdef"
SEND_SECONDS = 5.0
KILL_AFTER_SECONDS = 1.5
SEND_INTERVAL = 0.12  # ~8 messages/s per user, under the 10/s rate limit


@pytest.fixture
def three_chat_nodes(tmp_path):
    with running_chat_nodes(tmp_path, ("A", "B", "C"), SECRET) as nodes:
        yield nodes


class Sender(threading.Thread):
    """Sends numbered messages to `general` for SEND_SECONDS; remembers every acknowledged message.

    When its node goes away, it reconnects to `fallback` (same token) and retries the message whose
    acknowledgement it never got, under the same clientMessageId."""

    def __init__(self, client, name, fallback=None):
        super().__init__(daemon=True)
        self.client = client
        self.name_prefix = name
        self.fallback = fallback
        self.acked = {}  # clientMessageId -> message id
        self.reconnected = None
        self.failures = []

    def send(self, client_message_id):
        reply = self.client.client.call(
            "message:send", {"roomId": GENERAL, "clientMessageId": client_message_id, "text": client_message_id},
            timeout=3)
        assert reply.get("ok") is True, reply
        return reply["message"]["id"]

    def run(self):
        started = time.monotonic()
        number = 0
        while time.monotonic() - started < SEND_SECONDS:
            number += 1
            client_message_id = f"{self.name_prefix}-{number}"
            try:
                self.acked[client_message_id] = self.send(client_message_id)
            except Exception as error:  # noqa: BLE001 — the node died under this call
                if self.fallback is None or self.reconnected is not None:
                    self.failures.append(f"{client_message_id}: {error!r}")
                    return
                self.client = ChatClient(self.fallback.http, self.name_prefix, token=self.client.token)
                self.reconnected = self.client
                self.acked[client_message_id] = self.send(client_message_id)
            time.sleep(SEND_INTERVAL)


def full_history(client):
    """Every message of `general`, oldest first, paging back with the cursor."""
    messages, before = [], None
    while True:
        request = {"roomId": GENERAL, "limit": 100}
        if before is not None:
            request["before"] = before
        page = client.call("history:fetch", request)
        messages.extend(page["messages"])
        before = page["nextCursor"]
        if before is None:
            return list(reversed(messages))


def test_sigkill_of_a_node_under_chat_load_loses_no_acknowledged_message(three_chat_nodes):
    a, b, c = three_chat_nodes
    ann = ChatClient(a.http, "ann")
    ben = ChatClient(b.http, "ben")
    cid = ChatClient(c.http, "cid")
    watcher = ChatClient(c.http, "wat")
    clients = [ann, ben, cid, watcher]
    senders = []
    try:
        for client in clients:
            client.call("rooms:join", {"roomId": GENERAL})
        time.sleep(0.3)  # room subscriptions reach Redis
        senders = [Sender(ann, "ann"), Sender(ben, "ben", fallback=c), Sender(cid, "cid")]
        for sender in senders:
            sender.start()
        time.sleep(KILL_AFTER_SECONDS)
        b.kill()
        for sender in senders:
            sender.join(timeout=SEND_SECONDS + 20)
        for sender in senders:
            assert not sender.is_alive()
            assert sender.failures == [], sender.failures
        ben_sender = senders[1]
        assert ben_sender.reconnected is not None, "ben's node was killed, yet none of his sends failed"
        time.sleep(1.0)

        acked = {cmid: mid for sender in senders for cmid, mid in sender.acked.items()}
        assert len(acked) > 60, f"too little load: {len(acked)} acknowledged messages"

        # Stored once each, every acknowledged one, read from either surviving node.
        history_a = full_history(ann)
        history_c = full_history(cid)
        assert history_a == history_c
        by_client_id = {}
        for message in history_a:
            assert message["clientMessageId"] not in by_client_id, f"stored twice: {message['clientMessageId']}"
            by_client_id[message["clientMessageId"]] = message["id"]
        missing = sorted(set(acked) - set(by_client_id))
        assert missing == [], f"acknowledged but lost: {missing}"
        assert all(by_client_id[cmid] == mid for cmid, mid in acked.items())

        # Live delivery across the surviving nodes: the watcher on C saw every acknowledged message of ann (A)
        # and cid (C), before and after the kill.
        with watcher.lock:
            seen = {payload["clientMessageId"] for name, payload in watcher.events if name == "message:new"}
        for sender in (senders[0], senders[2]):
            assert set(sender.acked) <= seen, f"watcher missed {sorted(set(sender.acked) - seen)}"

        # ben, moved to C, recovers what was sent while he was away from history.
        recovered = {m["clientMessageId"] for m in full_history(ben_sender.reconnected)}
        assert set(acked) <= recovered
    finally:
        for sender in senders:
            if sender.reconnected is not None:
                sender.reconnected.close()
        for client in clients:
            try:
                client.close()
            except Exception:  # noqa: BLE001 — ben's first socket died with node B
                pass
