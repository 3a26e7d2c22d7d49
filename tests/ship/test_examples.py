"""examples/ as shipped (issue 15 item 10): the Prometheus and Alertmanager files pass their own
tools' checks, the Alertmanager route sends everything alertbridge needs (send_resolved, every
alert, a bearer token), the alertbridge rules for the common cases load with their receivers and
accounts, and examples/demo.sh runs the real Prometheus, Alertmanager and alertbridge to an
incident declared from a Prometheus rule and resolved.

Run: python3 tests/ship/test_examples.py --alertbridge build/src/alertbridge"""

import os
import pathlib
import subprocess
import sys
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402
from ship_util import tool  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ALERTBRIDGE = None


def run(*cmd, **kw):
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=kw.pop("timeout", 60),
                          **kw)


class ExampleFiles(unittest.TestCase):
    def test_prometheus_config_and_rules_pass_promtool(self):
        done = run(tool("promtool"), "check", "config", str(EXAMPLES / "prometheus.yml"))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("1 rule files found", done.stdout + done.stderr)
        done = run(tool("promtool"), "check", "rules", str(EXAMPLES / "prometheus-rules.yml"))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_prometheus_rules_cover_the_common_cases(self):
        rules = yaml.safe_load((EXAMPLES / "prometheus-rules.yml").read_text())
        alerts = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
        self.assertTrue({"ServiceDown", "ErrorBudgetBurn", "DiskFull", "CustomerErrors",
                         "HighLatency"} <= alerts, alerts)

    def test_alertmanager_config_passes_amtool_and_routes_to_alertbridge(self):
        done = run(tool("amtool"), "check-config", str(EXAMPLES / "alertmanager.yml"))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        am = yaml.safe_load((EXAMPLES / "alertmanager.yml").read_text())
        receiver = next(r for r in am["receivers"] if r["name"] == am["route"]["receiver"])
        hook = receiver["webhook_configs"][0]
        self.assertTrue(hook["url"].endswith("/api/v1/alerts/alertmanager"), hook)
        self.assertIs(hook["send_resolved"], True)
        self.assertEqual(hook["max_alerts"], 0)
        auth = hook["http_config"]["authorization"]
        self.assertEqual(auth["type"], "Bearer")
        self.assertIn("credentials_file", auth)

    def test_alertbridge_rules_load_with_their_receivers_and_accounts(self):
        done = run(ALERTBRIDGE, "check", str(EXAMPLES / "rules"),
                   str(EXAMPLES / "receivers" / "oncall.yml"), str(EXAMPLES / "accounts.yml"))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        names = set()
        for f in (EXAMPLES / "rules").glob("*.yml"):
            names |= {r["name"] for r in yaml.safe_load(f.read_text())["rules"]}
        self.assertTrue({"service-outage", "error-budget-burn", "disk-full", "warning-storm",
                         "customer-impact"} <= names, names)
        # Their own rule tests: each case declares what its comments say.
        done = run(ALERTBRIDGE, "test", str(EXAMPLES / "tests" / "rules_test.yml"))
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("SUCCESS (4 tests)", done.stdout)
        # The reference alertbridge.yml loads them too (rules/ and receivers/ beside it).
        env = dict(os.environ, AM_TOKEN="t", GRAFANA_SECRET="s")
        done = run(ALERTBRIDGE, "check", str(EXAMPLES / "alertbridge.yml"), env=env)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


class Demo(unittest.TestCase):
    def test_demo_declares_and_resolves_an_incident_from_a_prometheus_rule(self):
        env = dict(os.environ, ALERTBRIDGE=ALERTBRIDGE, DEMO_TIMEOUT="60")
        done = run("bash", str(EXAMPLES / "demo.sh"), env=env, timeout=240)
        out = done.stdout + done.stderr
        self.assertEqual(done.returncode, 0, out)
        self.assertRegex(out, r"\n1 declared SEV1 checkout is down http://127\.0\.0\.1:\d+/")
        self.assertRegex(out, r"\n1 resolved SEV1 checkout is down")
        self.assertRegex(out, r"declared rule:service-outage\n.*\n?.*resolved rule:service-outage")
        self.assertIn("demo: OK", out)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
