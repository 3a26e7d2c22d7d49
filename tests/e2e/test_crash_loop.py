"""End to end: kill -9 at random moments during sustained ingest (issue 13 proof 1). After each
restart: every alert that got a 2xx is stored, every incident has its `declared` event and its
outbox entry, every event is delivered in the end, and the signed webhook receiver never sees a
second idempotency key for one event.

CI runs 5 kills; the soak run (tests/soak/crash_loop.sh) 20 or more:
  python3 tests/e2e/test_crash_loop.py --alertbridge build/src/alertbridge --kills 20"""

import os
import random
import shutil
import sys
import threading
import unittest
import urllib.error

import harness
import store_checks
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None
KILLS = 5

# New groups all the time: some requests declare incidents, others join them, so a kill
# lands on every kind of commit.
RULES = """
rules:
  - name: service-down
    match: ['alertname="DiskFull"']
    group_by: [service]
    receivers: [hook]
"""


class Sender(threading.Thread):
    """Posts alerts as fast as answers come (a few per request, new instances every time) and
    records the instances of every request answered 2xx."""

    def __init__(self, bridge):
        super().__init__(daemon=True)
        self.bridge = bridge
        self.stop = threading.Event()
        self.acked = []
        self.requests = 0
        self.lock = threading.Lock()

    def run(self):
        n = 0
        while not self.stop.is_set():
            instances = [f"i-{n + k}" for k in range(3)]
            service = f"svc-{n // 15}"  # a new incident every 5 requests
            n += 3
            try:
                status, _ = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                      am_payload("firing", instances, service=service), timeout=10)
            except (OSError, urllib.error.URLError, ValueError):
                continue  # killed mid-request, or not listening yet: not acknowledged
            with self.lock:
                self.requests += 1
                if status == 200:
                    self.acked += instances


class CrashLoop(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("crash-loop")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()))
        harness.failure_context = self.bridge.logs

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_kill9_at_random_moments_during_ingest(self):
        rng = random.Random(int(os.environ.get("AB_CRASH_LOOP_SEED", "0")) or None)
        self.bridge.start()
        sender = Sender(self.bridge)
        sender.start()
        for kill in range(KILLS):
            requests = sender.requests
            # Let some ingest happen, then kill at a random moment of it.
            wait_for("ingest under way", lambda r=requests: sender.requests > r + 5, timeout=30)
            threading.Event().wait(rng.uniform(0.0, 0.5))  # the random moment, not a result
            self.bridge.kill9()
            self.bridge.start()
        wait_for("ingest after the last restart",
                 lambda r=sender.requests: sender.requests > r + 5, timeout=30)
        sender.stop.set()
        sender.join(30)
        with sender.lock:
            acked = list(sender.acked)
        self.assertTrue(acked)

        incidents = store_checks.check_consistent(self, self.bridge, acked, "hook")
        print(f"{KILLS} kills: {sender.requests} requests answered, {len(acked)} alerts "
              f"acknowledged, {len(incidents)} incidents", file=sys.stderr)
        wait_for("every outbox entry delivered", self.bridge.settled, timeout=60)
        delivered = set(self.hook.ids())
        for inc in incidents:
            self.assertIn(inc["key"] + "_1", delivered, f"declaration of {inc['key']} not sent")
        store_checks.check_one_key_per_event(self, self.hook)
        # Once more after a last kill: the state read back is the same.
        self.bridge.kill9()
        self.bridge.start()
        store_checks.check_consistent(self, self.bridge, acked, "hook")


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int,
                        default=int(os.environ.get("AB_CRASH_LOOP_KILLS", KILLS)))
    args, rest = parser.parse_known_args()
    KILLS = args.kills
    sys.argv = [sys.argv[0]] + rest
    harness.run(sys.modules[__name__])
