"""End to end, issue 13 proof 8: every receiver type configured with secrets (env: references),
aimed at endpoints that refuse each request and echo it back (the worst case: a debugging proxy
or an error page that repeats the Authorization header, the URL's token path and the body), and
an SMTP server that refuses the login. Then no secret value may appear in alertbridge's logs,
`alertbridge check` output, API responses, /metrics, or the SQLite database file (and its WAL).

Run: python3 tests/e2e/test_secrets.py --alertbridge build/src/alertbridge"""

import base64
import glob
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import unittest

import harness
from harness import Alertbridge, http_json, new_workdir, wait_for

ALERTBRIDGE = None

SECRETS = {
    "AB_SEC_HOOK_PATH": "hookPathS3cret0001",
    "AB_SEC_HOOK_SECRET": "whsec_" + base64.b64encode(b"hook-signing-key-S3cret0002").decode(),
    "AB_SEC_HOOK_AUTH": "Bearer hookHeaderS3cret0003",
    "AB_SEC_SLACK_PATH": "T0000/B0000/slackPathS3cret0004",
    "AB_SEC_TEAMS_SIG": "teamsSigS3cret0005",
    "AB_SEC_PD_KEY": "pdRoutingKeyS3cret0006abcdefghij",  # 32 characters, as PagerDuty wants
    "AB_SEC_GENIE_KEY": "genieKeyS3cret0007",
    "AB_SEC_JIRA_USER": "jiraUserS3cret0008@example.com",
    "AB_SEC_JIRA_TOKEN": "jiraTokenS3cret0009",
    "AB_SEC_GITHUB_TOKEN": "ghp_githubTokenS3cret0010",
    "AB_SEC_SNOW_USER": "snowUserS3cret0011",
    "AB_SEC_SNOW_PASSWORD": "snowPasswordS3cret0012",
    "AB_SEC_SMTP_USER": "smtpUserS3cret0013",
    "AB_SEC_SMTP_PASSWORD": "smtpPasswordS3cret0014",
}


def forms(value):
    """The value and the encodings it travels in (Basic auth, AUTH PLAIN/LOGIN)."""
    out = {value, base64.b64encode(value.encode()).decode()}
    return out


class EchoServer:
    """Refuses every request with 400, repeating the whole request in the error message."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def _echo(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode(errors="replace")
                echoed = f"{self.command} {self.path} {dict(self.headers)} {body}"
                payload = json.dumps({"message": echoed, "errorMessages": [echoed],
                                      "error": {"message": echoed, "detail": echoed}}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = _echo

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


RULES = """
rules:
  - name: everything
    match: ['alertname="SecretsTest"']
    group_by: [service]
    severity: {default: SEV1}
    resolve: {when_alerts_resolved: true, after: 0s}
    receivers: [hook, slack, teams, pd, genie, jira, gh, snow, mail]
