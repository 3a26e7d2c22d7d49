"""End to end: the real Alertmanager posts its webhook to a real `alertbridge serve`, which declares
an incident and delivers signed events to a local webhook receiver.

Run: python3 tests/e2e/test_alertmanager.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, Alertmanager, WebhookReceiver, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: checkout-errors
    match: ['alertname="HighErrorRate"', 'service="checkout"']
    group_by: [service]
    trigger: {min_alerts: 2}
    severity:
      default: SEV3
      from_label: {label: severity, map: {critical: SEV1, warning: SEV3}}
    owner: {team: payments}
    runbook: https://wiki.example/runbooks/high-error-rate
    receivers: [hook]
"""


def labels(instance, severity="critical"):
    return {"alertname": "HighErrorRate", "service": "checkout", "severity": severity,
            "instance": instance}


class AlertmanagerToIncident(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("am")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()))
        harness.failure_context = self.bridge.logs
        self.bridge.start()
        self.am = Alertmanager(self.workdir,
                               self.bridge.base() + "/api/v1/alerts/alertmanager")
        self.am.start()

    def tearDown(self):
        self.am.stop()
        rc = self.bridge.stop()
        self.hook.close()
        self.assertEqual(rc, 0, "alertbridge did not shut down cleanly on SIGTERM")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_declares_once_delivers_signed_event_and_resolves(self):
        self.am.amtool_add(labels("web-1"), {"summary": "5xx above 5% on web-1"})
        self.am.amtool_add(labels("web-2"), {"summary": "5xx above 5% on web-2"})

        incident = wait_for(
            "a declared incident with both alerts",
            lambda: [i for i in self.bridge.incidents()
                     if i["state"] == "declared" and i["alerts_total"] == 2],
            timeout=30)[0]
        self.assertEqual(len(self.bridge.incidents()), 1, "exactly one incident")
        self.assertEqual(incident["rule"], "checkout-errors")
        self.assertEqual(incident["priority"], "SEV1")
        self.assertEqual(incident["base_severity"], "SEV1")
        self.assertEqual(incident["owner"]["team"], "payments")
        self.assertEqual(incident["group"], {"service": "checkout"})
        self.assertRegex(incident["key"], r"^ab-[a-z2-7]{16}-1$")

        wait_for("signed declared event", lambda: "declared" in self.hook.types())
        declared = [e for e in self.hook.events if e["body"]["type"] == "declared"]
        self.assertEqual(len(declared), 1)
        self.assertEqual(declared[0]["id"], incident["key"] + "_1")
        self.assertEqual(declared[0]["body"]["incident"]["key"], incident["key"])
        self.assertEqual(self.hook.rejected, [], "every request carried a valid signature")

        detail = self.bridge.incident(incident["id"])
        self.assertEqual(len(detail["alerts"]), 2)
        self.assertEqual(detail["timeline"][0]["type"], "declared")

        self.am.resolve([labels("web-1"), labels("web-2")])
        wait_for("incident resolved",
                 lambda: self.bridge.incident(incident["id"])["state"] == "resolved", timeout=30)
        wait_for("resolved event delivered", lambda: "resolved" in self.hook.types())
        self.assertEqual(len(self.bridge.incidents()), 1, "still exactly one incident")
        self.assertEqual(self.hook.rejected, [])

        status, metrics = http_json("GET", self.bridge.base() + "/metrics")
        self.assertEqual(status, 200)
        self.assertIn('alertbridge_incidents_declared_total{rule="checkout-errors",severity="SEV1"} 1',
                      metrics)
        self.assertIn('alertbridge_alerts_received_total{result="accepted",source="alertmanager"}',
                      metrics)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
