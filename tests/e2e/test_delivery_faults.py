"""End to end: delivery through receiver faults. A hung or failing receiver delays no other one;
429 with Retry-After is honoured; a kill -9 with a full outbox loses and duplicates nothing; a
dead entry is listed, discarded and counted.

Run: python3 tests/e2e/test_delivery_faults.py --alertbridge build/src/alertbridge"""

import os
import shutil
import sys
import threading
import unittest

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, wait_for)

ALERTBRIDGE = None

RULES = """
rules:
  - name: db-disk
    match: ['alertname="DiskFull"']
    group_by: [service]
    severity: {{default: SEV2}}
    receivers: [{receivers}]
"""

RECEIVER = """  - name: {name}
    type: webhook
    url: "{url}"
    secret: env:E2E_WEBHOOK_SECRET
    timeout: {timeout}
    retry: {{max_attempts: {attempts}, initial_backoff: 100ms, max_backoff: 200ms}}
    circuit_breaker: {circuit}
"""


class DeliveryFaults(unittest.TestCase):
    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        self.workdir = new_workdir("faults")
        self.hooks = {}
        self.bridge = None

    def tearDown(self):
        if self.bridge:
            self.bridge.stop()
        for hook in self.hooks.values():
            hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def start(self, names, timeout="10s", attempts=1000, circuit="{failures: 1000000}"):
        receivers = "receivers:\n"
        for name in names:
            self.hooks[name] = WebhookReceiver()
            receivers += RECEIVER.format(name=name, url=self.hooks[name].url(), timeout=timeout,
                                         attempts=attempts, circuit=circuit)
        rules = RULES.format(receivers=", ".join(names))
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, rules, receivers)
        harness.failure_context = self.bridge.logs
        self.bridge.start()

    def post(self, status, instances, service="db"):
        code, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                               am_payload(status, instances, service))
        self.assertEqual(code, 200, body)

    def test_outage_of_one_receiver_delays_no_other(self):
        self.start(["hung", "broken", "up"], timeout="30s")
        self.hooks["hung"].hold = threading.Event()  # answers nothing until released
        self.hooks["broken"].fail_with = 500
        self.post("firing", ["db-1"])

        wait_for("the hung receiver holds a request", lambda: self.hooks["hung"].waiting == 1)
        wait_for("the healthy receiver gets the event", lambda: self.hooks["up"].types())
        self.assertEqual(self.hooks["hung"].waiting, 1, "the hung request is still open")
        wait_for("the broken receiver is being retried",
                 lambda: len(self.hooks["broken"].attempts) >= 3)
        # More incidents while both are down: the healthy receiver gets each of them.
        for i in range(3):
            self.post("firing", [f"x-{i}"], service=f"svc-{i}")
        wait_for("every incident reaches the healthy receiver",
                 lambda: self.hooks["up"].types().count("declared") == 4)
        self.assertEqual(self.hooks["hung"].events, [])

        self.hooks["hung"].hold.set()
        self.hooks["broken"].fail_with = None
        wait_for("the others catch up", lambda: len(self.hooks["hung"].events) == 4 and
                 len(self.hooks["broken"].events) == 4)
        wait_for("outbox settled", self.bridge.settled)

    def test_429_retry_after_is_honoured(self):
        self.start(["hook"])
        hook = self.hooks["hook"]
        hook.fail_with = 429
        hook.retry_after = 2
        self.post("firing", ["db-1"])
        wait_for("first attempt", lambda: hook.attempts)
        hook.fail_with = None
        pending = wait_for("the retry is scheduled",
                           lambda: [e for e in self.bridge.outbox("?state=pending")
                                    if e["last_error"]])
        self.assertIn("HTTP 429, Retry-After 2s", pending[0]["last_error"])

        wait_for("delivered after Retry-After", lambda: hook.events)
        first, second = hook.attempts[0], hook.attempts[1]
        self.assertEqual(first[1], second[1])
        self.assertEqual((first[2], second[2]), (429, 204))
        self.assertGreaterEqual(second[0] - first[0], 1.95, "retried before Retry-After ended")
        # The receiver has the event; alertbridge records the delivery when the answer is in.
        wait_for("outbox settled", self.bridge.settled)
        metrics = self.bridge.metrics()
        self.assertIn('alertbridge_outbox_delivery_attempts_total{receiver="hook",result="retry"} 1',
                      metrics)
        self.assertIn('alertbridge_outbox_delivery_latency_seconds_count{receiver="hook"} 1',
                      metrics)
        # A 429 is an answer, not an outage: the circuit stays closed.
        self.assertIn('alertbridge_outbox_circuit_state{receiver="hook",state="closed"} 1', metrics)
        self.assertIn('alertbridge_outbox_circuit_state{receiver="hook",state="open"} 0', metrics)

    def test_circuit_opens_on_a_dead_endpoint_and_closes_when_it_is_back(self):
        self.start(["hook"], circuit="{failures: 3, cool_down: 1s, max_cool_down: 1s}")
        hook = self.hooks["hook"]
        hook.fail_with = 503
        self.post("firing", ["db-1"])
        wait_for("circuit open", lambda: 'alertbridge_outbox_circuit_state{receiver="hook",'
                 'state="open"} 1' in self.bridge.metrics())
        # Open: at most one probe per cool-down instead of a retry every ~150 ms.
        opened = len(hook.attempts)
        wait_for("a probe after the cool-down", lambda: len(hook.attempts) > opened, timeout=10)
        probes = [t for t, _, _ in hook.attempts[opened - 1:]]
        self.assertTrue(all(b - a >= 0.9 for a, b in zip(probes, probes[1:])), probes)
        hook.fail_with = None
        wait_for("delivered once the endpoint is back", lambda: hook.events, timeout=10)
        wait_for("circuit closed", lambda: 'alertbridge_outbox_circuit_state{receiver="hook",'
                 'state="closed"} 1' in self.bridge.metrics())

    def test_kill9_with_full_outbox_delivers_everything_once(self):
        self.start(["hook"])
        hook = self.hooks["hook"]
        hook.fail_with = 503
        services = [f"svc-{i}" for i in range(12)]
        for svc in services:
            self.post("firing", ["a", "b"], service=svc)
        wait_for("every entry tried at least once",
                 lambda: len({a[1] for a in hook.attempts}) == len(services))
        self.bridge.kill9()

        self.bridge.start()
        self.assertEqual(len(self.bridge.outbox("?state=pending")), len(services))
        hook.fail_with = None
        wait_for("all delivered after the restart", self.bridge.settled)
        declared = sorted(e["id"] for e in hook.events if e["body"]["type"] == "declared")
        keys = sorted(i["key"] + "_1" for i in self.bridge.incidents("?limit=100"))
        self.assertEqual(len(keys), len(services))
        self.assertEqual(declared, keys)
        self.assertEqual(len(hook.ids()), len(set(hook.ids())), "an event delivered twice")

    def test_dead_entry_is_listed_discarded_and_counted(self):
        self.start(["hook"])
        hook = self.hooks["hook"]
        hook.fail_with = 400
        self.post("firing", ["db-1"])
        dead = wait_for("dead-lettered", lambda: self.bridge.outbox("?state=dead"))
        self.assertIn("HTTP 400", dead[0]["last_error"])
        # Counted right after the entry is marked dead in the store.
        wait_for("the dead letter counted", lambda: 'alertbridge_outbox_dead_letters_total'
                 '{receiver="hook"} 1' in self.bridge.metrics())
        self.assertIn("alertbridge_outbox_dead 1", self.bridge.metrics())
        base = f"{self.bridge.base()}/api/v1/outbox/{dead[0]['id']}"

        status, body = http_json("POST", base + "/discard")
        self.assertEqual((status, body["state"]), (200, "discarded"), body)
        status, body = http_json("POST", base + "/retry")
        self.assertEqual((status, body["field"]), (409, "state"), body)
        self.assertEqual([e["id"] for e in self.bridge.outbox("?state=discarded")], [dead[0]["id"]])
        self.assertEqual(
            http_json("POST", f"{self.bridge.base()}/api/v1/outbox/99999/discard")[0], 404)
        self.assertEqual(http_json("GET", self.bridge.base() + "/api/v1/outbox?state=bogus")[0],
                         400)
        self.assertEqual(http_json("GET", base + "/discard")[0], 405)
        self.assertIn("alertbridge_outbox_dead 0", self.bridge.metrics())
        self.assertEqual(hook.events, [])


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
