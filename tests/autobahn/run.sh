#!/usr/bin/env bash
# Runs the real Autobahn|Testsuite (wstest 0.8.2, fuzzingclient mode) against `/echo` of
# `switchboard conformance` and fails unless every case is accepted (see summarize.py).
#
# wstest needs Python 2.7: /root/.pyenv/versions/2.7.18/bin/python, else python2.7 on PATH; without
# either this fails. The suite and its pinned dependencies (requirements-py27.txt) are installed with
# pip into .autobahn/ (git-ignored) only when missing or when the requirements changed.
#
# Environment:
#   SWITCHBOARD_BIN    server binary (default .build/debug/switchboard)
#   AUTOBAHN_OUTDIR    report folder (default artifacts/autobahn; HTML report in reports/servers/index.html)
#   AUTOBAHN_CASES     JSON list of case patterns to run (default ["*"])
#   AUTOBAHN_EXCLUDE   JSON list of case patterns to skip (default ["12.*","13.*"]: the permessage-deflate
#                      groups take over 15 minutes against a debug build on a loaded 2-core machine;
#                      set AUTOBAHN_EXCLUDE='[]' to run them, e.g. with a release build)
#   AUTOBAHN_TIMEOUT   seconds wstest may run in all (default 900)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="$ROOT/.autobahn"
SITE="$CACHE/site"
REQUIREMENTS="$HERE/requirements-py27.txt"
BIN="${SWITCHBOARD_BIN:-$ROOT/.build/debug/switchboard}"
OUTDIR="${AUTOBAHN_OUTDIR:-$ROOT/artifacts/autobahn}"
CASES="${AUTOBAHN_CASES:-[\"*\"]}"
EXCLUDE="${AUTOBAHN_EXCLUDE:-[\"12.*\",\"13.*\"]}"
WSTEST_TIMEOUT="${AUTOBAHN_TIMEOUT:-900}"

fail() { echo "autobahn: FAIL: $*" >&2; exit 1; }

# 1. Python 2.7 (wstest 0.8.2 runs on nothing newer).
PY=""
for candidate in /root/.pyenv/versions/2.7.18/bin/python "$(command -v python2.7 || true)"; do
  if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
    PY="$candidate"
    break
  fi
done
[[ -n "$PY" ]] || fail "Python 2.7 not found (looked for /root/.pyenv/versions/2.7.18/bin/python and python2.7 on PATH); the Autobahn|Testsuite needs it"
echo "python 2.7: $PY"

# 2. The suite, installed once into .autobahn/site.
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -f "$SITE/autobahntestsuite/wstest.py" ]] || [[ "$(cat "$CACHE/requirements.sha256" 2>/dev/null)" != "$wanted" ]]; then
  echo "installing autobahntestsuite 0.8.2 into $SITE"
  rm -rf "$SITE" "$CACHE/requirements.sha256"
  mkdir -p "$CACHE"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$SITE" -r "$REQUIREMENTS" || fail "pip could not install the Autobahn|Testsuite (see above)"
  echo "$wanted" > "$CACHE/requirements.sha256"
else
  echo "autobahntestsuite 0.8.2 already installed in $SITE"
fi
# wstest's entry point, with .autobahn/site added as a site folder (its .pth files make the `zope`
# namespace package importable, which a plain PYTHONPATH does not).
WSTEST_MAIN='import site, sys
site.addsitedir(sys.argv.pop(1))
from autobahntestsuite.wstest import run
sys.argv[0] = "wstest"
sys.exit(run())'
PYTHONDONTWRITEBYTECODE=1 "$PY" -W ignore -c "$WSTEST_MAIN" "$SITE" --help > /dev/null 2>&1 \
  || fail "wstest from $SITE does not start (delete .autobahn/ to reinstall): $(PYTHONDONTWRITEBYTECODE=1 "$PY" -W ignore -c "$WSTEST_MAIN" "$SITE" --help 2>&1 | tail -n 3)"

# 3. The server, on a free port.
[[ -x "$BIN" ]] || fail "server binary $BIN not found (build it: swift build --product switchboard)"
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
}
trap stop_server EXIT
SWITCHBOARD_LOG_LEVEL="${SWITCHBOARD_LOG_LEVEL:-warning}" "$BIN" conformance --port "$PORT" > "$OUTDIR/server.log" 2>&1 &
SERVER_PID=$!
ready=""
for _ in $(seq 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUTDIR/server.log" >&2; fail "switchboard conformance exited at start"; }
  if "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.1
done
[[ -n "$ready" ]] || fail "switchboard conformance did not listen on port $PORT within 10 s"
echo "switchboard conformance (pid $SERVER_PID) on ws://127.0.0.1:$PORT/echo"

# 4. wstest fuzzingclient, bounded in time.
sed -e "s|@OUTDIR@|$OUTDIR/reports/servers|" -e "s|@PORT@|$PORT|" -e "s|@EXCLUDE@|$EXCLUDE|" \
  "$HERE/spec.template.json" | "$PY" -c '
import json, sys
spec = json.load(sys.stdin)
spec["cases"] = json.loads(sys.argv[1])
json.dump(spec, open(sys.argv[2], "w"), indent=2)
' "$CASES" "$OUTDIR/fuzzingclient.json"
echo "cases $CASES, excluded $EXCLUDE; wstest log in $OUTDIR/wstest.log"
started=$SECONDS
status=0
(cd "$OUTDIR" && PYTHONDONTWRITEBYTECODE=1 timeout --kill-after=10 "$WSTEST_TIMEOUT" \
  "$PY" -W ignore -c "$WSTEST_MAIN" "$SITE" -m fuzzingclient -s "$OUTDIR/fuzzingclient.json") > "$OUTDIR/wstest.log" 2>&1 || status=$?
echo "wstest finished in $((SECONDS - started)) s (exit $status)"
if ((status == 124 || status == 137)); then
  tail -n 30 "$OUTDIR/wstest.log" >&2
  fail "wstest did not finish within ${WSTEST_TIMEOUT} s (AUTOBAHN_TIMEOUT)"
elif ((status != 0)); then
  tail -n 30 "$OUTDIR/wstest.log" >&2
  fail "wstest exited with status $status"
fi
kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$OUTDIR/server.log" >&2; fail "the server died during the run"; }

# 5. The verdict.
"$PY" "$HERE/summarize.py" "$OUTDIR/reports/servers/index.json" Switchboard || fail "Autobahn|Testsuite cases not accepted (report: $OUTDIR/reports/servers/index.html)"
