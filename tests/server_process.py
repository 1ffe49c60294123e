"""Start a server under test on a free loopback port and stop it by PID (shared by the suites)."""

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

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
def running_server(command, port, log_path, cwd):
    """Runs `command` until the block ends; yields once 127.0.0.1:`port` accepts connections."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
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
