"""Fixtures for the cluster suite: a redis-server and three `switchboard bench-server` nodes joined to
it with `--redis-url`, each on a free loopback port, stopped by PID afterwards.

The server binary is `$SWITCHBOARD_BIN` (default `.build/debug/switchboard`); redis-server must be on
PATH. A missing binary fails loudly.
"""

import contextlib
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from server_process import ROOT, ServerFailed, free_port, running_server  # noqa: E402


def switchboard_binary():
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it (swift build) or set SWITCHBOARD_BIN", pytrace=False)
    return binary


class Redis:
    def __init__(self, port, process):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}"
        self.process = process

    def command(self, *args):
        """Runs one command with redis-cli and returns its raw output (stripped)."""
        result = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return result.stdout.strip()


@contextlib.contextmanager
def running_redis(directory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not on PATH: install it (apt-get install -y redis-server)", pytrace=False)
    port = free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", str(directory)]
    with running_server(command, port, directory / "redis.log", cwd=directory) as process:
        yield Redis(port, process)


class Node:
    """One bench-server node: `name`, `port`, `http`, `ws`, its `node_id` and process."""

    def __init__(self, name, port, node_id, process):
        self.name = name
        self.port = port
        self.node_id = node_id
        self.process = process
        self.http = f"http://127.0.0.1:{port}"
        self.ws = f"ws://127.0.0.1:{port}"

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()


def node_command(port, redis_url, node_id):
    # Connection state recovery on: a session left on one node can be recovered on another.
    return [switchboard_binary(), "bench-server", "--port", str(port), "--redis-url", redis_url, "--node-id", node_id,
            "--recovery", "120"]


@pytest.fixture
def cluster(tmp_path):
    """(redis, [A, B, C]): three nodes of one cluster."""
    with contextlib.ExitStack() as stack:
        try:
            redis = stack.enter_context(running_redis(tmp_path))
            nodes = []
            for name in ("A", "B", "C"):
                port = free_port()
                node_id = f"node-{name}-{port}"
                process = stack.enter_context(
                    running_server(node_command(port, redis.url, node_id), port, tmp_path / f"{name}.log", cwd=ROOT))
                nodes.append(Node(name, port, node_id, process))
        except ServerFailed as failure:
            pytest.fail(str(failure), pytrace=False)
        # Every node has seen the others' heartbeats (refreshed every second).
        time.sleep(1.5)
        yield redis, nodes
