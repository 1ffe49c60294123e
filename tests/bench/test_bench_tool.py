"""`switchboard bench echo` end to end against `switchboard bench-server` (debug build, or $SWITCHBOARD_BIN):
the closed loop and the paced open loop (`--rate`), and a clear error for a bad rate."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from server_process import ROOT, free_port, running_server  # noqa: E402

BINARY = os.environ.get("SWITCHBOARD_BIN", str(ROOT / ".build/debug/switchboard"))


@pytest.fixture(scope="module")
def bench_server(tmp_path_factory):
    if not os.path.exists(BINARY):
        pytest.fail(f"server binary {BINARY!r} is missing: build it (swift build) or set SWITCHBOARD_BIN", pytrace=False)
    port = free_port()
    log = tmp_path_factory.mktemp("bench") / "bench-server.log"
    with running_server([BINARY, "bench-server", "--port", str(port)], port, log, ROOT) as process:
        yield port, process.pid


def bench(port, *args):
    done = subprocess.run([BINARY, "bench", *args, "--port", str(port), "--json", "--quiet"],
                          capture_output=True, text=True, timeout=120)
    return done


def echo_report(port, *args):
    done = bench(port, "echo", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_paced_echo_sends_at_most_its_rate_and_every_ack_matches(bench_server):
    port, _ = bench_server
    clients, rate, seconds = 4, 20, 2
    report = echo_report(port, "--clients", str(clients), "--rate", str(rate), "--duration", str(seconds))
    echo = report["echo"]
    assert echo["ratePerClient"] == rate
    assert echo["mismatches"] == 0
    ceiling = clients * rate * seconds
    # Paced: never more than the rate allows (plus each client's first emit), and not far below it.
    assert echo["acks"] <= ceiling + clients, echo
    assert echo["acks"] >= ceiling // 2, echo
    assert report["latencyMicros"]["count"] == echo["acks"]


def test_the_closed_loop_is_not_paced(bench_server):
    port, _ = bench_server
    clients, seconds = 4, 2
    report = echo_report(port, "--clients", str(clients), "--duration", str(seconds))
    assert report["echo"]["ratePerClient"] == 0
    assert report["echo"]["mismatches"] == 0
    # Far more than the paced run's 20 emits/s per client: the next emit leaves on each ack.
    assert report["echo"]["acks"] > clients * 20 * seconds * 3, report["echo"]


def test_a_negative_rate_is_refused_with_a_clear_error(bench_server):
    port, _ = bench_server
    done = bench(port, "echo", "--clients", "1", "--rate=-1", "--duration", "1")
    assert done.returncode != 0
    assert "--rate must be 0...100000" in done.stderr
