"""What no store fault or crash may leave behind, checked through the API of a running
alertbridge: every acknowledged alert is stored, every incident has its `declared` event first and
an outbox entry for it, and no receiver sees two idempotency keys for one event."""

import collections

from harness import http_json


def all_incidents(bridge):
    status, body = http_json("GET", bridge.base() + "/api/v1/incidents?limit=1000")
    assert status == 200, body
    assert body["next_cursor"] is None, "more than 1000 incidents: page through them"
    return body["incidents"]


def all_outbox(bridge):
    status, body = http_json("GET", bridge.base() + "/api/v1/outbox?limit=1000")
    assert status == 200, body
    return body["entries"]


def incident_alert_instances(bridge, incident_id):
    """Every alert of one incident, a page at a time; returns their `instance` labels."""
    instances, cursor = [], None
    while True:
        query = "?limit=1000" + (f"&alerts_cursor={cursor}" if cursor else "")
        status, body = http_json("GET", f"{bridge.base()}/api/v1/incidents/{incident_id}{query}")
        assert status == 200, body
        instances += [a["labels"].get("instance") for a in body["alerts"]]
        cursor = body["alerts_next_cursor"]
        if cursor is None:
            return instances, body


def check_consistent(test, bridge, acked_instances, receiver):
    """`acked_instances`: the instance label of every alert that got a 2xx."""
    incidents = all_incidents(bridge)
    outbox_ids = collections.defaultdict(set)
    for e in all_outbox(bridge):
        outbox_ids[e["incident_id"]].add((e["event_id"], e["receiver"]))
    stored = set()
    for inc in incidents:
        if inc["state"] == "pending":
            continue
        instances, detail = incident_alert_instances(bridge, inc["id"])
        stored.update(instances)
        timeline = detail["timeline"]
        test.assertTrue(timeline, f"incident {inc['id']} has no events")
        test.assertEqual((timeline[0]["seq"], timeline[0]["type"]), (1, "declared"),
                         f"incident {inc['id']} {inc['key']} lacks its declared event")
        test.assertIn((inc["key"] + "_1", receiver), outbox_ids[inc["id"]],
                      f"incident {inc['id']} has no outbox entry for `declared`")
        for event_id, _ in outbox_ids[inc["id"]]:
            test.assertTrue(event_id.startswith(inc["key"] + "_"),
                            f"outbox entry {event_id} under incident {inc['id']} {inc['key']}")
    missing = set(acked_instances) - stored
    test.assertFalse(missing, f"acknowledged alerts not stored: {sorted(missing)[:20]}")
    return incidents


def check_one_key_per_event(test, hook):
    """No receiver saw two different idempotency keys for one event (incident id, seq)."""
    keys = collections.defaultdict(set)
    with hook.lock:
        for e in hook.events:
            seq = e["id"].rsplit("_", 1)[1]
            keys[(e["body"]["incident"]["id"], seq)].add(e["id"])
    twice = {k: v for k, v in keys.items() if len(v) > 1}
    test.assertFalse(twice, f"events delivered under two keys: {twice}")
