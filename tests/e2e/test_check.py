"""`alertbridge check` as CI uses it, against the real binary:

- `check rules/` alone checks the rules' receiver names against the receivers of the config serve
  would load there, or warns (not fails) when it cannot see any; --strict fails on warnings.
- whatever makes `serve` refuse to start fails `check` too: a PagerDuty routing key of the wrong
  length, a whsec_ secret that is not base64, an unset env: secret (with --env; a warning
  without, as the secrets live where serve runs);
- a receiver no rule uses whose secret is missing is a warning at serve start, not a refusal.

Run: python3 tests/e2e/test_check.py --alertbridge build/src/alertbridge"""

import os
import shutil
import subprocess
import sys
import unittest

import harness
from harness import Alertbridge, new_workdir

ALERTBRIDGE = None

RULES = """rules:
  - name: db
    match: ['service="db"']
    receivers: [console, ops-hook]
"""
RECEIVERS = """receivers:
  - {name: console, type: console}
  - {name: ops-hook, type: webhook, url: 'http://127.0.0.1:9/hook'}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Check(unittest.TestCase):
    def setUp(self):
        self.dir = new_workdir("check")
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.environ.pop("E2E_CHECK_UNSET", None)

    def check(self, *args, cwd=None, env=None):
        run = subprocess.run([ALERTBRIDGE, "check", *args], cwd=cwd or self.dir,
                             capture_output=True, text=True, timeout=30,
                             env=dict(os.environ, **(env or {})))
        return run.returncode, run.stdout, run.stderr

    def test_rules_alone_use_the_default_configs_receivers(self):
        write(os.path.join(self.dir, "rules", "db.yml"), RULES)
        write(os.path.join(self.dir, "receivers", "all.yml"), RECEIVERS)
        rc, out, err = self.check("rules/")
        self.assertEqual((rc, out), (0, "1 rules, 0 receivers OK\n"), err)
        # alertbridge.yml names another receivers folder: that one counts.
        write(os.path.join(self.dir, "alertbridge.yml"), "receivers: [team-receivers/]\n")
        write(os.path.join(self.dir, "team-receivers", "r.yml"),
              "receivers:\n  - {name: console, type: console}\n")
        rc, out, err = self.check("rules/")
        self.assertEqual(rc, 1, out + err)
        self.assertIn('rules/db.yml:4:26: unknown receiver "ops-hook" (not among the receivers of '
                      'alertbridge.yml)', err)

    def test_rules_alone_without_receivers_in_sight_warn(self):
        write(os.path.join(self.dir, "rules", "db.yml"), RULES)
        rc, out, err = self.check("rules/")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(out, "1 rules, 0 receivers OK (2 warnings)\n")
        self.assertIn('rules/db.yml:4:17: warning: receiver "console" not checked: no receivers '
                      'file or alertbridge.yml among the checked paths', err)
        rc, out, err = self.check("--strict", "rules/")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("0 errors, 2 warnings (--strict)", err)

    def test_what_refuses_serve_fails_check(self):
        write(os.path.join(self.dir, "rules", "db.yml"),
              RULES.replace("[console, ops-hook]", "[console, pd]"))
        cases = [
            ("  - {name: pd, type: pagerduty, routing_key: 0123456789abcdef}\n",
             "routing_key (inline value) must be 32 characters, got 16"),
            ("  - {name: pd, type: webhook, url: 'http://127.0.0.1:9/', secret: whsec_abc!}\n",
             "not standard base64"),
        ]
        config = os.path.join(self.dir, "alertbridge.yml")
        write(config, f"listen: 127.0.0.1:{harness.free_port()}\n")
        for receiver, message in cases:
            write(os.path.join(self.dir, "receivers", "all.yml"),
                  "receivers:\n  - {name: console, type: console}\n" + receiver)
            rc, out, err = self.check("rules/", "receivers/")
            self.assertEqual(rc, 1, out + err)
            self.assertIn(message, err)
            self.assertNotIn("0123456789abcdef", err)
            serve = subprocess.run([ALERTBRIDGE, "serve", "--config", config],
                                   cwd=self.dir, capture_output=True, text=True, timeout=30)
            self.assertEqual(serve.returncode, 1, serve.stderr)
            self.assertIn(message, serve.stderr)

    def test_unset_secrets_warn_unless_env_says_they_are_here(self):
        write(os.path.join(self.dir, "rules", "db.yml"), RULES)
        write(os.path.join(self.dir, "receivers", "all.yml"),
              RECEIVERS.replace("'http://127.0.0.1:9/hook'", "env:E2E_CHECK_UNSET"))
        rc, out, err = self.check("rules/", "receivers/")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("not checked here: env:E2E_CHECK_UNSET; serve refuses to start without it",
                      err)
        rc, out, err = self.check("--env", "rules/", "receivers/")
        self.assertEqual(rc, 1, out + err)
        self.assertIn('receiver "ops-hook": cannot resolve url env:E2E_CHECK_UNSET: environment '
                      'variable E2E_CHECK_UNSET is not set', err)
        rc, out, err = self.check("--env", "rules/", "receivers/",
                                  env={"E2E_CHECK_UNSET": "http://127.0.0.1:9/hook"})
        self.assertEqual(rc, 0, out + err)

    def test_unused_receiver_without_its_secret_only_warns_at_start(self):
        bridge = Alertbridge(ALERTBRIDGE, self.dir,
                             RULES.replace("[console, ops-hook]", "[console]"),
                             RECEIVERS.replace("'http://127.0.0.1:9/hook'", "env:E2E_CHECK_UNSET"))
        harness.failure_context = bridge.logs
        bridge.start()
        try:
            self.assertIn("no rule uses it: left out", bridge.logs())
        finally:
            self.assertEqual(bridge.stop(), 0)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
