#!/usr/bin/env python3
"""Slow and idle clients against a real `alertbridge serve` (issue 13, proof 5 and defect 6).

While 500 idle keep-alive connections, 20 slowloris clients (a header byte now and then) and 5
slow-body clients (a body byte now and then) are connected, a normal Alertmanager webhook sender
posts alerts; its latency is measured against a run without them. Then one address opens 1,024
keep-alive connections, and an Alertmanager from another address must still be served (before
the fix it got 503, as did everyone).

The hostile clients come from their own loopback addresses (127.0.1.x, ...): all of 127.0.0.0/8
is loopback on Linux, and the server caps connections per address.

  python3 tests/soak/slow_clients.py --alertbridge build/src/alertbridge            # figures
  python3 tests/soak/slow_clients.py --alertbridge build/src/alertbridge --check    # ctest

The soak run (default) measures 3,000 requests per phase with the default timeouts and prints
p50/p99/max; it asserts only that every normal request succeeded. --check (ctest
e2e_slow_clients, ~20 s) uses short server timeouts and asserts correctness: every normal request
answered 2xx while the hostile clients were connected, each slowloris and slow-body client and the
idle connections closed by the server, and Alertmanager served through the 1,024-connection flood.
No timing is asserted."""

import argparse
import http.client
import json
import os
import select
import shutil
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402
from harness import Alertbridge, new_workdir, wait_for  # noqa: E402

RULES = "rules:\n  - {name: soak, match: ['alertname=\"Soak\"'], group_by: [alertname]}\n"
RECEIVERS = "receivers:\n  - {name: out, type: console}\n"
ALERTMANAGER_ADDRESS = "127.0.0.2"


def webhook_body(i):
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "bridge", "groupKey": "k",
        "groupLabels": {"alertname": "Soak"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://am:9093", "truncatedAlerts": 0,
        "alerts": [{"status": "firing",
                    "labels": {"alertname": "Soak", "instance": f"i{i % 50}"},
                    "annotations": {}, "startsAt": "2026-01-01T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z"}]}).encode()


