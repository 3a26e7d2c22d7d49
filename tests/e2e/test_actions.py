"""End to end: pending groups in the API, people's actions over HTTP (committed before the answer,
idempotent, 409 naming the state, sent downstream like any event), and API v2 alerts going stale
at their endsAt.

Run: python3 tests/e2e/test_actions.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import time
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, http_json, new_workdir,
                     signed_webhook_receivers, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: checkout
    match: ['service="checkout"']
    group_by: [service]
    trigger: {min_alerts: 2}
    owner: {team: payments}
    title: "checkout degraded ({{alert_count}} alerts)"
    receivers: [hook]
  - name: prometheus-direct
    match: ['alertname="AlwaysFiring"']
    receivers: [hook]
  - name: grafana
    match: ['alertname="GrafanaAlert"']
    receivers: [hook]
"""

# A generic webhook source whose alerts go stale when not re-sent within 2 seconds.
SOURCES = """
sources:
  - name: grafana
    type: webhook
    stale_after: 2s
    mapping: {labels: {alertname: /alertname, panel: /panel}}
"""

def am_payload(instances):
    alerts = [{
        "status": "firing",
        "labels": {"alertname": "HighLatency", "service": "checkout", "instance": inst},
        "annotations": {},
        "startsAt": "2026-11-22T22:44:03.655Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "0000000000000000",
    } for inst in instances]
    return {"receiver": "bridge", "status": "firing", "alerts": alerts, "groupLabels": {},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
            "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0}


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


class Actions(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("actions")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()), SOURCES)
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def act(self, incident_id, action, body=None):
        return http_json("POST", f"{self.bridge.base()}/api/v1/incidents/{incident_id}/{action}",
                         body)

    def test_pending_group_then_people_act_on_the_incident(self):
        url = self.bridge.base() + "/api/v1/alerts/alertmanager"
        status, body = http_json("POST", url, am_payload(["a"]))
        self.assertEqual(status, 200, body)
        pending = self.bridge.incidents("?state=pending")
        self.assertEqual([i["state"] for i in pending], ["pending"])
        self.assertEqual(self.bridge.incidents("?state=open"), [])
        incident_id = pending[0]["id"]
        status, body = self.act(incident_id, "ack")
        self.assertEqual(status, 409, body)
        self.assertEqual(body["state"], "pending")

        status, body = http_json("POST", url, am_payload(["a", "b"]))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.bridge.incidents("?state=pending"), [])
        [declared] = self.bridge.incidents("?state=open")
        self.assertEqual(declared["id"], incident_id)
        self.assertEqual(declared["title"], "checkout degraded (2 alerts)")

        status, body = self.act(incident_id, "ack", {"actor": "alice"})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["changed"])
        self.assertEqual(body["incident"]["state"], "acknowledged")
        # Committed before the answer: the read side already sees it.
        self.assertEqual(self.bridge.incident(incident_id)["state"], "acknowledged")
        status, body = self.act(incident_id, "ack", {"actor": "alice"})
        self.assertEqual((status, body["changed"]), (200, False), body)

        status, body = self.act(incident_id, "assign", {"commander": "bob", "actor": "alice"})
        self.assertEqual(body["incident"]["owner"],
                         {"team": "payments", "commander": "bob", "communications": ""})
        status, body = self.act(incident_id, "note", {"text": "rolling back", "actor": "bob"})
        self.assertEqual((status, body["changed"]), (200, True), body)
        status, body = self.act(incident_id, "severity", {"priority": "SEV1"})
        self.assertEqual(body["incident"]["priority"], "SEV1")

        closure = {"resolution": "fixed", "cause": "bad deploy", "runbook_updated": False}
        status, body = self.act(incident_id, "close", closure)
        self.assertEqual(status, 409, body)
        self.assertEqual(body["state"], "acknowledged")
        status, body = self.act(incident_id, "close", {})
        self.assertEqual((status, body.get("field")), (400, "resolution"), body)
        status, body = self.act(incident_id, "resolve", {"actor": "bob"})
        self.assertEqual(body["incident"]["state"], "resolved")
        status, body = self.act(incident_id, "close", {"resolution": "bad deploy rolled back"})
        self.assertEqual((status, body.get("field")), (400, "cause"), body)
        status, body = self.act(incident_id, "close", {"resolution": "bad deploy rolled back",
                                                       "cause": "config push"})
        self.assertEqual((status, body.get("field")), (400, "runbook_updated"), body)
        status, body = self.act(incident_id, "close", {"resolution": "bad deploy rolled back",
                                                       "cause": "config push",
                                                       "runbook_updated": "yes"})
        self.assertEqual((status, body.get("field")), (400, "runbook_updated"), body)
        status, body = self.act(incident_id, "close", {"resolution": "bad deploy rolled back",
                                                       "cause": "config push",
                                                       "runbook_updated": True})
        self.assertEqual(body["incident"]["state"], "closed", body)
        self.assertEqual(body["incident"]["resolution"], "bad deploy rolled back")
        self.assertEqual(body["incident"]["cause"], "config push")
        self.assertEqual(body["incident"]["runbook_updated"], True)
        status, body = self.act(incident_id, "ack")
        self.assertEqual((status, body["state"]), (409, "closed"), body)
        self.assertIn("cannot acknowledge incident", body["error"])
        # Closing again: the same resolution changes nothing; another one is refused, not dropped.
        status, body = self.act(incident_id, "close", {"resolution": "bad deploy rolled back"})
        self.assertEqual((status, body["changed"]), (200, False), body)
        status, body = self.act(incident_id, "close", {"resolution": "it was DNS"})
        self.assertEqual((status, body["state"]), (409, "closed"), body)
        self.assertIn('closed with resolution "bad deploy rolled back"', body["error"])
        self.assertEqual(self.bridge.incident(incident_id)["resolution"], "bad deploy rolled back")

        # Requests that cannot be actions.
        self.assertEqual(self.act(999, "ack")[0], 404)
        self.assertEqual(self.act(incident_id, "frobnicate")[0], 404)
        self.assertEqual(self.act("x", "ack")[0], 400)
        status, body = self.act(incident_id, "note", {"txt": "typo"})
        self.assertEqual((status, body.get("field")), (400, "txt"), body)
        status, body = self.act(incident_id, "severity", {"priority": "SEV9"})
        self.assertEqual(status, 400, body)
        self.assertEqual(
            http_json("GET", f"{self.bridge.base()}/api/v1/incidents/{incident_id}/ack")[0], 405)

        timeline = self.bridge.incident(incident_id)["timeline"]
        human = [(e["type"], e["actor"]) for e in timeline if e["actor"].startswith("user:")]
        self.assertEqual(human, [("acknowledged", "user:alice"), ("assigned", "user:alice"),
                                 ("note_added", "user:bob"), ("severity_changed", "user:api"),
                                 ("resolved", "user:bob"), ("closed", "user:api")])
        want = ["declared", "acknowledged", "assigned", "note_added", "severity_changed",
                "resolved", "closed"]
        wait_for("actions delivered downstream", lambda: self.hook.types() == want)

    def test_api_v2_alert_goes_stale_at_its_ends_at(self):
        # Prometheus sends endsAt = now + 4 evaluation intervals and re-sends while it fires; if it
        # stops (it died, or the network did), the alert is stale at endsAt.
        ends = time.time() + 2
        alert = {"labels": {"alertname": "AlwaysFiring", "job": "prometheus"},
                 "annotations": {"summary": "always"}, "endsAt": rfc3339(ends)}
        status, body = http_json("POST", self.bridge.base() + "/api/v2/alerts", [alert])
        self.assertEqual(status, 200, body)
        [inc] = wait_for("declared", lambda: self.bridge.incidents("?state=open"))
        resolved = wait_for("resolved by staleness",
                            lambda: (lambda d: d if d["state"] == "resolved" else None)(
                                self.bridge.incident(inc["id"])), timeout=20)
        types = [e["type"] for e in resolved["timeline"]]
        self.assertEqual(types, ["declared", "alert_stale", "resolved"])
        self.assertTrue(resolved["alerts"][0]["stale"])
        stale = resolved["timeline"][1]
        self.assertEqual(stale["details"]["stale_at"], rfc3339(ends))
        self.assertGreaterEqual(stale["at"], rfc3339(ends))  # same format: text order is time order

    def test_webhook_alert_goes_stale_after_its_source_stale_after(self):
        url = self.bridge.base() + "/api/v1/alerts/webhook/grafana"
        sent = time.time()
        status, body = http_json("POST", url, {"alertname": "GrafanaAlert", "panel": "p1"})
        self.assertEqual(status, 200, body)
        [inc] = wait_for("declared", lambda: self.bridge.incidents("?state=open"))
        resolved = wait_for("resolved by staleness",
                            lambda: (lambda d: d if d["state"] == "resolved" else None)(
                                self.bridge.incident(inc["id"])), timeout=20)
        self.assertEqual([e["type"] for e in resolved["timeline"]],
                         ["declared", "alert_stale", "resolved"])
        self.assertGreaterEqual(resolved["timeline"][1]["at"], rfc3339(sent + 2))


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
