#!/usr/bin/env python3
"""Registration, login and message:send acknowledgement latency of a running `switchboard serve`.

Usage: scripts/chat-latency.py [base-url]   (default http://127.0.0.1:3000; needs requests and
python-socketio, e.g. /work/main/.venv-helpers/bin/python). Registers 5 fresh users, each sends 20
messages (the per-user burst) to `general`.
"""
import secrets
import statistics
import sys
import time

import requests
import socketio

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000"
prefix = "lat" + secrets.token_hex(3)
registrations, tokens = [], []
for i in range(5):
    started = time.perf_counter()
    reply = requests.post(f"{base}/api/register", json={"username": f"{prefix}{i}", "password": "password-123"})
    registrations.append(time.perf_counter() - started)
    tokens.append(reply.json()["token"])
started = time.perf_counter()
requests.post(f"{base}/api/login", json={"username": f"{prefix}0", "password": "password-123"}).raise_for_status()
login = time.perf_counter() - started
latencies = []
for token in tokens:
    client = socketio.Client()
    client.connect(base, auth={"token": token}, transports=["websocket"])
    client.call("rooms:join", {"roomId": "r_general"})
    for k in range(20):
        started = time.perf_counter()
        answer = client.call("message:send", {"roomId": "r_general", "clientMessageId": f"{token[-8:]}-{k}", "text": "hello"})
        latencies.append(time.perf_counter() - started)
        assert answer["ok"], answer
    client.disconnect()
latencies.sort()
print(f"register median {statistics.median(registrations) * 1000:.0f} ms, login {login * 1000:.0f} ms")
print(f"message:send ack over {len(latencies)} sends: p50 {latencies[len(latencies) // 2] * 1000:.2f} ms, "
      f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.2f} ms")
