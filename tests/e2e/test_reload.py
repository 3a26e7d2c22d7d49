"""End to end: live reload of the configuration (SIGHUP and POST /-/reload).

A real `alertbridge serve` on a free loopback port: a rule added to the rules file declares after
a SIGHUP; an invalid rules file is refused (400 naming file:line:col, logged too) and the old
configuration keeps serving; the reload metrics follow; an incident whose rule vanished stays open
flagged `orphaned` and resolves by its alerts; a removed receiver's entries are held (listed,
not dead-lettered) and delivered once it is added back.

Run: python3 tests/e2e/test_reload.py --alertbridge build/src/alertbridge"""

import os
import re
import signal
import sys
import unittest

import harness
from harness import WEBHOOK_SECRET, Alertbridge, WebhookReceiver, http_json, new_workdir, wait_for

ALERTBRIDGE = None


def rule(name, service, receiver):
    return (f"  - name: {name}\n    match: ['service=\"{service}\"']\n    group_by: [service]\n"
            f"    receivers: [{receiver}]\n")


def receiver(name, url):
    return (f"  - name: {name}\n    type: webhook\n    url: {url}\n"
            "    secret: env:E2E_WEBHOOK_SECRET\n"
            "    retry: {max_attempts: 1000, initial_backoff: 50ms, max_backoff: 100ms}\n")


