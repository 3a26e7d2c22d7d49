"""End to end: `alertbridge backup FILE` while `serve` takes alerts. The copy is one consistent
snapshot that opens on its own (no WAL beside it), passes SQLite's integrity check, and holds every
alert acknowledged (2xx) before the backup started; ingest carries on during it. Exit codes as in
CONTRACTS.md "CLI": 0 written, 1 store error, 2 usage error.

Run: python3 tests/e2e/test_backup.py --alertbridge build/src/alertbridge"""

import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import unittest

import harness
from harness import Alertbridge, http_json, new_workdir

ALERTBRIDGE = None

RULES = """
rules:
  - name: backup
    match: ['alertname="BackupAlert"']
    group_by: [service]
"""


def fingerprints(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        labels = [json.loads(row[0]) for row in conn.execute("SELECT labels FROM alerts")]
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    return {l.get("instance") for l in labels}, check, mode


class Backup(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("backup")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, "receivers: []\n")
        harness.failure_context = self.bridge.logs

    def tearDown(self):
        self.bridge.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def backup(self, dest):
        return subprocess.run([ALERTBRIDGE, "backup", dest, "--config", self.bridge.config],
                              cwd=self.workdir, capture_output=True, text=True, timeout=120)

    def test_backup_during_ingest_holds_the_acknowledged_alerts(self):
        self.bridge.start()
        acked = []  # instances whose request was answered 2xx, in order
        stop = threading.Event()
        errors = []

        def ingest():
            n = 0
            while not stop.is_set():
                batch = [{"labels": {"alertname": "BackupAlert", "service": f"s{n % 7}",
                                     "instance": f"i{n}-{k}"}} for k in range(20)]
                status, body = http_json("POST", self.bridge.base() + "/api/v2/alerts", batch)
                if status != 200:
                    errors.append((status, body))
                    return
                acked.extend(a["labels"]["instance"] for a in batch)
                n += 1

        sender = threading.Thread(target=ingest)
        sender.start()
        try:
            harness.wait_for("alerts acknowledged", lambda: len(acked) >= 2000, timeout=60)
            before = set(acked)
            dest = os.path.join(self.workdir, "copy.db")
            result = self.backup(dest)
            count_at_end = len(acked)
            harness.wait_for("ingest carries on after the backup",
                             lambda: len(acked) > count_at_end, timeout=30)
        finally:
            stop.set()
            sender.join()
        self.assertEqual(errors, [])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertFalse(os.path.exists(dest + "-wal"))
        in_copy, check, mode = fingerprints(dest)
        self.assertEqual(check, "ok")
        self.assertEqual(mode, "delete")
        self.assertEqual(before - in_copy, set(), "acknowledged alerts missing from the backup")
        # A consistent snapshot: whatever it holds was acknowledged or in flight, nothing else.
        self.assertEqual(in_copy - set(acked), set())

        # The copy is a database alertbridge starts from.
        restored = Alertbridge(ALERTBRIDGE, os.path.join(self.workdir, "restored"), RULES,
                               "receivers: []\n")
        os.makedirs(os.path.join(restored.workdir, "data"))
        shutil.copy(dest, os.path.join(restored.workdir, "data", "alertbridge.db"))
        restored.start()
        try:
            status, body = http_json("GET", restored.base() + "/api/v1/incidents?limit=100")
            self.assertEqual(status, 200, body)
            self.assertEqual(len(body["incidents"]), 7)
        finally:
            restored.stop()

    def test_exit_codes(self):
        # No database yet: a store error, nothing written.
        dest = os.path.join(self.workdir, "none.db")
        result = self.backup(dest)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("no database", result.stderr)
        self.assertFalse(os.path.exists(dest))
        # No FILE: a usage error.
        result = subprocess.run([ALERTBRIDGE, "backup"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)


if __name__ == "__main__":
    harness.run(__import__(__name__))
