"""End to end: who may use the API of a real `alertbridge serve` (CONTRACTS.md "Auth scope").

- With API tokens: every route but /-/healthy and /-/ready needs one; read tokens read, write
  tokens act; the timeline names the token (and whom it acts for).
- Ingest keeps its source's auth: the real Alertmanager posts with a bearer token to the built-in
  alertmanager source; a webhook source checks an HMAC in either hex case.
- State-changing requests from a browser page elsewhere are refused: a cross-site form POST, a
  JSON POST with a foreign Origin, with or without tokens.
- Without tokens, serve refuses a non-loopback listen address unless api.insecure_listen is set.

Run: python3 tests/e2e/test_access.py --alertbridge build/src/alertbridge"""

import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import sys
import unittest

import harness
from harness import (Alertbridge, Alertmanager, am_payload, free_port, http_json, new_workdir,
                     wait_for)

ALERTBRIDGE = None

WRITE_TOKEN = "e2e-write-token-0123456789abcdef"
READ_TOKEN = "e2e-read-token-0123456789abcdef"
AM_TOKEN = "e2e-alertmanager-token-0123456789"
HMAC_KEY = "e2e-grafana-hmac-key"

RULES = """
rules:
  - name: db
    match: ['service="db"']
    group_by: [service]
    receivers: [console]
"""
RECEIVERS = "receivers:\n  - {name: console, type: console}\n"

TOKENS_CONFIG = """
api:
  tokens:
    - {name: oncall-ui, token: env:E2E_WRITE_TOKEN, role: write}
    - {name: grafana-ro, token: env:E2E_READ_TOKEN, role: read}
sources:
  - name: alertmanager
    type: alertmanager
    auth: {bearer_token: env:E2E_AM_TOKEN}
  - name: grafana
    type: webhook
    auth: {hmac_sha256: {secret: env:E2E_HMAC_KEY, header: X-Grafana-Signature}}
    mapping: {labels: {alertname: /alertname, service: /service}}
"""


