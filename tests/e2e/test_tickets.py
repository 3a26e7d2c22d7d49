"""End to end: ticket systems through kill -9. For Jira, GitHub and ServiceNow (the contract tests'
fake servers, run as tests/tools/vendor_fake, which check every request against the vendor's API):
alertbridge is killed after the vendor created the ticket but before alertbridge heard the answer
and committed it. After the restart it finds the ticket by the incident key instead of opening a
second one, stores its reference on the incident, then closes it on resolve and reopens the same
ticket on a recurrence within the dedup window.

Run: python3 tests/e2e/test_tickets.py --alertbridge build/src/alertbridge \
         --vendor-fake build/tests/tools/vendor_fake"""

import json
import os
import shutil
import subprocess
import unittest

import harness
from harness import Alertbridge, am_payload, http_json, new_workdir, wait_for

ALERTBRIDGE = None
VENDOR_FAKE = None

SECRETS = {
    "AB_E2E_JIRA_USER": "bot@example.com",
    "AB_E2E_JIRA_TOKEN": "e2e-jira-s3cret",
    "AB_E2E_GITHUB_TOKEN": "ghp_e2eS3cretToken0000000000000000000",
    "AB_E2E_SNOW_USER": "alertbridge.bot",
    "AB_E2E_SNOW_PASSWORD": "e2e-snow-s3cret",
}

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    severity: {default: SEV2}
    dedup_window: 1h
    resolve: {when_alerts_resolved: true, after: 0s}
    receivers: [tickets]
"""

DELIVERY = """    retry: {max_attempts: 1000, initial_backoff: 50ms, max_backoff: 200ms}
    timeout: 5s
"""

# Per vendor: the receiver (url filled in), and the request that creates a ticket.
VENDORS = {
    "jira": ("""receivers:
  - name: tickets
    type: jira
    url: {url}
    auth: {{basic: {{user: env:AB_E2E_JIRA_USER, password: env:AB_E2E_JIRA_TOKEN}}}}
    project: OPS
    issue_type: Incident
    transitions: {{resolve: Done, reopen: Reopen}}
""", "POST /rest/api/2/issue"),
    "github": ("""receivers:
  - name: tickets
    type: github
    base_url: {url}
    repository: acme/ops
    token: env:AB_E2E_GITHUB_TOKEN
""", "POST /repos/acme/ops/issues"),
    "servicenow": ("""receivers:
  - name: tickets
    type: servicenow
    url: {url}
    auth: {{basic: {{user: env:AB_E2E_SNOW_USER, password: env:AB_E2E_SNOW_PASSWORD}}}}
""", "POST /api/now/table/incident"),
}


class VendorFake:
    """tests/tools/vendor_fake: one command per line on stdin, one JSON answer per line."""

    def __init__(self, vendor):
        self.proc = subprocess.Popen([VENDOR_FAKE, vendor], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1,
                                     env={**os.environ, **SECRETS})
        self.url = json.loads(self.proc.stdout.readline())["url"]

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        answer = json.loads(self.proc.stdout.readline())
        assert answer.get("ok", True), answer
        return answer

    def state(self):
        return self.command("state")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class TicketsThroughKill9(unittest.TestCase):
    def setUp(self):
        os.environ.update(SECRETS)
        self.workdir = new_workdir("tickets")
        self.fake = None
        self.bridge = None

    def tearDown(self):
        if self.bridge:
            self.bridge.stop()
        if self.fake:
            self.fake.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, status, starts_at=None):
        payload = am_payload(status, ["db-1"])
        if starts_at:  # a new occurrence of the alert, not a late copy of the resolved one
            payload["alerts"][0]["startsAt"] = starts_at
        code, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                               payload)
        self.assertEqual(code, 200, body)

    def tickets(self):
        return self.fake.state()["tickets"]

    def check_vendor(self, vendor):
        receivers, create = VENDORS[vendor]
        self.fake = VendorFake(vendor)
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  receivers.format(url=self.fake.url) + DELIVERY)
        harness.failure_context = lambda: (self.bridge.logs() + "\n--- vendor ---\n" +
                                           json.dumps(self.fake.state(), indent=1))
        method, path = create.split(" ")
        self.fake.command(f"apply-then-hang {method} {path}")
        self.bridge.start()
        self.post("firing")

        # The ticket exists at the vendor; alertbridge is still waiting for the answer.
        wait_for("the ticket is created", lambda: len(self.tickets()) == 1)
        self.bridge.kill9()
        self.fake.command("release")
        self.bridge.start()

        incident = wait_for("the ticket's reference on the incident", lambda: next(
            (i for i in self.bridge.incidents() if i["external_refs"]), None))
        state = self.fake.state()
        self.assertEqual(len(state["tickets"]), 1, state)
        self.assertEqual(state["calls"].count(create), 1, state["calls"])
        ticket = state["tickets"][0]
        self.assertEqual([(r["receiver"], r["id"]) for r in incident["external_refs"]],
                         [("tickets", ticket["id"])])
        wait_for("outbox settled", self.bridge.settled)

        self.post("resolved")
        wait_for("the ticket is closed on resolve", lambda: not self.tickets()[0]["open"])
        self.post("firing", starts_at="2026-11-22T23:10:00Z")
        wait_for("the same ticket is reopened", lambda: self.tickets()[0]["open"])
        wait_for("outbox settled", self.bridge.settled)
        state = self.fake.state()
        self.assertEqual(len(state["tickets"]), 1, state)
        self.assertEqual(state["calls"].count(create), 1, state["calls"])
        self.assertEqual(state["violations"], [])
        [incident] = self.bridge.incidents()
        self.assertEqual(incident["state"], "declared")
        self.assertEqual(len(incident["external_refs"]), 1, incident)
        logs = self.bridge.logs()
        for secret in SECRETS.values():
            self.assertNotIn(secret, logs)

    def test_jira(self):
        self.check_vendor("jira")

    def test_github(self):
        self.check_vendor("github")

    def test_servicenow(self):
        self.check_vendor("servicenow")


if __name__ == "__main__":
    import argparse
    import sys
    parser = argparse.ArgumentParser()
    parser.add_argument("--vendor-fake", required=True)
    args, rest = parser.parse_known_args()
    VENDOR_FAKE = os.path.abspath(args.vendor_fake)
    sys.argv = [sys.argv[0]] + rest
    harness.run(sys.modules[__name__])
