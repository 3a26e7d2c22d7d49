"""`alertbridge serve` under a service manager, seen from outside (issue 15 items 5 and 11):

- the sd_notify protocol on a NOTIFY_SOCKET the test owns, as systemd would read it for the
  unit's Type=notify and WatchdogSec: READY=1 once ready, WATCHDOG=1 pings from the engine loop
  while idle, RELOADING=1 with MONOTONIC_USEC on SIGHUP then READY=1 again, STOPPING=1 on SIGTERM;
- with no `external_url` configured, incident links follow `serve --listen`, not port 9095.

Run: python3 tests/ship/test_service.py --alertbridge build/src/alertbridge"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402
from harness import free_port, http_json, wait_for  # noqa: E402

ALERTBRIDGE = None
WATCHDOG_USEC = 3_000_000  # the unit says 30s; short here so the pings come quickly


class NotifySocket:
    """The service manager's end of sd_notify: a datagram socket collecting messages."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.05)
        self.messages = []  # (monotonic seconds received, {key: value})

    def poll(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except (socket.timeout, BlockingIOError):
                return self.messages
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def count(self, key):
        return sum(1 for _, m in self.poll() if key in m)

    def close(self):
        self.sock.close()


class ServeUnderSystemd(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="alertbridge-service-")
        self.port = free_port()
        os.makedirs(os.path.join(self.dir, "rules"))
        os.makedirs(os.path.join(self.dir, "receivers"))
        with open(os.path.join(self.dir, "rules", "r.yml"), "w") as f:
            f.write("rules:\n  - {name: page, match: ['severity=\"critical\"'], "
                    "group_by: [service], receivers: [console]}\n")
        with open(os.path.join(self.dir, "receivers", "r.yml"), "w") as f:
            f.write("receivers:\n  - {name: console, type: console}\n")
        # No listen and no external_url: both come from the command line's --listen.
        self.config = os.path.join(self.dir, "alertbridge.yml")
        with open(self.config, "w") as f:
            f.write("storage: {sqlite: {path: data/alertbridge.db}}\n")
        self.notify = NotifySocket(self.dir)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        env.pop("WATCHDOG_PID", None)
        self.log = open(os.path.join(self.dir, "alertbridge.log"), "wb")
        self.proc = subprocess.Popen(
            [ALERTBRIDGE, "serve", "--config", self.config, "--listen", f"127.0.0.1:{self.port}"],
            cwd=self.dir, env=env, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        harness.failure_context = self.logs

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.notify.close()
        harness.failure_context = None

    def logs(self):
        with open(os.path.join(self.dir, "alertbridge.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def test_notify_protocol_ready_watchdog_reload_stopping(self):
        wait_for("READY=1", lambda: self.notify.count("READY") >= 1, timeout=20)
        # Ready means serving: the port answers at once.
        self.assertEqual(http_json("GET", self.base() + "/-/ready")[0], 200)
        ready = next(m for _, m in self.notify.poll() if "READY" in m)
        self.assertEqual(ready["READY"], "1")
        self.assertIn(str(self.port), ready.get("STATUS", ""))

        # Idle, the engine loop still comes round and pings well within the watchdog interval.
        wait_for("four watchdog pings", lambda: self.notify.count("WATCHDOG") >= 4, timeout=20)
        pings = [t for t, m in self.notify.poll() if m.get("WATCHDOG") == "1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        self.assertLess(max(gaps), WATCHDOG_USEC / 1e6 / 2, gaps)

        before_us = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.proc.send_signal(signal.SIGHUP)
        wait_for("RELOADING=1 then READY=1", lambda: self.ready_after_reload(), timeout=20)
        reloading = next(m for _, m in self.notify.poll() if "RELOADING" in m)
        after_us = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        # systemd (>= 253) requires MONOTONIC_USEC with RELOADING=1, on CLOCK_MONOTONIC.
        self.assertEqual(reloading["RELOADING"], "1")
        self.assertTrue(before_us <= int(reloading["MONOTONIC_USEC"]) <= after_us, reloading)
        self.assertEqual(http_json("GET", self.base() + "/-/ready")[0], 200)

        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=30), 0, self.logs())
        self.assertEqual(self.notify.count("STOPPING"), 1)
        kinds = [next(iter(m)) for _, m in self.notify.poll() if "WATCHDOG" not in m]
        self.assertEqual(kinds, ["READY", "RELOADING", "READY", "STOPPING"])

    def ready_after_reload(self):
        keys = [k for _, m in self.notify.poll() for k in m if k in ("READY", "RELOADING")]
        return keys[-2:] == ["RELOADING", "READY"]

    def test_links_follow_the_listen_flag_without_external_url(self):
        wait_for("ready", lambda: http_json("GET", self.base() + "/-/ready", timeout=1)[0] == 200,
                 timeout=20)
        status, body = http_json("POST", self.base() + "/api/v2/alerts", [
            {"labels": {"alertname": "Down", "service": "db", "severity": "critical"},
             "annotations": {"summary": "db down"}}])
        self.assertEqual(status, 200, body)
        incidents = wait_for("an incident", lambda: self.incidents(), timeout=20)
        self.assertTrue(incidents[0]["url"].startswith(f"http://127.0.0.1:{self.port}/"),
                        incidents[0]["url"])
        # The console receiver prints the event envelope: its link follows the port too.
        wait_for("the declared event delivered", lambda: self.delivered(), timeout=20)
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        with open(os.path.join(self.dir, "alertbridge.log")) as f:
            events = [json.loads(line) for line in f if line.startswith("{")]
        self.assertTrue(events, self.logs())
        self.assertTrue(events[0]["incident"]["url"].startswith(f"http://127.0.0.1:{self.port}/"))

    def delivered(self):
        status, body = http_json("GET", self.base() + "/api/v1/outbox?state=delivered")
        return status == 200 and body["entries"]

    def incidents(self):
        status, body = http_json("GET", self.base() + "/api/v1/incidents")
        return status == 200 and body["incidents"]


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
