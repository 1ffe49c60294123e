"""Fixtures for the interop suite: start the server under test on a free loopback port.

The server command is `$SWITCHBOARD_BIN conformance --port {port}` (our Swift server), or
`$SWITCHBOARD_SERVER_CMD` with `{port}` substituted (for example the python-socketio reference
server: `python tests/interop/reference_server.py --port {port}`). A missing server fails loudly.
"""

import os
import pathlib
import queue
import shlex
import signal
import socket
import subprocess
import sys
import time

import pytest
import socketio

ROOT = pathlib.Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(port):
    custom = os.environ.get("SWITCHBOARD_SERVER_CMD")
    if custom:
        return [sys.executable if part == "python" else part for part in shlex.split(custom.format(port=port))]
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it (swift build) or set SWITCHBOARD_BIN "
                    "or SWITCHBOARD_SERVER_CMD", pytrace=False)
    return [binary, "conformance", "--port", str(port)]


def wait_until_listening(process, port, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode} before listening:\n"
                        f"{log_path.read_text(errors='replace')[-4000:]}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"server did not listen on port {port} within {STARTUP_TIMEOUT_S}s", pytrace=False)


class Server:
    """The server under test: `host`, `port`, `http` and `ws` base URLs."""

    def __init__(self, port):
        self.host = "127.0.0.1"
        self.port = port
        self.http = f"http://{self.host}:{port}"
        self.ws = f"ws://{self.host}:{port}"


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    port = free_port()
    command = server_command(port)
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        wait_until_listening(process, port, log_path)
        yield Server(port)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        # Let a crash or a sanitizer report show up in the pytest output of the failing run.
        tail = log_path.read_text(errors="replace")[-2000:]
        if process.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM) and tail:
            print(f"server exited with {process.returncode}; log tail:\n{tail}")


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

    def connect(self, url, **options):
        options.setdefault("wait_timeout", 5)
        self.client.connect(url, **options)
        return self

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
