"""End to end: /metrics of a real `alertbridge serve` after some traffic passes
`promtool check metrics` (Prometheus' own linter), carries the series operators need, and every
metric the Grafana dashboard in examples/grafana/ queries exists there.

Run: python3 tests/e2e/test_metrics.py --alertbridge build/src/alertbridge"""

import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import harness
from harness import Alertbridge, am_payload, http_json, new_workdir, wait_for

ALERTBRIDGE = None
DASHBOARD = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "grafana",
                         "alertbridge-dashboard.json")

RULES = """
rules:
  - name: db
    match: ['service="db"']
    group_by: [service]
    receivers: [console]
"""
RECEIVERS = "receivers:\n  - {name: console, type: console}\n"


def families(text):
    """Metric family name -> type, from the # TYPE lines."""
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))


def sample(text, name, **labels):
    """The sum of the samples of `name` that have these labels (and maybe others); None if none."""
    total = None
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        series, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            total = (total or 0) + float(value)
    return total


def dashboard_metrics(dashboard):
    """Every metric name the dashboard's queries use (histogram series mapped to their family)."""
    names = set()
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [v["query"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    for expr in exprs:
        for name in re.findall(r"\b((?:alertbridge|process)_[a-z0-9_]+)", expr):
            names.add(re.sub(r"_(bucket|sum|count)$", "", name))
    return exprs, names


class Metrics(unittest.TestCase):
    def setUp(self):
        self.workdir = new_workdir("metrics")
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES, RECEIVERS)
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        rc = self.bridge.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.assertEqual(rc, 0)

    def test_metrics_pass_promtool_and_feed_the_dashboard(self):
        base = self.bridge.base()
        # Traffic for each kind of series: accepted and rejected ingest, a fingerprint mismatch
        # (am_payload sends fingerprint 0000...), an incident, an action, a 404.
        status, body = http_json("POST", base + "/api/v1/alerts/alertmanager",
                                 am_payload("firing", ["db-1", "db-2"]))
        self.assertEqual(status, 200, body)
        self.assertEqual(http_json("POST", base + "/api/v1/alerts/alertmanager", {"x": 1})[0], 400)
        [incident] = self.bridge.incidents("?state=open")
        status, body = http_json("POST", f"{base}/api/v1/incidents/{incident['id']}/ack", {})
        self.assertEqual(status, 200, body)
        self.assertEqual(http_json("GET", base + "/api/v1/nothing")[0], 404)
        # Incident gauges follow the engine's tick (1s).
        text = wait_for("incident gauge", lambda: (lambda t: t if sample(
            t, "alertbridge_incidents", state="acknowledged") == 1 else None)(
                self.bridge.metrics()))

        lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                              text=True, timeout=30)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        self.assertEqual(lint.stdout.strip() + lint.stderr.strip(), "", "promtool lint problems")

        fams = families(text)
        for name, kind in {
                "alertbridge_alerts_received_total": "counter",
                "alertbridge_ingest_requests_total": "counter",
                "alertbridge_sender_fingerprint_mismatches_total": "counter",
                "alertbridge_alerts_firing": "gauge",
                "alertbridge_incidents": "gauge",
                "alertbridge_rule_evaluation_duration_seconds": "histogram",
                "alertbridge_http_requests_total": "counter",
                "alertbridge_store_commit_duration_seconds": "histogram",
                "alertbridge_store_commit_group_size": "histogram",
                "alertbridge_build_info": "gauge",
                "alertbridge_config_last_reload_successful": "gauge",
                "alertbridge_config_last_reload_success_timestamp_seconds": "gauge",
                "process_cpu_seconds_total": "counter",
                "process_resident_memory_bytes": "gauge",
                "process_start_time_seconds": "gauge",
                "process_open_fds": "gauge",
                "process_max_fds": "gauge"}.items():
            self.assertEqual(fams.get(name), kind, name)
        self.assertEqual(sample(text, "alertbridge_ingest_requests_total", source="alertmanager",
                                result="accepted"), 1)
        self.assertEqual(sample(text, "alertbridge_ingest_requests_total", source="alertmanager",
                                result="rejected"), 1)
        self.assertEqual(sample(text, "alertbridge_sender_fingerprint_mismatches_total",
                                source="alertmanager"), 2)
        self.assertEqual(sample(text, "alertbridge_alerts_firing"), 2)
        self.assertEqual(sample(text, "alertbridge_incidents", state="declared", severity="SEV3"), 0)
        self.assertEqual(sample(text, "alertbridge_http_requests_total", route="other", code="404"),
                         1)
        self.assertGreaterEqual(sample(text, "alertbridge_rule_evaluation_duration_seconds_count"),
                                1)
        self.assertEqual(sample(text, "alertbridge_config_last_reload_successful"), 1)
        self.assertRegex(text, r'alertbridge_build_info\{[^}]*revision="[^"]+"[^}]*version="[^"]+"')
        self.assertGreater(sample(text, "process_resident_memory_bytes"), 1e6)
        self.assertGreater(sample(text, "process_open_fds"), 3)

        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        exprs, names = dashboard_metrics(dashboard)
        self.assertGreater(len(exprs), 20)
        missing = sorted(n for n in names if n not in fams)
        self.assertEqual(missing, [], "dashboard queries metrics that /metrics does not have")
        # Each panel's query names at least one real metric (no typos hiding behind a function).
        for expr in exprs:
            self.assertTrue(re.search(r"\b(alertbridge|process)_", expr), expr)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
