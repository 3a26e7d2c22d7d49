"""End to end: durability across kill -9. A 2xx means the alerts and their effects are committed;
undelivered outbox entries survive a crash and go out after the restart with the same webhook-id,
and re-sent alerts never declare a second incident.

Run: python3 tests/e2e/test_restart.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    severity: {default: SEV2}
    receivers: [hook]
"""


class RestartDurability(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("restart")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()))
        harness.failure_context = self.bridge.logs

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, status, instances):
        return http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                         am_payload(status, instances))

    def test_kill9_keeps_incident_and_delivers_outbox_after_restart(self):
        self.hook.fail_with = 503  # the receiver is down
        self.bridge.start()
        status, body = self.post("firing", ["db-1", "db-2"])
        self.assertEqual(status, 200, body)
        # The 2xx means it is committed: kill -9 at once, before anything else can happen.
        self.bridge.kill9()

        self.bridge.start()
        incidents = self.bridge.incidents()
        self.assertEqual(len(incidents), 1)
        incident = incidents[0]
        self.assertEqual(incident["state"], "declared")
        self.assertEqual(incident["priority"], "SEV2")
        self.assertEqual(incident["alerts_total"], 2)

        status, outbox = http_json("GET", self.bridge.base() + "/api/v1/outbox?state=pending")
        self.assertEqual(status, 200)
        self.assertEqual([e["event_id"] for e in outbox["entries"]], [incident["key"] + "_1"])

        # A repeat of the same notification after the restart changes nothing.
        self.assertEqual(self.post("firing", ["db-1", "db-2"])[0], 200)

        self.hook.fail_with = None  # the receiver comes back
        wait_for("declared event delivered after restart", lambda: self.hook.types())
        self.assertEqual([e["id"] for e in self.hook.events], [incident["key"] + "_1"])
        self.assertEqual(len(self.bridge.incidents()), 1)

        # kill -9 again after delivery: nothing is sent twice after the next restart.
        self.bridge.kill9()
        self.bridge.start()
        status, body = self.post("resolved", ["db-1", "db-2"])
        self.assertEqual(status, 200, body)
        wait_for("resolved event delivered", lambda: "resolved" in self.hook.types())
        # By default a receiver gets incident-level events, not per-alert member changes.
        timeline = self.bridge.incident(incident["id"])["timeline"]
        wanted = [f'{incident["key"]}_{e["seq"]}' for e in timeline
                  if e["type"] in ("declared", "resolved")]
        self.assertEqual(len(wanted), 2, timeline)
        ids = [e["id"] for e in self.hook.events]
        self.assertEqual(ids, wanted, "each event delivered exactly once, in order")

    def test_graceful_shutdown_exits_zero_and_keeps_state(self):
        self.bridge.start()
        self.assertEqual(self.post("firing", ["db-9"])[0], 200)
        self.assertEqual(self.bridge.stop(), 0)
        self.bridge.start()
        self.assertEqual(len(self.bridge.incidents()), 1)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
