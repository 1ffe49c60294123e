"""Helpers for the chat-across-nodes test: a throwaway PostgreSQL (initdb + postgres as the `postgres`
system user, trust auth, free loopback port, temp dir, stopped by PID) and chat clients (HTTP
registration + a python-socketio client that records the events it receives)."""

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request

import pytest
import socketio

from conftest import Node, running_redis, switchboard_binary
from server_process import ROOT, ServerFailed, free_port, running_server


def postgres_bin():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), reverse=True)
    if not candidates:
        pytest.fail("PostgreSQL binaries not found under /usr/lib/postgresql", pytrace=False)
    return os.path.dirname(candidates[0])


@contextlib.contextmanager
def running_postgres():
    """Yields a postgres:// URL of a fresh server."""
    bindir = postgres_bin()
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    directory = tempfile.mkdtemp(prefix="clusterchat-pg-", dir="/tmp")
    shutil.chown(directory, "postgres", "postgres")
    data = os.path.join(directory, "data")
    subprocess.run([runuser, "-u", "postgres", "--", f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                    "--no-sync", "-E", "UTF8", "--locale=C"], check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(os.path.join(directory, "postgres.log"), "wb")
    process = subprocess.Popen([runuser, "-u", "postgres", "--", f"{bindir}/postgres", "-D", data,
                                "-c", "listen_addresses=127.0.0.1", "-p", str(port), "-k", directory,
                                "-c", "fsync=off"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([f"{bindir}/pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q"]).returncode != 0:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("postgres did not start", pytrace=False)
            time.sleep(0.1)
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        if process.poll() is None:
            # runuser does not pass signals on: send postgres itself (its PID heads postmaster.pid) a fast shutdown.
            with contextlib.suppress(OSError, ValueError):
                with open(os.path.join(data, "postmaster.pid")) as pid_file:
                    os.kill(int(pid_file.readline()), signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def running_chat_nodes(tmp_path, names, jwt_secret, admin_token=None):
    """Yields one `switchboard serve` Node per name, all on one Redis (hot store, cluster) and one PostgreSQL
    (archive), once they have seen each other's heartbeats; `admin_token` enables `/admin`."""
    with contextlib.ExitStack() as stack:
        try:
            redis = stack.enter_context(running_redis(tmp_path))
            postgres_url = stack.enter_context(running_postgres())
            nodes = []
            for name in names:
                port = free_port()
                node_id = f"chat-{name}-{port}"
                data = tmp_path / f"data{name}"
                data.mkdir()
                command = [switchboard_binary(), "serve", "--port", str(port), "--redis-url", redis.url,
                           "--postgres-url", postgres_url, "--jwt-secret", jwt_secret, "--node-id", node_id,
                           "--data-dir", str(data)]
                if admin_token is not None:
                    command += ["--admin-token", admin_token]
                process = stack.enter_context(running_server(command, port, tmp_path / f"node{name}.log", cwd=ROOT))
                nodes.append(Node(name, port, node_id, process))
        except ServerFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        time.sleep(1.5)  # the nodes have seen each other's heartbeats
        yield nodes


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


class ChatClient:
    """A registered user connected to one node; `events` holds (name, payload) in arrival order."""

    def __init__(self, base_url, username, token=None):
        if token is None:
            token = post_json(f"{base_url}/api/register", {"username": username, "password": "secret-password-1"})["token"]
        self.token = token
        self.events = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self._record)
        self.client.connect(base_url, transports=["websocket"], auth={"token": token}, wait_timeout=10)
        self.user = self.wait_for("session")["user"]

    def _record(self, event, *arguments):
        with self.lock:
            self.events.append((event, arguments[0] if arguments else None))

    def call(self, event, payload):
        reply = self.client.call(event, payload, timeout=10)
        assert reply.get("ok") is True, reply
        return reply

    def mark(self):
        """A position in `events`, for `wait_for(..., since=mark)`."""
        with self.lock:
            return len(self.events)

    def wait_for(self, event, predicate=lambda payload: True, timeout=10, since=0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for name, payload in self.events[since:]:
                    if name == event and predicate(payload):
                        return payload
            time.sleep(0.05)
        with self.lock:
            seen = list(self.events)
        raise AssertionError(f"no {event} matching within {timeout}s; saw {seen}")

    def close(self):
        self.client.disconnect()
