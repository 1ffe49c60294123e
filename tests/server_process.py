"""Start servers under test on free loopback ports and stop them by PID (shared by the suites).

Also holds the `server` fixture: the conformance server (`$SWITCHBOARD_BIN conformance`, or
`$SWITCHBOARD_SERVER_CMD` with `{port}` substituted)."""

import contextlib
import os
import pathlib
import shlex
import signal
import socket
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 30


class ServerFailed(Exception):
    """The server exited or did not listen in time; the message carries its log tail."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command_from_template(template, **values):
    """Splits a command line template such as "python x.py --port {port}"; `python` is this interpreter."""
    return [sys.executable if part == "python" else part for part in shlex.split(template.format(**values))]


def _wait_until_listening(process, port, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"server exited with {process.returncode} before listening:\n"
                               f"{log_path.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerFailed(f"server did not listen on port {port} within {STARTUP_TIMEOUT_S}s")


@contextlib.contextmanager
def running_server(command, port, log_path, cwd, env=None):
    """Runs `command` until the block ends; yields once 127.0.0.1:`port` accepts connections."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env)
    try:
        _wait_until_listening(process, port, log_path)
        yield process
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        if process.returncode not in (0, -signal.SIGTERM, 128 + signal.SIGTERM):
            print(f"server {command[0]} exited with {process.returncode}; log tail:\n"
                  f"{log_path.read_text(errors='replace')[-2000:]}")


# ----------------------------------------------------------------------------- conformance server

def server_command(port):
    custom = os.environ.get("SWITCHBOARD_SERVER_CMD")
    if custom:
        return command_from_template(custom, port=port)
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it (swift build) or set SWITCHBOARD_BIN "
                    "or SWITCHBOARD_SERVER_CMD", pytrace=False)
    return [binary, "conformance", "--port", str(port)]


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
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    try:
        with running_server(server_command(port), port, log_path, cwd=ROOT):
            yield Server(port)
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)


# ----------------------------------------------------------------------------- private server processes

class RestartableServer:
    """A server process a test may kill by PID, start again on the same port, or freeze (SIGSTOP)."""

    def __init__(self, command, port, log_path, cwd=ROOT):
        self.command, self.port, self.log_path, self.cwd = command, port, log_path, cwd
        self.http = f"http://127.0.0.1:{port}"
        self.process = None

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, cwd=self.cwd)
        _wait_until_listening(self.process, self.port, self.log_path)

    def kill(self):
        """SIGKILL by PID: no graceful close reaches the clients."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self):
        self.kill()
        self.start()

    def pause(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)


@contextlib.contextmanager
def restartable_server(command_for_port, log_path):
    """Yields a started RestartableServer for `command_for_port(port)` on a free port; kills it at the end."""
    port = free_port()
    server = RestartableServer(command_for_port(port), port, log_path)
    try:
        server.start()
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)
    try:
        yield server
    finally:
        server.kill()
