"""End to end: durability across kill -9. A 2xx means the alerts and their effects are committed;
undelivered outbox entries survive a crash and go out after the restart with the same webhook-id,
and re-sent alerts never declare a second incident.

Downtime is not silence: after a stop longer than `stale_after`, every alert gets one full
staleness period from the restart before it can go stale (Alertmanager webhook and API v2 alerts).

Run: python3 tests/e2e/test_restart.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import threading
import time
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


STALE_AFTER = 3  # seconds, for the Alertmanager webhook source; API v2 alerts get endsAt = +3s


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def let_time_pass(seconds):
    """The time itself is under test here (alertbridge down, then up, for so long): a bounded wait
    on an Event nobody sets, not a wait for a result."""
    threading.Event().wait(seconds)


class DowntimeIsNotSilence(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("downtime")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(
            ALERTBRIDGE, self.workdir, RULES + """  - name: prometheus-direct
    match: ['alertname="AlwaysFiring"']
    receivers: [hook]
""", signed_webhook_receivers(self.hook.url()),
            "sources:\n  - {name: alertmanager, type: alertmanager, stale_after: %ds}\n" % STALE_AFTER)
        harness.failure_context = self.bridge.logs

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def check_survives_downtime(self, send):
        """send() posts the alert (a first firing, later the sender's plain re-send); returns the
        incident's id after: declared, acknowledged, down for longer than the staleness period,
        up again: still acknowledged, the re-send joins it, and only a full staleness period after
        the restart does the alert go stale."""
        self.bridge.start()
        send()
        [inc] = wait_for("declared", lambda: self.bridge.incidents("?state=open"))
        status, body = http_json("POST", f"{self.bridge.base()}/api/v1/incidents/{inc['id']}/ack",
                                 {"actor": "alice"})
        self.assertEqual((status, body["changed"]), (200, True), body)
        self.assertEqual(self.bridge.stop(), 0)
        let_time_pass(STALE_AFTER + 1.5)  # down for longer than the alert's staleness period

        restarted = time.time()
        self.bridge.start()
        let_time_pass(1.5)  # up for more than one tick (1s): today's main marks it stale here
        incident = self.bridge.incident(inc["id"])
        self.assertEqual(incident["state"], "acknowledged", incident["timeline"])
        self.assertEqual(incident["alerts_firing"], 1, incident)
        send()  # the sender's retry / re-send after the outage: a refresh, nothing else
        incident = self.bridge.incident(inc["id"])
        self.assertEqual([e["type"] for e in incident["timeline"]], ["declared", "acknowledged"])
        self.assertEqual(len(self.bridge.incidents()), 1)

        # Not refreshed any more: stale a full period after the last refresh, no earlier.
        refreshed = time.time()
        resolved = wait_for("resolved by staleness after the grace",
                            lambda: (lambda d: d if d["state"] == "resolved" else None)(
                                self.bridge.incident(inc["id"])), timeout=20)
        self.assertEqual([e["type"] for e in resolved["timeline"]],
                         ["declared", "acknowledged", "alert_stale", "resolved"])
        self.assertGreaterEqual(resolved["timeline"][2]["at"], rfc3339(restarted + STALE_AFTER))
        self.assertGreaterEqual(resolved["timeline"][2]["at"], rfc3339(refreshed + STALE_AFTER - 1))
        self.assertEqual(resolved["alerts_firing"], 0)
        return inc["id"]

    def test_alertmanager_webhook_alert_gets_a_full_stale_after_from_the_restart(self):
        url = self.bridge.base() + "/api/v1/alerts/alertmanager"
        self.check_survives_downtime(
            lambda: self.assertEqual(http_json("POST", url, am_payload("firing", ["db-1"]))[0],
                                     200))

    def test_api_v2_alert_gets_its_validity_again_from_the_restart(self):
        url = self.bridge.base() + "/api/v2/alerts"
        starts = rfc3339(time.time())

        def send():  # as Prometheus does: the same startsAt, endsAt a little ahead
            alert = {"labels": {"alertname": "AlwaysFiring", "job": "prometheus"},
                     "startsAt": starts, "endsAt": rfc3339(time.time() + STALE_AFTER)}
            self.assertEqual(http_json("POST", url, [alert])[0], 200)

        self.check_survives_downtime(send)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
