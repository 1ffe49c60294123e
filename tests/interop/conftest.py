"""Fixtures for the interop suite: start the server under test on a free loopback port.

The server command is `$SWITCHBOARD_BIN conformance --port {port}` (our Swift server), or
`$SWITCHBOARD_SERVER_CMD` with `{port}` substituted (for example the python-socketio reference
server: `python tests/interop/reference_server.py --port {port}`). A missing server fails loudly.
"""

import pathlib
import queue
import sys
import time

import pytest
import socketio

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from server_process import server  # noqa: E402,F401  (the conformance server fixture)


class RecordingClient:
    """A python-socketio Client that records every event (name, args) of every namespace."""

    def __init__(self, **client_options):
        self.client = socketio.Client(reconnection=False, **client_options)
        self.events = queue.Queue()
        self.backlog = []  # events received while waiting for another one
        self.connect_errors = queue.Queue()
        self.client.on("*", self._record, namespace="*")
        self.client.on("connect_error", self._record_error, namespace="*")

    def _record(self, event, namespace, *args):
        self.events.put((namespace, event, args))

    def _record_error(self, namespace, data=None):
        self.connect_errors.put((namespace, data))

    def answer(self, name, handler, namespace="/"):
        """Makes `handler(*args)` answer event `name` (its return value is the ack). Registered under
        namespace "*": a handler registered for "/" itself would hide the recording catch-all for "/"."""

        def dispatch(got_namespace, *args):
            if got_namespace == namespace:
                return handler(*args)
            self._record(name, got_namespace, *args)
            return None

        self.client.on(name, dispatch, namespace="*")

    def connect(self, url, **options):
        options.setdefault("wait_timeout", 5)
        self.client.connect(url, **options)
        return self

    def refused(self, url, namespace, **options):
        """Connects to `namespace` expecting a CONNECT_ERROR; returns its data."""
        with pytest.raises(socketio.exceptions.ConnectionError):
            self.connect(url, namespaces=[namespace], **options)
        got_namespace, data = self.connect_errors.get(timeout=5)
        assert got_namespace == namespace
        return data

    def next_event(self, name, namespace="/", timeout=5):
        """Waits for event `name` on `namespace` and returns its arguments; other events stay queued."""
        for index, (got_namespace, event, args) in enumerate(self.backlog):
            if got_namespace == namespace and event == name:
                del self.backlog[index]
                return args
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {name!r} event on {namespace} within {timeout}s")
            try:
                got_namespace, event, args = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if got_namespace == namespace and event == name:
                return args
            self.backlog.append((got_namespace, event, args))

    def no_event(self, name, namespace="/", within=0.5):
        """Asserts that event `name` does not arrive within `within` seconds."""
        try:
            args = self.next_event(name, namespace, timeout=within)
        except AssertionError:
            return
        raise AssertionError(f"unexpected {name!r} event on {namespace}: {args!r}")

    def disconnect(self):
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass


@pytest.fixture
def make_client():
    """Factory for RecordingClients; all are disconnected at teardown."""
    clients = []

    def make(**options):
        client = RecordingClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.disconnect()
