#!/usr/bin/env python3
"""Ingest latency while the outbox is busy (issue 13 item 1), for one or two alertbridge binaries
side by side (e.g. before and after a change), printed as figures and ratios.

Scenarios, each on a fresh database:
  idle      a webhook (1 new alert per request, sequential) with nothing else going on;
  backlog   the same while a down receiver's backlog of N entries (default 1,500) is retried
            (circuit breaker off, backoff 100 ms..1 s: the worst case for the worker);
  burst     requests of 400 new alerts each (one incident per alert) to the default console
            receiver plus the down receiver: the longest answer, and whether every request was
            answered within the client timeout (60 s).

Usage: bench/outbox_backlog.py BINARY [BASELINE_BINARY] [--seconds S] [--backlog N]
Only loopback traffic; bounded in time. Not a test: it asserts nothing, it prints.
"""

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.error

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402
from harness import WEBHOOK_SECRET, Alertbridge, WebhookReceiver, http_json, wait_for  # noqa: E402

RULES = """
rules:
  - name: storm
    match: ['alertname="Storm"']
    group_by: [service]
    severity: {default: SEV3}
    receivers: [console, down, up]
"""


def receivers(up_url):
    return f"""receivers:
  - name: console
    type: console
  - name: down
    type: webhook
    url: http://127.0.0.1:{harness.free_port()}/nobody-listens
    secret: env:E2E_WEBHOOK_SECRET
    timeout: 2s
    retry: {{max_attempts: 1000000, initial_backoff: 100ms, max_backoff: 1s}}
    circuit_breaker: {{failures: 1000000}}
  - name: up
    type: webhook
    url: {up_url}
    secret: env:E2E_WEBHOOK_SECRET
"""


def alerts(services):
    return {"receiver": "bridge", "status": "firing", "version": "4",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://am:9093", "groupKey": "{}", "truncatedAlerts": 0,
            "alerts": [{"status": "firing",
                        "labels": {"alertname": "Storm", "service": s, "instance": "i"},
                        "annotations": {}, "startsAt": "2026-11-22T22:44:03Z",
                        "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
                        "fingerprint": ""} for s in services]}


def post(bridge, services, timeout):
    t = time.monotonic()
    try:
        code, _ = http_json("POST", bridge.base() + "/api/v1/alerts/alertmanager",
                            alerts(services), timeout=timeout)
    except (urllib.error.URLError, OSError):
        code = None
    return code, time.monotonic() - t


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))] * 1000 if v else float("nan")


def run(binary, seconds, backlog):
    out = {}
    for scenario in ("idle", "backlog", "burst"):
        workdir = tempfile.mkdtemp(prefix="ab-bench-outbox-")
        up = WebhookReceiver()
        bridge = Alertbridge(binary, workdir, RULES, receivers(up.url()))
        try:
            bridge.start()
            if scenario == "backlog":
                for i in range(0, backlog, 250):
                    post(bridge, [f"b-{j}" for j in range(i, min(backlog, i + 250))], 60)
                try:
                    wait_for("the backlog's first deliveries", lambda: len(up.events) >= backlog,
                             timeout=120)
                except AssertionError:
                    print(f"{binary}: the healthy receiver got {len(up.events)} of {backlog} "
                          "events in 120 s", file=sys.stderr)
            if scenario == "burst":
                answers = []
                threads = [threading.Thread(target=lambda k=k: answers.append(post(
                    bridge, [f"s{k}-{j}" for j in range(400)], 60))) for k in range(6)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                ok = sum(1 for code, _ in answers if code == 200)
                out["burst"] = (max(lat for _, lat in answers), ok, len(answers))
                continue
            lat = []
            deadline = time.monotonic() + seconds
            n = 0
            while time.monotonic() < deadline:
                code, t = post(bridge, [f"w-{n}"], 60)
                n += 1
                if code == 200:
                    lat.append(t)
            out[scenario] = (pct(lat, 0.5), pct(lat, 0.99), len(lat))
        finally:
            bridge.stop()
            up.close()
            shutil.rmtree(workdir, ignore_errors=True)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("baseline", nargs="?")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--backlog", type=int, default=1500)
    args = parser.parse_args()
    os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    runs = [("this", args.binary)] + ([("baseline", args.baseline)] if args.baseline else [])
    results = {name: run(os.path.abspath(b), args.seconds, args.backlog) for name, b in runs}
    for name, r in results.items():
        print(f"{name}: webhook p50/p99 idle {r['idle'][0]:.1f}/{r['idle'][1]:.1f} ms "
              f"({r['idle'][2]} requests); with a {args.backlog}-entry backlog retried "
              f"{r['backlog'][0]:.1f}/{r['backlog'][1]:.1f} ms ({r['backlog'][2]} requests); "
              f"burst of 6x400 new incidents: longest answer {r['burst'][0]:.2f} s, "
              f"{r['burst'][1]}/{r['burst'][2]} answered 200 within 60 s")
    if args.baseline:
        a, b = results["this"], results["baseline"]
        print(f"ratio this/baseline: p99 with backlog {a['backlog'][1] / b['backlog'][1]:.2f}, "
              f"longest burst answer {a['burst'][0] / b['burst'][0]:.2f}")


if __name__ == "__main__":
    main()
