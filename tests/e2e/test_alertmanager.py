"""End to end: the real Alertmanager posts its webhook to a real `alertbridge serve`, which declares
an incident and delivers signed events to a local webhook receiver. An alert a person resolved by
hand keeps firing in Alertmanager's group notifications: it stays with its incident and never joins
the group's next occurrence; the counts follow the alert lists in every state.

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


# One incident per service and occurrence, no dedup window: the next firing after a resolve is a
# new occurrence at once.
DB_RULES = """
rules:
  - name: db
    match: ['service="db"']
    group_by: [service]
    receivers: [hook]
"""


def firing_in(detail):
    return sorted(a["labels"]["alertname"] for a in detail["alerts"] if a["status"] == "firing")


class HandResolvedAlertStaysWithItsIncident(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("am-resolved")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, DB_RULES,
                                  signed_webhook_receivers(self.hook.url()))
        harness.failure_context = self.bridge.logs
        self.bridge.start()
        # Grouped by service: every notification for the group carries every alert of it,
        # the hand-resolved one included; sent on every change (group_interval 1s) and repeated
        # every 2s (repeat_interval) while nothing changes.
        self.am = Alertmanager(self.workdir, self.bridge.base() + "/api/v1/alerts/alertmanager",
                               group_by=("service",), repeat_interval="2s")
        self.am.start()

    def tearDown(self):
        self.am.stop()
        self.assertEqual(self.bridge.stop(), 0)
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def accepted(self):
        """Alerts alertbridge accepted from Alertmanager so far."""
        for line in self.bridge.metrics().splitlines():
            if line.startswith('alertbridge_alerts_received_total{result="accepted",'
                               'source="alertmanager"}'):
                return float(line.split()[-1])
        return 0.0

    def check_counts(self, incident_id):
        """alerts_firing / alerts_total against the incident's own alert list."""
        detail = self.bridge.incident(incident_id)
        self.assertEqual(detail["alerts_total"], len(detail["alerts"]), detail)
        self.assertEqual(detail["alerts_firing"], len(firing_in(detail)), detail)
        return detail

    def test_repeats_of_a_hand_resolved_alert_join_no_other_occurrence(self):
        down = {"alertname": "Down", "service": "db"}
        slow = {"alertname": "Slow", "service": "db"}
        self.am.amtool_add(down)
        [first] = wait_for("Down declared", lambda: self.bridge.incidents("?state=open"))
        status, body = http_json("POST", f"{self.bridge.base()}/api/v1/incidents/{first['id']}"
                                 "/resolve", {"actor": "alice"})
        self.assertEqual((status, body["changed"]), (200, True), body)

        # Another alert of the group fires: Alertmanager's next notification holds Slow and the
        # still firing Down (same startsAt). Slow declares the next occurrence; Down stays put.
        self.am.amtool_add(slow)
        second = wait_for("Slow declared", lambda: [
            i for i in self.bridge.incidents("?state=open") if i["id"] != first["id"]])[0]
        self.assertTrue(second["key"].endswith("-2"), second["key"])  # the next occurrence
        # More group notifications with both alerts in them (the repeats); each of them is a
        # repeat of Down that must not join the second occurrence.
        received = self.accepted()
        wait_for("two more notifications of the group", lambda: self.accepted() >= received + 4)
        detail2 = self.check_counts(second["id"])
        self.assertEqual(firing_in(detail2), ["Slow"], detail2["alerts"])
        detail1 = self.check_counts(first["id"])
        self.assertEqual(detail1["state"], "resolved")
        self.assertEqual(firing_in(detail1), ["Down"])

        # Slow resolves: the second occurrence resolves although Down still fires.
        self.am.resolve([slow])
        wait_for("second occurrence resolved",
                 lambda: self.bridge.incident(second["id"])["state"] == "resolved", timeout=30)
        detail2 = self.check_counts(second["id"])
        self.assertEqual(firing_in(detail2), [])
        self.assertEqual([e["type"] for e in self.check_counts(first["id"])["timeline"]],
                         ["declared", "resolved"], "Down's repeats neither reopen nor page")
        self.assertEqual(len(self.bridge.incidents()), 2)

        # The first incident closed by a person; then Down resolves: its counts still follow.
        status, body = http_json("POST", f"{self.bridge.base()}/api/v1/incidents/{first['id']}"
                                 "/close", {"resolution": "replaced the disk", "cause": "worn disk",
                                            "runbook_updated": False})
        self.assertEqual((status, body["changed"]), (200, True), body)
        self.am.resolve([down])
        wait_for("Down resolved in the closed incident",
                 lambda: self.check_counts(first["id"])["alerts_firing"] == 0, timeout=30)
        self.assertEqual(self.bridge.incident(first["id"])["state"], "closed")


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