"""

FAST = "    retry: {max_attempts: 2, initial_backoff: 50ms, max_backoff: 100ms}\n    timeout: 3s\n"


def receivers(echo, smtp_port):
    r = f"""receivers:
  - name: hook
    type: webhook
    url: env:AB_SEC_HOOK_URL
    secret: env:AB_SEC_HOOK_SECRET
    headers: {{Authorization: env:AB_SEC_HOOK_AUTH}}
{FAST}  - name: slack
    type: slack
    url: env:AB_SEC_SLACK_URL
{FAST}  - name: teams
    type: teams
    url: env:AB_SEC_TEAMS_URL
{FAST}  - name: pd
    type: pagerduty
    routing_key: env:AB_SEC_PD_KEY
    base_url: {echo}
{FAST}  - name: genie
    type: opsgenie
    api_key: env:AB_SEC_GENIE_KEY
    base_url: {echo}
{FAST}  - name: jira
    type: jira
    url: {echo}
    auth: {{basic: {{user: env:AB_SEC_JIRA_USER, password: env:AB_SEC_JIRA_TOKEN}}}}
    project: OPS
    issue_type: Incident
{FAST}  - name: gh
    type: github
    base_url: {echo}
    repository: acme/ops
    token: env:AB_SEC_GITHUB_TOKEN
{FAST}  - name: snow
    type: servicenow
    url: {echo}
    auth: {{basic: {{user: env:AB_SEC_SNOW_USER, password: env:AB_SEC_SNOW_PASSWORD}}}}
{FAST}  - name: mail
    type: email
    url: smtp://127.0.0.1:{smtp_port}
    starttls: true
    ca_file: CAFILE
    auth: {{user: env:AB_SEC_SMTP_USER, password: env:AB_SEC_SMTP_PASSWORD}}
    from: alertbridge <bridge@alerts.example>
    to: [oncall@example.com]
{FAST}"""
    return r


class SecretsNeverShow(unittest.TestCase):
    def test_no_secret_reaches_logs_check_api_metrics_or_the_database(self):
        workdir = new_workdir("secrets")
        echo = EchoServer()
        self.addCleanup(echo.close)
        env = dict(SECRETS)
        env["AB_SEC_HOOK_URL"] = f"{echo.url}/hooks/{SECRETS['AB_SEC_HOOK_PATH']}"
        env["AB_SEC_SLACK_URL"] = f"{echo.url}/services/{SECRETS['AB_SEC_SLACK_PATH']}"
        env["AB_SEC_TEAMS_URL"] = (f"{echo.url}/workflows/x/triggers/manual/paths/invoke"
                                   f"?api-version=1&sig={SECRETS['AB_SEC_TEAMS_SIG']}")
        os.environ.update(env)

        # An SMTP server (aiosmtpd, STARTTLS) that knows another password: the login fails.
        smtp_dir = os.path.join(workdir, "smtp")
        os.makedirs(smtp_dir)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                        os.path.join(smtp_dir, "key.pem"), "-out",
                        os.path.join(smtp_dir, "cert.pem")],
                       check=True, capture_output=True)
        port_file = os.path.join(smtp_dir, "port")
        smtp = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "smtp_server.py"),
             "--port-file", port_file, "--out", os.path.join(smtp_dir, "out.jsonl"),
             "--tls-cert", os.path.join(smtp_dir, "cert.pem"),
             "--tls-key", os.path.join(smtp_dir, "key.pem"),
             "--auth", SECRETS["AB_SEC_SMTP_USER"] + ":another-password"])
        self.addCleanup(smtp.terminate)
        wait_for("smtp server", lambda: os.path.exists(port_file), timeout=20)
        with open(port_file) as f:
            smtp_port = int(f.read())

        yaml = receivers(echo.url, smtp_port).replace("CAFILE",
                                                      os.path.join(smtp_dir, "cert.pem"))
        ab = Alertbridge(ALERTBRIDGE, workdir, RULES, yaml)
        check = subprocess.run([ALERTBRIDGE, "check", "--config", ab.config], cwd=workdir,
                               capture_output=True, text=True, env={**os.environ, **env})
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        # And a check that fails on something else still names no secret.
        with open(os.path.join(workdir, "receivers", "broken.yml"), "w") as f:
            f.write("receivers:\n  - name: broken\n    type: webhook\n"
                    "    url: " + env["AB_SEC_HOOK_URL"].replace("http", "ftp") + "\n")
        broken = subprocess.run([ALERTBRIDGE, "check", "--config", ab.config], cwd=workdir,
                                capture_output=True, text=True, env={**os.environ, **env})
        os.remove(os.path.join(workdir, "receivers", "broken.yml"))
        self.assertNotEqual(broken.returncode, 0)

        ab.start()
        self.addCleanup(ab.stop)
        alert = [{"labels": {"alertname": "SecretsTest", "service": "db"}}]
        status, body = http_json("POST", ab.base() + "/api/v2/alerts", alert)
        self.assertEqual(status, 200, body)
        # Every receiver tried and gave up: the vendors' echoes are in last_error and the logs.
        wait_for("every receiver's entry dead",
                 lambda: len({e["receiver"] for e in ab.outbox("?state=dead")}) == 9,
                 timeout=60)

        answers = [check.stdout, check.stderr, broken.stdout, broken.stderr]
        for path in ("/api/v1/incidents", "/api/v1/incidents/1", "/api/v1/outbox",
                     "/api/v1/outbox?state=dead", "/metrics"):
            status, body = http_json("GET", ab.base() + path)
            self.assertEqual(status, 200, (path, body))
            answers.append(body if isinstance(body, str) else json.dumps(body))
        dead = ab.outbox("?state=dead")
        self.assertTrue(any("400" in e["last_error"] for e in dead), dead)
        # The echoes did reach alertbridge (so the checks below are not vacuous): redacted.
        echoed = {e["receiver"] for e in dead if "[redacted]" in e["last_error"]}
        self.assertTrue({"hook", "slack", "teams", "genie", "jira", "gh", "snow"} <= echoed,
                        dead)
        ab.stop()
        for path in (ab.log_path, ab.out_path):  # log lines, and the console receiver's events
            with open(path, "rb") as f:
                answers.append(f.read().decode(errors="replace"))
        for db in glob.glob(os.path.join(workdir, "data", "alertbridge.db*")):
            with open(db, "rb") as f:
                answers.append(f.read().decode("latin-1"))

        for name, value in SECRETS.items():
            for form in forms(value):
                for i, text in enumerate(answers):
                    self.assertNotIn(form, text, f"{name} shows in answer {i}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
