"""End to end, issue 16 item 4: Standard Webhooks as the reference libraries verify it, checked
with an independent implementation written from the spec (Python hmac/base64), never with the
code under test:

- every delivery carries webhook-id and webhook-timestamp, signed or not; the id has no '.' (the
  spec forbids it: it separates the signed parts) and equals the envelope's `id` (<key>_<seq>);
- a secret with or without the whsec_ prefix is base64 and signs with the decoded bytes;
- a raw secret signs with its bytes only when the receiver says `secret_format: raw`;
- the envelope carries the event's actor and details.

Run: python3 tests/e2e/test_webhook_signing.py --alertbridge build/src/alertbridge"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import sys
import threading
import time
import unittest

import harness
from harness import Alertbridge, http_json, new_workdir, wait_for

ALERTBRIDGE = None

KEY = b"independent-spec-key-0123456789ab"
RAW = "raw secret bytes, not base64!"


def spec_verify(secret, raw, headers, body):
    """The Standard Webhooks verification steps, from the spec text."""
    msg_id = headers.get("webhook-id", "")
    ts = headers.get("webhook-timestamp", "")
    if "." in msg_id or "." in ts:
        return "id or timestamp contains '.'"
    if not msg_id or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return "bad id or timestamp"
    if raw:
        key = secret.encode()
    else:
        key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers.get("webhook-signature", "").split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return None
    return "no matching v1 signature"


class Recorder:
    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append((self.path, {k.lower(): v for k, v in
                                                       self.headers.items()}, body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def by_path(self, path):
        with self.lock:
            return [(h, b) for p, h, b in self.requests if p == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


RULES = """
rules:
  - name: signing
    match: ['alertname="Signing"']
    group_by: [service]
    severity: {default: SEV2}
    resolve: {when_alerts_resolved: true, after: 0s}
    receivers: [prefixed, bare, raw, unsigned]
"""


class StandardWebhooks(unittest.TestCase):
    def test_signatures_verify_with_an_independent_implementation(self):
        rec = Recorder()
        self.addCleanup(rec.close)
        b64 = base64.b64encode(KEY).decode()
        os.environ.update({"AB_SIGN_PREFIXED": "whsec_" + b64, "AB_SIGN_BARE": b64,
                           "AB_SIGN_RAW": RAW})
        receivers = f"""receivers:
  - name: prefixed
    type: webhook
    url: {rec.url}/prefixed
    secret: env:AB_SIGN_PREFIXED
  - name: bare
    type: webhook
    url: {rec.url}/bare
    secret: env:AB_SIGN_BARE
  - name: raw
    type: webhook
    url: {rec.url}/raw
    secret: env:AB_SIGN_RAW
    secret_format: raw
  - name: unsigned
    type: webhook
    url: {rec.url}/unsigned
"""
        workdir = new_workdir("signing")
        self.addCleanup(shutil.rmtree, workdir, True)  # after ab.stop has checked the logs
        ab = Alertbridge(ALERTBRIDGE, workdir, RULES, receivers)
        ab.start()
        self.addCleanup(ab.stop)
        alert = [{"labels": {"alertname": "Signing", "service": "db"}}]
        self.assertEqual(http_json("POST", ab.base() + "/api/v2/alerts", alert)[0], 200)
        wait_for("declared at every receiver",
                 lambda: all(rec.by_path(p) for p in ("/prefixed", "/bare", "/raw", "/unsigned")))

        cases = {"/prefixed": ("whsec_" + b64, False), "/bare": (b64, False), "/raw": (RAW, True)}
        for path, (secret, raw) in cases.items():
            for headers, body in rec.by_path(path):
                self.assertIsNone(spec_verify(secret, raw, headers, body), path)
        headers, body = rec.by_path("/unsigned")[0]
        self.assertNotIn("webhook-signature", headers)
        self.assertTrue(headers.get("webhook-timestamp", "").isdigit(), headers)
        envelope = json.loads(body)
        self.assertEqual(headers.get("webhook-id"), envelope["id"])
        self.assertNotIn(".", envelope["id"])
        self.assertRegex(envelope["id"], r"^ab-[a-z2-7]{16}-1_[0-9]+$")
        self.assertEqual(envelope["type"], "declared")
        self.assertIn("actor", envelope)
        self.assertIsInstance(envelope["details"], dict)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