def raw_request(port, method, path, body=b"", headers=None):
    """A request with exactly these headers (Host included), as a browser or curl would send it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"127.0.0.1:{port}"}
        hdrs.update(headers or {})
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), parsed
    finally:
        conn.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


class WithTokens(unittest.TestCase):
    def setUp(self):
        os.environ.update(E2E_WRITE_TOKEN=WRITE_TOKEN, E2E_READ_TOKEN=READ_TOKEN,
                          E2E_AM_TOKEN=AM_TOKEN, E2E_HMAC_KEY=HMAC_KEY)
        self.workdir = new_workdir("access")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, RECEIVERS, TOKENS_CONFIG)
        self.bridge.token = READ_TOKEN
        harness.failure_context = self.bridge.logs
        self.bridge.start()
        self.am = None

    def tearDown(self):
        if self.am:
            self.am.stop()
        rc = self.bridge.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.assertEqual(rc, 0)

    def call(self, method, path, token=None, body=None):
        return http_json(method, self.bridge.base() + path, body, headers=bearer(token))

    def test_each_role_on_each_route(self):
        # The real Alertmanager, configured with the source's bearer token, declares incident 1.
        self.am = Alertmanager(self.workdir, self.bridge.base() + "/api/v1/alerts/alertmanager",
                               http_config={"authorization": {"credentials": AM_TOKEN}})
        self.am.start()
        self.am.amtool_add({"alertname": "DiskFull", "service": "db", "instance": "db-1"})
        [incident] = wait_for("incident from Alertmanager",
                              lambda: self.bridge.incidents("?state=open"))
        iid = incident["id"]

        # The web page and its assets carry no data (the page asks for a token); /api/v1/stats does.
        open_routes = [("GET", "/-/healthy"), ("GET", "/-/ready"), ("GET", "/"),
                       ("GET", "/ui/app.js")]
        read_routes = [("GET", "/api/v1/incidents"), ("GET", f"/api/v1/incidents/{iid}"),
                       ("GET", "/api/v1/outbox"), ("GET", "/metrics"), ("GET", "/api/v1/stats"),
                       ("GET", "/api/v1/silences"), ("GET", f"/api/v1/incidents/{iid}/review")]
        write_routes = [("POST", f"/api/v1/incidents/{iid}/note", {"text": "looking"}),
                        ("POST", "/api/v1/outbox/999999/retry", None),
                        ("POST", "/api/v1/outbox/999999/discard", None),
                        ("POST", "/-/reload", None)]
        for method, path in open_routes:
            self.assertEqual(self.call(method, path)[0], 200, path)
        for method, path in read_routes:
            status, body = self.call(method, path)
            self.assertEqual(status, 401, path)
            self.assertEqual(body["field"], "Authorization", path)
            self.assertEqual(self.call(method, path, "wrong-token-0123456789")[0], 401, path)
            self.assertEqual(self.call(method, path, READ_TOKEN)[0], 200, path)
            self.assertEqual(self.call(method, path, WRITE_TOKEN)[0], 200, path)
        for method, path, body in write_routes:
            self.assertEqual(self.call(method, path, None, body)[0], 401, path)
            status, answer = self.call(method, path, READ_TOKEN, body)
            self.assertEqual(status, 403, path)
            self.assertIn("needs a write token", answer["error"])
            status, _ = self.call(method, path, WRITE_TOKEN, body)
            self.assertIn(status, (200, 404), path)  # admitted; entry 999999 does not exist
            if path == "/-/reload":
                self.assertEqual(status, 200, path)  # the same valid configuration, reloaded
        status, headers, _ = raw_request(self.bridge.port, "GET", "/api/v1/incidents")
        self.assertEqual((status, headers["www-authenticate"]), (401, 'Bearer realm="alertbridge"'))

        status, body = self.call("POST", f"/api/v1/incidents/{iid}/ack", WRITE_TOKEN,
                                 {"actor": "alice"})
        self.assertEqual(status, 200, body)
        timeline = self.bridge.incident(iid)["timeline"]
        actors = [(e["type"], e["actor"]) for e in timeline if e["actor"].startswith("user:")]
        self.assertEqual(actors, [("note_added", "user:oncall-ui"),
                                  ("acknowledged", "user:oncall-ui (on behalf of alice)")])

    def test_ingest_uses_the_source_auth_not_api_tokens(self):
        url = self.bridge.base() + "/api/v1/alerts/alertmanager"
        payload = am_payload("firing", ["db-2"])
        self.assertEqual(http_json("POST", url, payload)[0], 401)
        self.assertEqual(http_json("POST", url, payload, bearer(WRITE_TOKEN))[0], 401)
        self.assertEqual(http_json("POST", url, payload, bearer(AM_TOKEN))[0], 200)
        # Prometheus posting API v2 alerts uses the alertmanager source's auth as well.
        v2 = [{"labels": {"alertname": "X", "service": "db"}}]
        self.assertEqual(http_json("POST", self.bridge.base() + "/api/v2/alerts", v2)[0], 401)
        self.assertEqual(
            http_json("POST", self.bridge.base() + "/api/v2/alerts", v2, bearer(AM_TOKEN))[0], 200)

        body = json.dumps({"alertname": "Slow", "service": "db"}).encode()
        sig = hmac.new(HMAC_KEY.encode(), body, hashlib.sha256).hexdigest()
        for signature, want in ((sig, 200), (sig.upper(), 200), ("sha256=" + sig, 200),
                                (sig[:-1] + ("0" if sig[-1] != "0" else "1"), 401), ("", 401)):
            status, _, answer = raw_request(
                self.bridge.port, "POST", "/api/v1/alerts/webhook/grafana", body,
                {"Content-Type": "application/json", "X-Grafana-Signature": signature})
            self.assertEqual(status, want, (signature, answer))

    def test_cross_site_form_post_is_refused(self):
        # What a page on another site can make a browser send without a CORS preflight: a form.
        status, _, _ = raw_request(
            self.bridge.port, "POST", "/api/v1/incidents/1/ack", b"actor=mallory",
            {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example",
             "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
        self.assertEqual(status, 401)  # no token; and the next test shows it without tokens


class WithoutTokens(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("access-open")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, RECEIVERS)
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        rc = self.bridge.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.assertEqual(rc, 0)

    def declare(self):
        status, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                 am_payload("firing", ["db-1"]))
        self.assertEqual(status, 200, body)
        return self.bridge.incidents("?state=open")[0]["id"]

    def test_browser_requests_from_elsewhere_are_refused(self):
        iid = self.declare()
        port = self.bridge.port
        form = raw_request(port, "POST", f"/api/v1/incidents/{iid}/resolve", b"",
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(form[0], 415, form)
        no_type = raw_request(port, "POST", f"/api/v1/incidents/{iid}/resolve", b"")
        self.assertEqual(no_type[0], 415, no_type)
        foreign = raw_request(port, "POST", f"/api/v1/incidents/{iid}/resolve", b"{}",
                              {"Content-Type": "application/json",
                               "Origin": "https://evil.example"})
        self.assertEqual(foreign[0], 403, foreign)
        rebound = raw_request(port, "POST", f"/api/v1/incidents/{iid}/resolve", b"{}",
                              {"Content-Type": "application/json",
                               "Origin": f"http://rebound.example:{port}",
                               "Host": f"rebound.example:{port}"})
        self.assertEqual(rebound[0], 403, rebound)
        self.assertEqual(self.bridge.incident(iid)["state"], "declared")
        ours = raw_request(port, "POST", f"/api/v1/incidents/{iid}/resolve", b"{}",
                           {"Content-Type": "application/json",
                            "Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"})
        self.assertEqual(ours[0], 200, ours)
        self.assertEqual(self.bridge.incident(iid)["state"], "resolved")
        self.assertIn("API has no tokens", self.bridge.logs())

    def test_request_id_is_echoed(self):
        status, headers, _ = raw_request(self.bridge.port, "GET", "/-/healthy", b"",
                                         {"X-Request-Id": "trace-42"})
        self.assertEqual((status, headers["x-request-id"]), (200, "trace-42"))
        status, headers, _ = raw_request(self.bridge.port, "GET", "/api/v1/incidents")
        self.assertRegex(headers["x-request-id"], r"^[0-9a-f]{16}$")


class Exposure(unittest.TestCase):
    def test_open_api_beyond_loopback_refuses_to_start(self):
        workdir = new_workdir("access-exposed")
        self.addCleanup(shutil.rmtree, workdir, True)
        bridge = Alertbridge(ALERTBRIDGE, workdir, RULES, RECEIVERS)
        port = free_port()
        run = subprocess.run([ALERTBRIDGE, "serve", "--config", bridge.config,
                              "--listen", f"0.0.0.0:{port}"], cwd=workdir,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIn("not a loopback address and the API has no tokens", run.stderr)
        # The same in the file: `check` fails too, naming the line.
        with open(bridge.config) as f:
            text = f.read().replace(f"listen: 127.0.0.1:{bridge.port}", f"listen: 0.0.0.0:{port}")
        with open(bridge.config, "w") as f:
            f.write(text)
        check = subprocess.run([ALERTBRIDGE, "check", bridge.config], cwd=workdir,
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertIn("alertbridge.yml:1:9: listen 0.0.0.0:", check.stderr)
        # insecure_listen says it is meant (not started here: tests bind loopback only).
        with open(bridge.config, "a") as f:
            f.write("api: {insecure_listen: true}\n")
        check = subprocess.run([ALERTBRIDGE, "check", bridge.config], cwd=workdir,
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