def connect(port, source):
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    """One Content-Length framed response: (status, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a response")
        rest += chunk
    return int(head[9:12]), rest[:length]


def closed_by_peer(s):
    """True when the server has closed `s` (readable with no data, or reset)."""
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(65536, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Hostile:
    """Slowloris and slow-body clients trickling bytes from a thread; each one the server closes
    is counted and replaced, as a real attacker would."""

    def __init__(self, port, slowloris, slow_body, interval):
        self.port, self.interval = port, interval
        self.kinds = ["slowloris"] * slowloris + ["slow-body"] * slow_body
        self.sockets = [self._open(k, i) for i, k in enumerate(self.kinds)]
        self.closed = {"slowloris": 0, "slow-body": 0}
        self.closed_slots = set()  # which clients were closed at least once
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _open(self, kind, i):
        s = connect(self.port, f"127.0.2.{i + 1}" if kind == "slowloris" else f"127.0.3.{i + 1}")
        if kind == "slowloris":
            s.sendall(b"POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: t\r\n")
        else:
            s.sendall(b"POST /api/v1/alerts/alertmanager HTTP/1.1\r\nHost: t\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        return s

    def _run(self):
        while not self.stop.wait(self.interval):
            for i, kind in enumerate(self.kinds):
                s = self.sockets[i]
                try:
                    if closed_by_peer(s):
                        raise ConnectionError
                    s.sendall(b"X-Slow: 1\r\n" if kind == "slowloris" else b" ")
                except OSError:
                    self.closed[kind] += 1
                    self.closed_slots.add(i)
                    s.close()
                    try:
                        self.sockets[i] = self._open(kind, i)
                    except OSError:
                        pass

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.sockets:
            s.close()


def open_idle(port, count, addresses):
    """`count` keep-alive connections that each made one request and now wait."""
    idle = []
    for i in range(count):
        s = connect(port, addresses[i % len(addresses)])
        s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n")
        status, _ = read_response(s)
        assert status == 200, status
        idle.append(s)
    return idle


def measure(port, requests):
    """Sequential webhook posts on one keep-alive connection from Alertmanager's address:
    latencies in ms, and the statuses that were not 2xx."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                      source_address=(ALERTMANAGER_ADDRESS, 0))
    latencies, failures = [], []
    for i in range(requests):
        start = time.perf_counter()
        conn.request("POST", "/api/v1/alerts/alertmanager", body=webhook_body(i),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        latencies.append((time.perf_counter() - start) * 1000)
        if not 200 <= resp.status < 300:
            failures.append(resp.status)
    conn.close()
    return latencies, failures


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def summary(name, latencies):
    return (f"{name:<28} n={len(latencies):5d}  p50={percentile(latencies, 50):6.2f} ms  "
            f"p99={percentile(latencies, 99):6.2f} ms  max={max(latencies):7.2f} ms")


def flood_from_one_address(port):
    """1,024 keep-alive connections from one address; then Alertmanager's requests."""
    flood, refused = [], 0
    for _ in range(1024):
        s = connect(port, "127.0.4.1")
        s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n")
        status, _ = read_response(s)
        refused += status == 503
        flood.append(s)
    served = []
    for _ in range(20):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                          source_address=(ALERTMANAGER_ADDRESS, 0))
        conn.request("POST", "/api/v1/alerts/alertmanager", body=webhook_body(0),
                     headers={"Content-Type": "application/json"})
        served.append(conn.getresponse().status)
        conn.close()
    for s in flood:
        s.close()
    return refused, served


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alertbridge", required=True)
    parser.add_argument("--check", action="store_true", help="the short ctest version")
    parser.add_argument("--requests", type=int, default=None)
    args = parser.parse_args()
    requests = args.requests or (300 if args.check else 3000)
    # Short timeouts in --check, so that the server's closing of each hostile client is seen.
    server = ("server: {header_timeout: 2s, body_timeout: 3s, idle_timeout: 4s}\n"
              if args.check else "")
    workdir = new_workdir("slow-clients")
    bridge = Alertbridge(os.path.abspath(args.alertbridge), workdir, RULES, RECEIVERS, server)
    bridge.start()
    harness.failure_context = bridge.logs
    problems = []
    try:
        measure(bridge.port, 50)  # warm up: the incident is declared, the pages are cached
        quiet, failures = measure(bridge.port, requests)
        problems += [f"quiet phase: status {s}" for s in failures]

        idle = open_idle(bridge.port, 500, [f"127.0.1.{i}" for i in range(1, 6)])
        hostile = Hostile(bridge.port, slowloris=20, slow_body=5, interval=0.5)
        loaded, failures = measure(bridge.port, requests)
        problems += [f"with hostile clients: status {s}" for s in failures]
        print(summary("no hostile clients", quiet))
        print(summary("500 idle + 20 slowloris + 5", loaded))
        print(f"p99 difference: {percentile(loaded, 99) - percentile(quiet, 99):+.2f} ms")

        if args.check:
            # Each slowloris and slow-body client is closed by the server (header and body
            # timeouts), and so is every idle connection (idle timeout).
            wait_for("every slowloris and slow-body client closed at least once",
                     lambda: len(hostile.closed_slots) == len(hostile.kinds), timeout=20)
            wait_for("the idle connections closed",
                     lambda: all(closed_by_peer(s) for s in idle), timeout=20)
        print(f"hostile clients closed by the server: {hostile.closed}")
        hostile.close()
        for s in idle:
            s.close()

        refused, served = flood_from_one_address(bridge.port)
        print(f"1,024 connections from one address: {refused} refused (cap 256 per address); "
              f"Alertmanager from another address: {served.count(200)}/{len(served)} served")
        if any(status != 200 for status in served):
            problems.append(f"Alertmanager during the flood got {served}")
        if refused != 1024 - 256:
            problems.append(f"the flood had {1024 - refused} connections, expected 256")
    finally:
        bridge.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
