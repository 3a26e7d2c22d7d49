"""End to end: the real Prometheus (Debian's `prometheus`) sends its alerts straight to a real
`alertbridge serve` through `alerting.alertmanagers` (Alertmanager API v2, POST /api/v2/alerts),
with no Alertmanager in between. An always-firing rule must become a declared incident.

Run: python3 tests/e2e/test_prometheus.py --alertbridge build/src/alertbridge"""

import os
import shutil
import subprocess
import sys
import unittest

import harness
from harness import Alertbridge, free_port, http_json, new_workdir, wait_for

ALERTBRIDGE = None

RULES = """
rules:
  - name: always-firing
    match: ['alertname="AlwaysFiring"', 'origin="prometheus"']
    group_by: [alertname]
    severity:
      default: SEV4
      from_label: {label: severity, map: {critical: SEV2}}
    title: "{{labels.alertname}}: {{annotations.summary}}"
    receivers: [console]
"""

RECEIVERS = """
receivers:
  - name: console
    type: console
"""

ALERT_RULES = """
groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: critical
          origin: prometheus
        annotations:
          summary: vector(1) is always 1
"""


class Prometheus:
    """The real Prometheus server, evaluating one always-firing rule every second and sending the
    alert to alertbridge as if it were an Alertmanager."""

    def __init__(self, workdir, bridge_port):
        self.workdir = workdir
        self.port = free_port()
        self.binary = shutil.which("prometheus")
        if not self.binary:
            raise AssertionError("prometheus is not installed (scripts/bootstrap.sh)")
        self.rules = os.path.join(workdir, "alert.rules.yml")
        with open(self.rules, "w") as f:
            f.write(ALERT_RULES)
        self.config = os.path.join(workdir, "prometheus.yml")
        with open(self.config, "w") as f:
            f.write(
                "global:\n"
                "  evaluation_interval: 1s\n"
                "  scrape_interval: 1h\n"
                f"rule_files: [{self.rules}]\n"
                "alerting:\n"
                "  alertmanagers:\n"
                "    - api_version: v2\n"
                "      timeout: 5s\n"
                "      static_configs:\n"
                f"        - targets: ['127.0.0.1:{bridge_port}']\n")
        self.proc = None
        self.log_path = os.path.join(workdir, "prometheus.log")

    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={self.config}",
             f"--storage.tsdb.path={os.path.join(self.workdir, 'prom-data')}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             # Send what fired at once rather than batching for the default 1m resend delay.
             "--rules.alert.resend-delay=1s"],
            stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        wait_for("prometheus ready", self._ready, timeout=60)

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited with {self.proc.returncode}:\n" + self.logs())
        return http_json("GET", self.base() + "/-/ready", timeout=1)[0] == 200

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def alertmanagers(self):
        status, body = http_json("GET", self.base() + "/api/v1/alertmanagers")
        assert status == 200, body
        return [a["url"] for a in body["data"]["activeAlertmanagers"]]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PrometheusToIncident(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("prometheus")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, RECEIVERS)
        self.prom = None
        harness.failure_context = self.logs
        self.bridge.start()
        self.prom = Prometheus(self.workdir, self.bridge.port)
        self.prom.start()

    def logs(self):
        text = "alertbridge:\n" + self.bridge.logs()
        if self.prom:
            text += "\nprometheus:\n" + self.prom.logs()
        return text

    def tearDown(self):
        if self.prom:
            self.prom.stop()
        rc = self.bridge.stop()
        self.assertEqual(rc, 0, "alertbridge did not shut down cleanly on SIGTERM")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def test_always_firing_rule_declares_an_incident(self):
        wait_for("prometheus to discover alertbridge as its alertmanager",
                 lambda: any(str(self.bridge.port) in u for u in self.prom.alertmanagers()))
        self.assertEqual(self.prom.alertmanagers(),
                         [f"http://127.0.0.1:{self.bridge.port}/api/v2/alerts"])

        incident = wait_for(
            "a declared incident from Prometheus' alert",
            lambda: [i for i in self.bridge.incidents() if i["state"] == "declared"],
            timeout=60)[0]
        self.assertEqual(incident["rule"], "always-firing")
        self.assertEqual(incident["group"], {"alertname": "AlwaysFiring"})
        self.assertEqual(incident["base_severity"], "SEV2")
        self.assertEqual(incident["title"], "AlwaysFiring: vector(1) is always 1")

        detail = self.bridge.incident(incident["id"])
        self.assertEqual(len(detail["alerts"]), 1)
        alert = detail["alerts"][0]
        self.assertEqual(alert["labels"], {"alertname": "AlwaysFiring", "severity": "critical",
                                           "origin": "prometheus"})
        self.assertEqual(alert["status"], "firing")
        # Prometheus links back to the expression that fired.
        self.assertIn("/graph?g0.expr=vector%281%29", alert["generator_url"])

        # Prometheus re-sends the firing alert every resend delay: the same alert, one incident.
        wait_for("a re-sent notification accepted",
                 lambda: self.accepted_requests() >= 3, timeout=30)
        self.assertEqual(len(self.bridge.incidents()), 1)
        self.assertEqual(len(self.bridge.incident(incident["id"])["alerts"]), 1)

    def accepted_requests(self):
        status, metrics = http_json("GET", self.bridge.base() + "/metrics")
        self.assertEqual(status, 200)
        for line in metrics.splitlines():
            if line.startswith("alertbridge_alerts_received_total{") and \
                    'result="accepted"' in line:
                return float(line.rsplit(" ", 1)[1])
        return 0


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
