"""End to end: store faults under load (issue 13 proof 2). While commits fail, alerts are
answered 503 with Retry-After and a message without file paths or SQL, nothing unstored is
acknowledged, and /-/ready says so; once the store takes writes again the service is ready by
itself (no ingest needed: a load balancer sends none to an unready pod), the senders' retries are
accepted, and no incident lacks its events.

Faults: SQLite's write lock held by another connection for 6 s (longer than the 5 s busy
timeout), and a full disk: tests/tools/fault_fs.so (LD_PRELOAD) fails writes and syncs of the
database files while a trigger file exists.

Run: python3 tests/e2e/test_store_faults.py --alertbridge build/src/alertbridge \\
         --fault-fs build/tests/tools/fault_fs.so"""

import os
import shutil
import sqlite3
import sys
import threading
import time
import unittest

import harness
import store_checks
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None
FAULT_FS = None
CYCLES = 1  # fault cycles per test (tests/soak/store_faults.sh runs more)

# Every instance its own incident, so that a lost declaration shows as an incident without one.
RULES = """
rules:
  - name: host-down
    match: ['alertname="DiskFull"']
    group_by: [instance]
    receivers: [hook]
"""


class StoreFaults(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("store-faults")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()))
        self.db = os.path.join(self.workdir, "data", "alertbridge.db")
        harness.failure_context = self.bridge.logs
        self.acked = []
        self.refused = []

    def tearDown(self):
        for name in ("LD_PRELOAD", "AB_FAULT_FS_FILES", "AB_FAULT_FS_TRIGGER"):
            os.environ.pop(name, None)
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, instance):
        """One alert; records whether it was acknowledged. Every refusal must be a clean 503."""
        started = time.monotonic()
        status, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                 am_payload("firing", [instance]), timeout=15)
        if status == 200:
            self.acked.append(instance)
            return True
        self.assertEqual(status, 503, body)
        text = str(body)
        self.assertNotIn(self.workdir, text, "the answer names the database file")
        for sql in ("INSERT", "UPDATE", "SELECT", "sqlite"):
            self.assertNotIn(sql, text, "the answer carries SQL or SQLite's own message")
        # The busy timeout (5 s) bounds a refusal, with room for a loaded machine.
        self.assertLess(time.monotonic() - started, 15, "a refusal took too long")
        self.refused.append(instance)
        return False

    def ready(self):
        return http_json("GET", self.bridge.base() + "/-/ready", timeout=2)[0] == 200

    def retry_refused_and_check(self):
        wait_for("ready again without any ingest", self.ready, timeout=20)
        refused, self.refused = self.refused, []
        for instance in refused:  # the senders retry what was refused
            wait_for(f"{instance} accepted on retry", lambda i=instance: self.post(i), timeout=20)
        incidents = store_checks.check_consistent(self, self.bridge, self.acked, "hook")
        keys = {inc["key"] + "_1" for inc in incidents}
        wait_for("every declaration delivered", lambda: keys <= set(self.hook.ids()), timeout=30)
        store_checks.check_one_key_per_event(self, self.hook)

    def test_write_lock_held_by_another_connection_for_six_seconds(self):
        self.bridge.start()
        for i in range(5):
            self.assertTrue(self.post(f"before-{i}"))
        for cycle in range(CYCLES):
            self.hold_write_lock_for_six_seconds(cycle)
            self.retry_refused_and_check()

    def hold_write_lock_for_six_seconds(self, cycle):
        # Deliveries done first: the outbox worker's marks share the writer connection and would
        # add their own busy wait to the first refusal's.
        wait_for("outbox settled", self.bridge.settled, timeout=30)
        holder = sqlite3.connect(self.db, timeout=10, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock, as a backup or a stray tool would
        released = threading.Event()

        def release_after_six_seconds():
            threading.Event().wait(6)  # the fault's duration, not a wait for a result
            holder.execute("ROLLBACK")
            holder.close()
            released.set()

        threading.Thread(target=release_after_six_seconds, daemon=True).start()
        n = 0
        while not released.is_set():
            self.post(f"during-{cycle}-{n}")
            n += 1
            released.wait(0.05)  # paces the load: about 20 alerts a second
        self.assertTrue(self.refused, "nothing was refused while the write lock was held")

    def test_full_disk_then_space_again(self):
        if not FAULT_FS:
            self.skipTest("--fault-fs not given")
        trigger = os.path.join(self.workdir, "disk-full")
        os.environ["LD_PRELOAD"] = FAULT_FS
        os.environ["AB_FAULT_FS_FILES"] = f"{self.db}:{self.db}-wal"
        os.environ["AB_FAULT_FS_TRIGGER"] = trigger
        self.bridge.start()
        for i in range(5):
            self.assertTrue(self.post(f"before-{i}"))
        for cycle in range(CYCLES):
            open(trigger, "w").close()  # the disk is full from now on
            for i in range(20):
                self.post(f"full-{cycle}-{i}")
            self.assertEqual(len(self.refused), 20, "a write to a full disk was acknowledged")
            wait_for("not ready while the disk is full", lambda: not self.ready(), timeout=10)
            self.assertEqual(self.bridge.proc.poll(), None, "alertbridge died")
            os.remove(trigger)  # space again
            self.retry_refused_and_check()


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--fault-fs")
    parser.add_argument("--cycles", type=int, default=CYCLES)
    args, rest = parser.parse_known_args()
    CYCLES = args.cycles
    FAULT_FS = os.path.abspath(args.fault_fs) if args.fault_fs else None
    sys.argv = [sys.argv[0]] + rest
    harness.run(sys.modules[__name__])
