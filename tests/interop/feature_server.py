"""Start `switchboard bench-server --interop-events` with extra options, for the Socket.IO feature tests.

These features (dynamic namespaces, broadcast acks, recovery, limits, the publish API) are not part of
the conformance contract, so they run against the benchmark server with its test-only events
(`Sources/SwitchboardConformance/InteropEvents.swift`)."""

import contextlib
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from server_process import ROOT, Server, ServerFailed, free_port, running_server  # noqa: E402


def bench_server_command(port, *options):
    binary = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"server binary {binary!r} is missing: build it (swift build) or set SWITCHBOARD_BIN",
                    pytrace=False)
    return [binary, "bench-server", "--port", str(port), "--interop-events", *options]


@contextlib.contextmanager
def feature_server(tmp_path, *options):
    """Runs bench-server with `options` until the block ends; yields a `Server`."""
    port = free_port()
    try:
        with running_server(bench_server_command(port, *options), port, tmp_path / f"bench-{port}.log", cwd=ROOT):
            yield Server(port)
    except ServerFailed as failure:
        pytest.fail(str(failure), pytrace=False)
