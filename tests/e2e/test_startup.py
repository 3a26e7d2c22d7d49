"""End to end: one writer per database, and the port before the database (issue 13 item 10).

A second `serve` on the same SQLite file is refused with "database in use by pid N" and the first
one carries on undisturbed; a `serve` whose port is taken exits before it has touched the
database.

Run: python3 tests/e2e/test_startup.py --alertbridge build/src/alertbridge"""

import os
import shutil
import socket
import subprocess
import sys
import unittest

import harness
from harness import Alertbridge, am_payload, http_json, new_workdir

ALERTBRIDGE = None

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    receivers: [console]
"""
RECEIVERS = "receivers:\n  - {name: console, type: console}\n"


def run_serve(workdir, config, timeout=20):
    """Runs `serve` to its exit (it is expected to refuse to start); returns (code, output)."""
    proc = subprocess.run([ALERTBRIDGE, "serve", "--config", config], cwd=workdir,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
    return proc.returncode, (proc.stdout + proc.stderr).decode(errors="replace")


class Startup(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("startup")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, RECEIVERS)
        harness.failure_context = self.bridge.logs

    def tearDown(self):
        self.bridge.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, bridge, instances):
        return http_json("POST", bridge.base() + "/api/v1/alerts/alertmanager",
                         am_payload("firing", instances))

    def test_a_second_serve_on_the_same_database_is_refused(self):
        self.bridge.start()
        self.assertEqual(self.post(self.bridge, ["db-1"])[0], 200)
        # The same config on another port: same database file.
        second_dir = new_workdir("startup-second")
        self.addCleanup(shutil.rmtree, second_dir, True)
        second = Alertbridge(ALERTBRIDGE, second_dir, RULES, RECEIVERS)
        db = os.path.join(self.workdir, "data", "alertbridge.db")
        with open(second.config, "w") as f:
            f.write(f"listen: 127.0.0.1:{second.port}\nstorage: {{sqlite: {{path: {db}}}}}\n"
                    "rules: [rules/]\nreceivers: [receivers/]\n")
        code, output = run_serve(second_dir, second.config)
        self.assertEqual(code, 1, output)
        self.assertIn(f"database in use by pid {self.bridge.proc.pid}", output)
        # The first one never noticed.
        self.assertEqual(self.post(self.bridge, ["db-2"])[0], 200)
        status, _ = http_json("GET", self.bridge.base() + "/-/ready")
        self.assertEqual(status, 200)
        incidents = self.bridge.incidents()
        self.assertEqual(len(incidents), 1)
        self.assertEqual(incidents[0]["alerts_total"], 2)

    def test_a_serve_that_cannot_bind_never_touches_the_database(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", self.bridge.port))
            taken.listen(1)
            code, output = run_serve(self.workdir, self.bridge.config)
        self.assertEqual(code, 1, output)
        self.assertIn("cannot bind", output)
        data = os.path.join(self.workdir, "data")
        touched = os.listdir(data) if os.path.exists(data) else []
        self.assertEqual(touched, [], "the database folder was touched")


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
