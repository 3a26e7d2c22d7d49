"""End to end: incident operations through the real server — roles and assign, SLA deadlines and
escalation on the server's own clock tick, status update notes, the closure and its review draft,
KPIs (GET /api/v1/stats and the metrics), silences made through the API (Alertmanager v2 body,
kept across a restart, expiring on DELETE) and the web page's assets.

Run: python3 tests/e2e/test_operations.py --alertbridge build/src/alertbridge"""

import datetime
import os
import shutil
import sys
import unittest
import urllib.request

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: db
    match: ['service="db"']
    group_by: [service]
    severity: {default: SEV2}
    owner: {team: storage, commander: alice, communications: "{{labels.comms}}"}
    runbook: https://wiki.example/runbooks/db
    receivers: [hook, wiki]
"""

# Deadlines short enough to pass during the test, on the server's own 1s tick.
OPERATIONS = """
severities:
  SEV2:
    ack_within: 1s
    escalate_to: [hook]
"""


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


class Operations(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("operations")
        self.hook = WebhookReceiver()
        # A wiki that hears only closures, with the review draft attached.
        self.wiki = WebhookReceiver()
        receivers = (signed_webhook_receivers(self.hook.url()) +
                     signed_webhook_receivers(self.wiki.url(), name="wiki").split("\n", 1)[1] +
                     "    events: [closed]\n    attach_review: true\n")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, receivers, OPERATIONS)
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        self.wiki.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, path, body):
        return http_json("POST", self.bridge.base() + path, body)

    def send(self, status, labels):
        payload = am_payload(status, ["db-1"], service=labels.get("service", "db"))
        for a in payload["alerts"]:
            a["labels"].update(labels)
        status, body = self.post("/api/v1/alerts/alertmanager", payload)
        self.assertEqual(status, 200, body)

    def test_roles_sla_escalation_closure_review_and_stats(self):
        self.send("firing", {"comms": "carol"})
        inc = wait_for("declared", lambda: self.bridge.incidents("?state=open"))[0]
        self.assertEqual(inc["owner"],
                         {"team": "storage", "commander": "alice", "communications": "carol"})
        # Unacknowledged past ack_within (1s): one breach and one escalation step, on the tick.
        wait_for("escalated", lambda: "escalated" in self.hook.types())
        types = self.hook.types()
        self.assertEqual(types.count("sla_breached"), 1, types)
        self.assertEqual(types.count("escalated"), 1, types)
        detail = self.bridge.incident(inc["id"])
        breach = [e for e in detail["timeline"] if e["type"] == "sla_breached"]
        self.assertEqual(breach[0]["actor"], "system")
        self.assertEqual(breach[0]["details"]["deadline"], "ack_within")
        self.assertIn("ack", detail["sla"]["breached"])

        status, body = self.post(f"/api/v1/incidents/{inc['id']}/assign",
                                 {"communications": "dana", "actor": "alice"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["incident"]["owner"]["communications"], "dana")
        status, body = self.post(f"/api/v1/incidents/{inc['id']}/ack", {"actor": "bob"})
        self.assertEqual(status, 200, body)
        status, body = self.post(f"/api/v1/incidents/{inc['id']}/note",
                                 {"text": "failover done", "update": True, "actor": "dana"})
        self.assertEqual(status, 200, body)
        status, body = self.post(f"/api/v1/incidents/{inc['id']}/resolve", {"actor": "bob"})
        self.assertEqual(status, 200, body)
        status, body = self.post(f"/api/v1/incidents/{inc['id']}/close",
                                 {"resolution": "failed over to the replica", "actor": "bob"})
        self.assertEqual((status, body.get("field")), (400, "cause"), body)
        status, body = self.post(f"/api/v1/incidents/{inc['id']}/close",
                                 {"resolution": "failed over to the replica",
                                  "cause": "disk full on the primary", "runbook_updated": True,
                                  "actor": "bob"})
        self.assertEqual(status, 200, body)

        req = urllib.request.Request(f"{self.bridge.base()}/api/v1/incidents/{inc['id']}/review")
        with urllib.request.urlopen(req, timeout=5) as resp:
            self.assertTrue(resp.headers["Content-Type"].startswith("text/markdown"))
            review = resp.read().decode()
        # The wiki receiver got the closed event, with the same draft (taken before the commit).
        wait_for("the closed event at the wiki", lambda: self.wiki.types() == ["closed"])
        closed = self.wiki.events[0]["body"]
        self.assertEqual(closed["incident"]["cause"], "disk full on the primary")
        self.assertEqual(closed["review"], review)
        hook_closed = [e["body"] for e in self.hook.events if e["body"]["type"] == "closed"]
        self.assertNotIn("review", hook_closed[0])
        for want in ("## Summary", "## Impact", "## Roles", "| Communications | dana |",
                     "| Incident commander | alice |", "## Response times",
                     "(SLA ack_within 1s)", "## SLA breaches and escalations", "escalated",
                     "## Timeline", "| acknowledged | user:bob |", "| assigned | user:alice |",
                     "## Alerts involved", "https://wiki.example/runbooks/db",
                     "**Updated after this incident:** yes", "**Cause:** disk full on the primary",
                     "## Action items"):
            self.assertIn(want, review)

        status, stats = http_json("GET", self.bridge.base() + "/api/v1/stats?by=severity")
        self.assertEqual(status, 200, stats)
        self.assertEqual(stats["by"], "severity")
        sev2 = [g for g in stats["groups"] if g["severity"] == "SEV2"][0]
        self.assertEqual((sev2["count"], sev2["acknowledged"], sev2["resolved"]), (1, 1, 1))
        self.assertEqual((sev2["sla_met"], sev2["sla_breached"], sev2["sla_compliance"]),
                         (0, 1, 0))
        self.assertEqual((sev2["escalated"], sev2["escalation_rate"]), (1, 1))
        self.assertEqual((sev2["reopened"], sev2["updated"]), (0, 1))
        self.assertGreater(sev2["mtta_seconds"], 0)
        status, by_team = http_json("GET", self.bridge.base() + "/api/v1/stats?by=team")
        self.assertEqual([g["team"] for g in by_team["groups"]], ["storage"])
        later = iso(now_utc() + datetime.timedelta(days=1))
        status, empty = http_json("GET", self.bridge.base() + f"/api/v1/stats?from={later}"
                                  f"&to={iso(now_utc() + datetime.timedelta(days=2))}")
        self.assertEqual((status, empty["total"]["count"]), (200, 0))
        status, bad = http_json("GET", self.bridge.base() + "/api/v1/stats?by=colour")
        self.assertEqual((status, bad.get("field")), (400, "by"))

        metrics = self.bridge.metrics()
        for line in ('alertbridge_sla_breaches_total{deadline="ack_within",severity="SEV2"} 1',
                     'alertbridge_escalations_total{severity="SEV2"} 1',
                     'alertbridge_incident_time_to_ack_seconds_count{severity="SEV2"} 1',
                     'alertbridge_incident_time_to_resolve_seconds_count{severity="SEV2"} 1'):
            self.assertIn(line, metrics)

    def test_silences_mute_new_alerts_survive_a_restart_and_expire_on_delete(self):
        start = now_utc()
        silence = {"matchers": [{"name": "service", "value": "db", "isRegex": False,
                                 "isEqual": True}],
                   "startsAt": iso(start), "endsAt": iso(start + datetime.timedelta(hours=1)),
                   "createdBy": "ops", "comment": "db upgrade"}
        status, body = self.post("/api/v1/silences", dict(silence, matchers=[]))
        self.assertEqual((status, body.get("field")), (400, "matchers"), body)
        status, body = self.post("/api/v1/silences", dict(silence, endsAt=iso(start)))
        self.assertEqual(status, 400, body)
        status, body = self.post("/api/v1/silences", silence)
        self.assertEqual(status, 200, body)
        silence_id = body["silenceID"]

        self.bridge.stop()
        self.bridge.start()
        status, listed = http_json("GET", self.bridge.base() + "/api/v1/silences")
        self.assertEqual(status, 200, listed)
        self.assertEqual([(s["id"], s["status"]["state"], s["comment"]) for s in listed],
                         [(silence_id, "active", "db upgrade")])

        # A matching alert is recorded (answered 200) but declares nothing.
        self.send("firing", {})
        status, one = http_json("GET", f"{self.bridge.base()}/api/v1/silences/{silence_id}")
        self.assertEqual((status, one["createdBy"]), (200, "ops"))
        self.assertEqual(self.bridge.incidents(), [])

        status, body = http_json("DELETE", f"{self.bridge.base()}/api/v1/silences/{silence_id}")
        self.assertEqual((status, body), (200, {"changed": True}))
        status, one = http_json("GET", f"{self.bridge.base()}/api/v1/silences/{silence_id}")
        self.assertEqual(one["status"]["state"], "expired")
        # The alert still fires when the silence ends: it is routed then and declares.
        wait_for("declared after the silence ended", lambda: self.bridge.incidents("?state=open"))
        status, body = http_json("DELETE", f"{self.bridge.base()}/api/v1/silences/{silence_id}")
        self.assertEqual((status, body), (200, {"changed": False}))
        status, body = http_json("DELETE", f"{self.bridge.base()}/api/v1/silences/nope")
        self.assertEqual(status, 404, body)

    def test_web_page_assets_are_served_with_a_strict_policy(self):
        with urllib.request.urlopen(self.bridge.base() + "/", timeout=5) as resp:
            page = resp.read().decode()
            self.assertTrue(resp.headers["Content-Type"].startswith("text/html"))
            self.assertIn("default-src 'none'", resp.headers["Content-Security-Policy"])
        self.assertIn("<script", page)
        self.assertNotIn("http://", page.replace("http://www.w3.org", ""))
        status, body = http_json("GET", self.bridge.base() + "/ui/nope.js")
        self.assertEqual(status, 404, body)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