def am_payload(service, instance, status="firing"):
    alert = {
        "status": status,
        "labels": {"alertname": "Down", "service": service, "instance": instance},
        "annotations": {},
        "startsAt": "2026-11-22T22:44:03.655Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T22:50:03.655Z",
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": "0000000000000000",
    }
    return {"receiver": "bridge", "status": status, "alerts": [alert], "groupLabels": {},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
            "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0}


def metric(text, name):
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class Reload(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("reload")
        self.hook = WebhookReceiver()
        self.pager = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir,
                                  "rules:\n" + rule("checkout", "checkout", "hook"),
                                  self.receivers(pager=True))
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def tearDown(self):
        self.bridge.stop()
        self.hook.close()
        self.pager.close()
        harness.failure_context = None

    def receivers(self, pager):
        text = "receivers:\n" + receiver("hook", self.hook.url())
        if pager:
            text += receiver("pager", self.pager.url())
        return text

    def write(self, folder, text):
        with open(os.path.join(self.workdir, folder, folder + ".yml"), "w") as f:
            f.write(text)

    def send(self, service, instance, status="firing"):
        status_code, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                      am_payload(service, instance, status))
        self.assertEqual(status_code, 200, body)

    def reload_http(self):
        return http_json("POST", self.bridge.base() + "/-/reload")

    def full_log(self):
        with open(self.bridge.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def sighup_and_wait(self):
        before = self.full_log().count("configuration reloaded")
        self.bridge.proc.send_signal(signal.SIGHUP)
        wait_for("the SIGHUP reload",
                 lambda: self.full_log().count("configuration reloaded") > before)

    def open_incident(self, rule_name):
        return [i for i in self.bridge.incidents("?state=open") if i["rule"] == rule_name]

    def test_reload(self):
        b = self.bridge
        metrics = b.metrics()
        self.assertEqual(metric(metrics, "alertbridge_config_last_reload_successful"), 1)
        started_at = metric(metrics, "alertbridge_config_last_reload_success_timestamp_seconds")
        self.assertGreater(started_at, 1.7e9)

        # 1. A rule added to the file declares after a SIGHUP (not before).
        self.send("checkout", "c1")
        [checkout] = wait_for("checkout declared", lambda: self.open_incident("checkout"))
        self.send("db", "d1")
        self.write("rules", "rules:\n" + rule("checkout", "checkout", "hook") +
                   rule("db", "db", "pager"))
        self.sighup_and_wait()
        self.assertEqual(self.open_incident("db"), [])  # received before the reload: no rule then
        self.send("db", "d2")
        [db] = wait_for("db declared by the new rule", lambda: self.open_incident("db"))
        wait_for("the pager told", lambda: "declared" in self.pager.types())
        self.assertGreaterEqual(
            metric(b.metrics(), "alertbridge_config_last_reload_success_timestamp_seconds"),
            started_at)

        # 2. An invalid rules file: refused with file:line:col, the old configuration serves.
        self.write("rules", "rules:\n" + rule("checkout", "checkout", "hook") +
                   "  - name: broken\n    match: ['service=\"x\"']\n    receivers: [hook]\n"
                   "    no_such_key: 1\n")
        status, body = self.reload_http()
        self.assertEqual(status, 400, body)
        texts = [e["text"] for e in body["errors"]]
        rules_file = os.path.join(self.workdir, "rules", "rules.yml")
        self.assertTrue(any(re.search(re.escape("rules.yml") + r":9:\d+: .*no_such_key", t)
                            for t in texts), texts)
        self.assertTrue(any(e["line"] == 9 and e["file"].endswith("rules.yml")
                            for e in body["errors"]), body)
        self.assertIn("rules.yml:9:", self.full_log())
        self.assertTrue(os.path.exists(rules_file))
        self.assertEqual(metric(b.metrics(), "alertbridge_config_last_reload_successful"), 0)
        members = b.incident(db["id"])["alerts_total"]
        self.send("db", "d3")  # the db rule (old config) still takes alerts
        wait_for("d3 joins the db incident",
                 lambda: b.incident(db["id"])["alerts_total"] == members + 1)

        # 3. The rule of an open incident vanishes: it stays open, flagged orphaned; and the pager
        #    receiver is removed while it fails, so its entries are held, not dead-lettered.
        self.pager.fail_with = 503
        status, body = http_json("POST", f"{b.base()}/api/v1/incidents/{db['id']}/ack",
                                 {"actor": "e2e"})
        self.assertEqual(status, 200, body)  # `acknowledged` for the pager, which now fails
        wait_for("the pager failing", lambda: any(
            e["receiver"] == "pager" and e["attempts"] > 0 for e in b.outbox("?state=pending")))
        self.write("rules", "rules:\n" + rule("db", "db", "hook"))
        self.write("receivers", self.receivers(pager=False))
        status, body = self.reload_http()
        self.assertEqual(status, 200, body)
        self.assertEqual(metric(b.metrics(), "alertbridge_config_last_reload_successful"), 1)
        # The swap is answered at once; the flag rows commit with the engine's next group.
        inc = wait_for("the orphaned flag stored",
                       lambda: (lambda i: i if i["flags"] == ["orphaned"] else None)(
                           b.incident(checkout["id"])))
        self.assertEqual(inc["state"], "declared")
        self.assertEqual(b.incident(db["id"])["flags"], [])  # rule changed, not gone
        held = wait_for("the pager's entries held", lambda: [
            e for e in b.outbox("?receiver=pager") if e["state"] == "held"])
        self.assertTrue(all(e["state"] in ("held", "delivered")
                            for e in b.outbox("?receiver=pager")), b.outbox("?receiver=pager"))
        self.assertIn("not configured", held[0]["last_error"])
        self.assertEqual(b.outbox("?state=dead"), [])
        attempts = len(self.pager.attempts)
        # The orphaned incident resolves by its alerts, as before.
        self.send("checkout", "c1", status="resolved")
        wait_for("orphaned incident resolved",
                 lambda: b.incident(checkout["id"])["state"] == "resolved")
        wait_for("the hook told", lambda: self.hook.types().count("resolved") >= 1)
        self.assertEqual(len(self.pager.attempts), attempts)  # nothing went to the held receiver

        # 4. The pager added back (now healthy): its held entries go out.
        self.pager.fail_with = None
        self.write("rules", "rules:\n" + rule("db", "db", "pager"))
        self.write("receivers", self.receivers(pager=True))
        self.sighup_and_wait()
        wait_for("held entries delivered after the re-add",
                 lambda: all(e["state"] == "delivered" for e in b.outbox("?receiver=pager")))
        self.assertIn("acknowledged", self.pager.types())
        self.assertTrue(b.settled())
        self.assertEqual(metric(b.metrics(), "alertbridge_config_last_reload_successful"), 1)

    def test_reload_refused_when_a_secret_is_missing_keeps_the_old_receivers(self):
        self.write("receivers", self.receivers(pager=True).replace(
            "env:E2E_WEBHOOK_SECRET", "env:E2E_RELOAD_UNSET_SECRET", 1))
        status, body = self.reload_http()
        self.assertEqual(status, 400, body)
        self.assertIn("E2E_RELOAD_UNSET_SECRET", body["errors"][0]["message"])
        self.send("checkout", "c1")
        wait_for("delivered with the old receivers", lambda: "declared" in self.hook.types())

    def test_settings_that_need_a_restart_keep_their_running_value(self):
        with open(self.bridge.config) as f:
            original = f.read()
        with open(self.bridge.config, "a") as f:
            f.write("retention: {delivered_outbox: 1h}\ninstance_id: moved-elsewhere\n")
        status, body = self.reload_http()
        self.assertEqual(status, 200, body)
        log = self.full_log()
        for setting in ("retention", "instance_id"):
            self.assertRegex(log, r'msg="reload: a setting changed that needs a restart; the '
                             r'running value stays" setting=' + setting)
        with open(self.bridge.config, "w") as f:
            f.write(original)


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
