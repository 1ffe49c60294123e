"""The Swift client (SwitchboardClient) against the server under test.

Runs the `ExternalServerInteropTests` suite of `swift test` with
- `SWITCHBOARD_INTEROP_URL` pointing at the `server` fixture: our conformance server by default, or the
  python-socketio reference server with
  `SWITCHBOARD_SERVER_CMD="python tests/interop/reference_server.py --port {port}"`;
- `SWITCHBOARD_INTEROP_SERVER_CMD`: the same server's command line, for the tests that kill, restart or
  freeze a private server process (ours with `--connection-state-recovery`);
- `SWITCHBOARD_INTEROP_SERVER_KIND`: `switchboard` or `python-socketio` (only ours has recovery).

Needs a prior `swift build --build-tests` (scripts/test runs `swift test` first); a missing build fails
loudly.
"""

import os
import pathlib
import re
import subprocess

from server_process import command_from_template, server_command

ROOT = pathlib.Path(__file__).resolve().parents[2]


def private_server_template():
    """The command of a private server, `{port}` left for the Swift tests to fill in."""
    if os.environ.get("SWITCHBOARD_SERVER_CMD"):
        return " ".join(command_from_template(os.environ["SWITCHBOARD_SERVER_CMD"], port="{port}")), "python-socketio"
    return " ".join(server_command("{port}") + ["--connection-state-recovery"]), "switchboard"


def test_swift_client_interoperates(server):
    template, kind = private_server_template()
    env = dict(os.environ, SWITCHBOARD_INTEROP_URL=server.http, SWITCHBOARD_INTEROP_SERVER_CMD=template,
               SWITCHBOARD_INTEROP_SERVER_KIND=kind)
    result = subprocess.run(
        ["swift", "test", "--skip-build", "--filter", "ExternalServerInteropTests"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # The suite is disabled without the variable: make sure it really ran.
    assert "external conformance server" in output, output[-4000:]
    assert "skipped" not in output, output[-4000:]
    passed = re.search(r"Test run with (\d+) tests? (?:in \d+ suites? )?passed", output)
    print(passed.group(0) if passed else output[-1000:])
