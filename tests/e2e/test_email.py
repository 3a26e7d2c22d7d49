"""End to end: the email receiver through a real SMTP server (aiosmtpd with STARTTLS and AUTH),
threading an incident's mails, and secrets (SMTP passwords, a token in a webhook URL) that never
show up in logs, errors, `check` output or the API.

Run: python3 tests/e2e/test_email.py --alertbridge build/src/alertbridge"""

import json
import os
import shutil
import subprocess
import sys
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, wait_for)

ALERTBRIDGE = None
HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_WITH_AIOSMTPD = "/usr/bin/python3"  # Debian's python3-aiosmtpd installs there

SMTP_PASSWORD = "smtp-Pa55word-e2e"
WRONG_PASSWORD = "not-the-Pa55word"
URL_TOKEN = "tok-9f8e7d6c5b4a"

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    severity: {default: SEV2}
    receivers: [mail, mail-wrong-password, hook]
"""

RECEIVERS = """
receivers:
  - name: mail
    type: email
    url: env:E2E_SMTP_URL
    auth: {{user: env:E2E_SMTP_USER, password: env:E2E_SMTP_PASSWORD}}
    ca_file: {ca}
    from: "alertbridge <bridge@alerts.example>"
    to: [oncall@example.com]
    templates: {{subject: "[{{{{key}}}}] {{{{title}}}} (a receiver template)"}}
  - name: mail-wrong-password
    type: email
    url: env:E2E_SMTP_URL
    auth: {{user: env:E2E_SMTP_USER, password: env:E2E_SMTP_WRONG_PASSWORD}}
    ca_file: {ca}
    from: bridge@alerts.example
    to: [oncall@example.com]
  - name: hook
    type: webhook
    url: env:E2E_HOOK_URL
    secret: env:E2E_WEBHOOK_SECRET
    retry: {{max_attempts: 2, initial_backoff: 50ms, max_backoff: 100ms}}
"""


class SmtpServer:
    """tests/e2e/smtp_server.py in a child process: STARTTLS with a fresh self-signed certificate,
    AUTH required."""

    def __init__(self, workdir, auth):
        self.dir = os.path.join(workdir, "smtp")
        os.makedirs(self.dir)
        self.cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key,
                        "-out", self.cert], check=True, capture_output=True, timeout=30)
        self.out = os.path.join(self.dir, "out.jsonl")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            [PYTHON_WITH_AIOSMTPD, os.path.join(HERE, "smtp_server.py"), "--port-file", port_file,
             "--out", self.out, "--tls-cert", self.cert, "--tls-key", key, "--auth", auth],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def port():
            if self.proc.poll() is not None:
                raise AssertionError("SMTP server exited (python3-aiosmtpd installed?): " +
                                     self.proc.stderr.read().decode(errors="replace"))
            if os.path.exists(port_file):
                with open(port_file) as f:
                    return int(f.read())
            return None

        self.port = wait_for("SMTP server listening", port, timeout=20)

    def messages(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stderr.close()


class EmailEndToEnd(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("email")
        self.smtp = SmtpServer(self.workdir, "bridge:" + SMTP_PASSWORD)
        self.hook = WebhookReceiver()
        self.hook.fail_with = 500
        os.environ.update({
            "E2E_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "E2E_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "E2E_SMTP_USER": "bridge",
            "E2E_SMTP_PASSWORD": SMTP_PASSWORD,
            "E2E_SMTP_WRONG_PASSWORD": WRONG_PASSWORD,
            "E2E_HOOK_URL": self.hook.url() + "/" + URL_TOKEN,
        })
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  RECEIVERS.format(ca=self.smtp.cert))
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        self.bridge.stop()
        self.smtp.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def post(self, status):
        code, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                               am_payload(status, ["db-1"]))
        self.assertEqual(code, 200, body)

    def test_mails_are_threaded_per_incident_and_secrets_stay_hidden(self):
        self.post("firing")
        first = wait_for("the declared mail", self.smtp.messages)[0]
        self.post("resolved")
        mails = wait_for("the resolved mail", lambda: self.smtp.messages()[1:] and
                         self.smtp.messages())
        self.assertEqual(len(mails), 2)
        incident = self.bridge.incidents()[0]
        self.assertTrue(first["tls"])
        self.assertEqual(first["auth_user"], "bridge")
        self.assertEqual(first["headers"]["Message-ID"], f"<{incident['key']}_1@alerts.example>")
        # The same subject for every mail of the incident (Gmail threads by subject too).
        self.assertEqual(first["headers"]["Subject"],
                         f"[{incident['key']}] " + incident["title"] + " (a receiver template)")
        self.assertIn(incident["key"], first["text"])
        self.assertIn("<table>", first["html"])
        second = mails[1]["headers"]
        self.assertEqual(second["In-Reply-To"], first["headers"]["Message-ID"])
        self.assertEqual(second["References"], first["headers"]["Message-ID"])
        self.assertEqual(second["Subject"], first["headers"]["Subject"])
        refs = self.bridge.incident(incident["id"])["external_refs"]
        self.assertIn({"receiver": "mail", "type": "message-id",
                       "id": first["headers"]["Message-ID"], "url": ""}, refs)

        # The receivers with a wrong password and a failing URL give up; their errors are shown.
        dead = wait_for("both failing receivers dead-lettered",
                        lambda: len(self.bridge.outbox("?state=dead")) >= 3 and
                        self.bridge.outbox("?state=dead"))
        errors = {e["receiver"]: e["last_error"] for e in dead}
        self.assertIn("SMTP 535", errors["mail-wrong-password"])
        self.assertIn("HTTP 500", errors["hook"])

        # Nothing anyone can read holds a secret: logs, API answers, metrics, `check` output.
        with open(self.bridge.log_path, "rb") as f:
            logs = f.read().decode(errors="replace")
        self.assertIn("mail-wrong-password", logs)  # the failures were logged
        check = subprocess.run([ALERTBRIDGE, "check", self.bridge.config], capture_output=True,
                               timeout=30)
        self.assertEqual(check.returncode, 0, check.stderr)
        readable = {
            "logs": logs,
            "outbox": json.dumps(self.bridge.outbox()),
            "incident": json.dumps(self.bridge.incident(incident["id"])),
            "metrics": self.bridge.metrics(),
            "check": (check.stdout + check.stderr).decode(errors="replace"),
        }
        for where, text in readable.items():
            for secret in (SMTP_PASSWORD, WRONG_PASSWORD, URL_TOKEN):
                self.assertNotIn(secret, text, f"a secret in the {where}")


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
