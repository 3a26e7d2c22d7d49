"""End to end: the same alert group arriving many times at once (batches milliseconds apart, or two
Alertmanager HA peers sending the same group) declares one incident and delivers one `declared`
event per receiver.

Run: python3 tests/e2e/test_concurrency.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import threading
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    severity: {default: SEV2}
    receivers: [hook-a, hook-b]
"""

RECEIVERS = """
receivers:
  - {{name: hook-a, type: webhook, url: "{a}", secret: env:E2E_WEBHOOK_SECRET}}
  - {{name: hook-b, type: webhook, url: "{b}", secret: env:E2E_WEBHOOK_SECRET}}
"""

SENDERS = 24


class ConcurrentBatches(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("concurrency")
        self.a = WebhookReceiver()
        self.b = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  RECEIVERS.format(a=self.a.url(), b=self.b.url()))
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        self.bridge.stop()
        self.a.close()
        self.b.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post_all_at_once(self, payloads):
        """Posts every payload from its own thread, all released together by a barrier."""
        barrier = threading.Barrier(len(payloads))
        statuses = [None] * len(payloads)

        def send(i):
            barrier.wait()
            statuses[i] = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                    payloads[i], timeout=30)[0]

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(payloads))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(statuses, [200] * len(payloads))

    def check_one_declared_each(self):
        incidents = self.bridge.incidents()
        self.assertEqual(len(incidents), 1, incidents)
        key = incidents[0]["key"]
        wait_for("declared delivered to both receivers",
                 lambda: "declared" in self.a.types() and "declared" in self.b.types())
        wait_for("outbox settled", self.bridge.settled)
        for hook in (self.a, self.b):
            declared = [e["id"] for e in hook.events if e["body"]["type"] == "declared"]
            self.assertEqual(declared, [key + "_1"])
            self.assertEqual(len(hook.ids()), len(set(hook.ids())), "an event delivered twice")
        timeline = self.bridge.incident(incidents[0]["id"])["timeline"]
        self.assertEqual([e["type"] for e in timeline].count("declared"), 1, timeline)
        return incidents[0]

    def test_same_batch_posted_concurrently_declares_once(self):
        self.post_all_at_once([am_payload("firing", ["db-1", "db-2"])] * SENDERS)
        incident = self.check_one_declared_each()
        self.assertEqual(incident["alerts_total"], 2)

    def test_ha_peers_sending_the_same_group_declare_once(self):
        # Two Alertmanager peers see the group at slightly different moments: one knows db-1,
        # the other db-1 and db-2. Both notify, many times, at once.
        peer_a = am_payload("firing", ["db-1"])
        peer_b = am_payload("firing", ["db-1", "db-2"])
        self.post_all_at_once([peer_a, peer_b] * (SENDERS // 2))
        incident = self.check_one_declared_each()
        self.assertEqual(incident["alerts_total"], 2)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
