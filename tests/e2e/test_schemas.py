"""The JSON Schemas in schemas/ (draft 2020-12) against the YAML files the repository ships: every
file in rules/, receivers/, examples/, packaging/ and tests/scenarios/ must validate, and documents
with the mistakes users make must not (so the schemas are known to reject something).

Uses python3-jsonschema and python3-yaml (Debian packages). YAML is read with the YAML 1.2 core
rules alertbridge itself uses (yaml-cpp): yes/no/on/off and dates stay strings.

With --alertbridge BINARY, every document the "rejects mistakes" cases accept or reject is also
given to `alertbridge check`, which must decide the same: the schemas mirror the parser.

Run: python3 tests/e2e/test_schemas.py [--alertbridge build/alertbridge]"""

import argparse
import functools
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"

# Files in examples/ that belong to other programs (Alertmanager, Prometheus): their top-level keys.
FOREIGN_KEYS = {"route", "scrape_configs", "groups", "global", "alerting", "rule_files",
                "inhibit_rules", "templates"}


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's extra booleans (yes, on, ...) and timestamps."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


def load_schema(name):
    with open(SCHEMAS / name) as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def validator(name):
    """A validator for schemas/<name> whose relative $refs resolve to the other files there."""
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        def retrieve(uri):
            return Resource.from_contents(load_schema(pathlib.PurePosixPath(uri).name),
                                          default_specification=DRAFT202012)
        return jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    except ImportError:  # Debian 12: jsonschema 4.10
        base = SCHEMAS.as_uri() + "/"
        store = {base + p.name: load_schema(p.name) for p in SCHEMAS.glob("*.schema.json")}
        resolver = jsonschema.RefResolver(base_uri=base + name, referrer=schema, store=store)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def kind_of(path, doc):
    """Which schema applies to a file, the way `alertbridge check` tells them apart."""
    if not isinstance(doc, dict):
        return "alertbridge.schema.json" if doc is None else None
    def holds_maps(key):
        return isinstance(doc.get(key), list) and any(isinstance(i, dict) for i in doc[key])
    if "tests" in doc:
        return "rule-test.schema.json"
    if set(doc) & FOREIGN_KEYS:  # first: alertmanager.yml has a `receivers:` list of its own
        return "foreign"
    if holds_maps("rules"):
        return "rules.schema.json"
    if holds_maps("receivers"):
        return "receivers.schema.json"
    if "key_label" in doc:
        return "accounts.schema.json"
    if path.name.startswith("alertbridge"):
        return "alertbridge.schema.json"
    if set(doc) <= {"rules"}:
        return "rules.schema.json"
    if set(doc) <= {"receivers"}:
        return "receivers.schema.json"
    return None


def shipped_yaml():
    for folder in ("rules", "receivers", "examples", "packaging", "tests/scenarios"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".yml", ".yaml") and not path.name.startswith("."):
                yield path


def errors_of(schema_name, doc):
    return sorted(e.message for e in validator(schema_name).iter_errors(doc))


ALERTBRIDGE = None  # --alertbridge: the binary whose `check` the schemas must agree with

# The file name `alertbridge check` is given each kind of document under (it tells them apart by
# their keys; alertbridge.yml by elimination).
CHECK_FILE = {"rules.schema.json": "rules.yml", "receivers.schema.json": "receivers.yml",
              "alertbridge.schema.json": "alertbridge.yml", "accounts.schema.json": "customers.yml",
              "rule-test.schema.json": "rule_test.yml"}

ACCOUNTS_YML = "key_label: customer\ntiers: [free, enterprise]\naccounts: []\n"


def check_decides(schema_name, doc):
    """(valid, stderr) of `alertbridge check` on the document written as YAML (JSON is YAML)."""
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / CHECK_FILE[schema_name]
        path.write_text("" if doc is None else json.dumps(doc))
        (pathlib.Path(d) / "accounts.yml").write_text(ACCOUNTS_YML)  # alertbridge.yml may name it
        r = subprocess.run([ALERTBRIDGE, "check", str(path)], cwd=d, capture_output=True,
                           text=True, timeout=30)
        if r.returncode not in (0, 1):
            raise AssertionError(f"check exited {r.returncode}: {r.stderr}")
        return r.returncode == 0, r.stderr


class ShippedFilesValidate(unittest.TestCase):
    def test_every_shipped_yaml_file_validates(self):
        checked = {}
        for path in shipped_yaml():
            rel = path.relative_to(ROOT)
            with self.subTest(file=str(rel)):
                doc = load_yaml(path.read_text())
                kind = kind_of(path, doc)
                self.assertIsNotNone(kind, f"{rel}: no schema applies; teach kind_of() about it")
                if kind == "foreign":
                    continue
                v = validator(kind)
                problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                            for e in v.iter_errors(doc)]
                self.assertEqual(problems, [], f"{rel} against {kind}")
                checked[str(rel)] = kind
        kinds = set(checked.values())
        for k in ("rules.schema.json", "receivers.schema.json", "alertbridge.schema.json",
                  "rule-test.schema.json"):
            self.assertIn(k, kinds, f"no shipped file was checked against {k}")
        print(f"\n{len(checked)} files valid: " +
              ", ".join(f"{f} ({k})" for f, k in sorted(checked.items())), file=sys.stderr)


def rule(**extra):
    r = {"name": "r", "match": ['a="b"']}
    r.update(extra)
    return {"rules": [r]}


class SchemasRejectMistakes(unittest.TestCase):
    def rejects(self, schema, doc, why):
        self.assertNotEqual(errors_of(schema, doc), [], f"{schema} accepted {why}: {doc}")
        self.parser_agrees(schema, doc, False, why)

    def accepts(self, schema, doc):
        self.assertEqual(errors_of(schema, doc), [], f"{schema} rejected {doc}")
        self.parser_agrees(schema, doc, True, "a valid document")

    def parser_agrees(self, schema, doc, valid, why):
        if ALERTBRIDGE is None:
            return
        ok, err = check_decides(schema, doc)
        self.assertEqual(ok, valid, f"alertbridge check {'rejected' if valid else 'accepted'} "
                                    f"{why} that {schema} {'accepts' if valid else 'rejects'}: "
                                    f"{doc}\n{err}")

    def test_rules(self):
        s = "rules.schema.json"
        self.accepts(s, rule(trigger={"min_alerts": 2, "within": "5m", "for": 0},
                             severity={"default": "SEV1",
                                       "from_label": {"label": "severity",
                                                      "map": {"critical": "SEV1"}}},
                             resolve={"after": "1h30m"}, title="{{labels.a}}"))
        self.rejects(s, rule(colour="red"), "an unknown key")
        self.rejects(s, {"rules": [{"name": "r"}]}, "a rule without match")
        self.rejects(s, rule(match=[]), "an empty match list")
        self.rejects(s, rule(match=["not a matcher"]), "text that is no matcher")
        self.rejects(s, rule(dedup_window="5 minutes"), "a bad duration")
        self.rejects(s, rule(dedup_window="1.5h"), "a fractional duration")
        self.rejects(s, rule(trigger={"min_alerts": 0}), "min_alerts 0")
        self.rejects(s, rule(severity={"default": "critical"}), "a severity that is no SEVn")
        self.rejects(s, rule(severity={"from_label": {"label": "severity"}}), "from_label without map")
        self.rejects(s, rule(group_by=["a-b"]), "an invalid label name")
        self.rejects(s, rule(group_by=["a", "a"]), "a label listed twice")
        self.rejects(s, rule(resolve={"when_alerts_resolved": "yes"}), "yes for a boolean")

    def test_heartbeat_rules_and_raises(self):
        s = "rules.schema.json"
        beat = {"type": "heartbeat", "interval": "5m", "severity": {"default": "SEV1"},
                "group_by": ["cluster"], "title": "down"}
        self.accepts(s, rule(**beat))
        self.accepts(s, rule(type="incident", severity={"default": "SEV4", "raise": [
            {"when": {"min_alerts": 10}, "to": "SEV1"},
            {"when": {"account_tier": "enterprise", "account_arr_over": 500000}, "by": 1},
            {"when": {"renewal_within": "30d"}, "by": 2}]}))
        self.rejects(s, rule(type="heartbeat"), "a heartbeat without interval")
        self.rejects(s, rule(type="hearbeat", interval="5m"), "a misspelt type")
        self.rejects(s, rule(interval="5m"), "an interval on an incident rule")
        self.rejects(s, rule(**dict(beat, interval="0s")), "a zero interval")
        for key, value in (("trigger", {"for": "1m"}), ("dedup_window", "1h"),
                           ("resolve", {"after": "1m"}), ("continue", False)):
            self.rejects(s, rule(**beat, **{key: value}), f"{key} on a heartbeat rule")
        self.rejects(s, rule(**dict(beat, severity={"raise": [{"when": {"min_alerts": 2},
                                                                "by": 1}]})),
                     "a raise on a heartbeat rule")
        raise_ = lambda r: rule(severity={"raise": [r]})
        self.rejects(s, raise_({"when": {"min_alerts": 2}}), "a raise without to or by")
        self.rejects(s, raise_({"when": {"min_alerts": 2}, "to": "SEV1", "by": 1}),
                     "a raise with both to and by")
        self.rejects(s, raise_({"when": {}, "by": 1}), "a raise without conditions")
        self.rejects(s, raise_({"when": {"min_alert": 2}, "by": 1}), "a misspelt condition")
        self.rejects(s, raise_({"when": {"min_alerts": 2}, "by": 5}), "by more than 4 levels")
        self.rejects(s, raise_({"when": {"renewal_within": "0d"}, "by": 1}), "a zero window")
        self.rejects(s, raise_({"when": {"account_arr_over": -1}, "by": 1}), "a negative ARR")
        self.rejects(s, raise_({"when": {"min_alerts": 2}, "by": 1, "then": "page"}),
                     "an unknown key in a raise")

    def test_receivers(self):
        s = "receivers.schema.json"
        self.accepts(s, {"receivers": [
            {"name": "console", "type": "console", "events": ["declared", "resolved"]},
            {"name": "hook", "type": "webhook", "url": "env:HOOK_URL", "secret": "file:/run/s",
             "headers": {"X-Team": "ops"}, "retry": {"max_attempts": 3, "max_backoff": "1m"},
             "timeout": "5s"},
            {"name": "jira-ops", "type": "jira", "url": "https://acme.atlassian.net",
             "project": "OPS", "issue_type": "Incident",
             "auth": {"basic": {"user": "env:JIRA_USER", "password": "env:JIRA_TOKEN"}}},
        ]})
        self.rejects(s, {"receivers": [{"name": "c", "type": "console", "url": "http://x"}]},
                     "a console receiver with a url")
        self.rejects(s, {"receivers": [{"name": "h", "type": "webhook"}]}, "a webhook without url")
        self.rejects(s, {"receivers": [{"name": "h", "type": "webhook", "url": "ftp://x"}]},
                     "a non-http webhook url")
        self.rejects(s, {"receivers": [{"name": "h", "type": "webhook", "url": "http://x",
                                        "headers": {"webhook-id": "x"}}]},
                     "a header alertbridge sets itself")
        self.rejects(s, {"receivers": [{"name": "c", "type": "fax"}]}, "an unknown type")
        self.rejects(s, {"receivers": [{"name": "a b", "type": "console"}]}, "a name with a space")
        self.rejects(s, {"receivers": [{"name": "c", "type": "console", "events": ["paged"]}]},
                     "an unknown event")
        self.rejects(s, {"receivers": [{"name": "h", "type": "webhook", "url": "http://x",
                                        "secret": "env:1BAD"}]}, "a bad env: reference")
        self.rejects(s, {"receivers": [{"name": "p", "type": "pagerduty"}]},
                     "pagerduty without routing_key")

    # Per type: the smallest valid receiver, one with every key it takes, and a misspelt key.
    RECEIVERS = {
        "console": ({}, {"events": ["declared"], "concurrency": 1}, "evnets"),
        "webhook": ({"url": "https://hooks.example/x"},
                    {"secret": "whsec_c2NoZW1hLXRlc3Qtc2lnbmluZy1rZXkh", "headers": {"X-A": "b"},
                     "templates": {"body": '{"title": "{{title}}"}'}}, "header"),
        "email": ({"url": "smtp://mail.example:587", "from": "Ops <ops@example.com>",
                   "to": ["oncall@example.com"]},
                  {"starttls": True, "auth": {"user": "env:SMTP_USER", "password": "env:SMTP_PW"},
                   "ca_file": "/etc/ssl/ca.pem",
                   "templates": {"subject": "[{{severity}}] {{group.service}}"}},
                  "ca-file"),
        "slack": ({"url": "env:SLACK_URL"}, {"templates": {"title": "t", "text": "x"}},
                  "template"),
        "teams": ({"url": "file:/run/teams-url"}, {"templates": {"text": "x"}}, "urls"),
        "pagerduty": ({"routing_key": "env:PD_KEY"},
                      {"base_url": "http://127.0.0.1:9", "source": "alertbridge",
                       "severity_map": {"SEV1": "critical", "SEV5": "info"},
                       "templates": {"summary": "{{title}}"}}, "serverity_map"),
        "opsgenie": ({"api_key": "env:OG_KEY"},
                     {"base_url": "https://api.eu.opsgenie.example", "tags": ["db"],
                      "priority_map": {"SEV1": "P1"},
                      "responders": [{"type": "team", "name": "ops"}],
                      "templates": {"message": "m", "description": "d", "note": "n"}},
                     "responder"),
        "jira": ({"url": "https://acme.example", "project": "OPS", "issue_type": "Incident",
                  "auth": {"bearer": "env:JIRA_PAT"}},
                 {"flavor": "datacenter", "priority_map": {"SEV1": "Highest"},
                  "labels": ["alertbridge"], "custom_fields": {"customfield_10010": {"id": "1"}},
                  "transitions": {"resolve": "Done", "reopen": "Reopen"}, "resolution": "Fixed",
                  "reopen": {"reopened": "reopen", "recurrence": "new",
                             "keep_closed": ["Won't Do"]},
                  "templates": {"title": "t", "body": "b"}}, "issuetype"),
        "github": ({"repository": "acme/ops", "token": "env:GH_TOKEN"},
                   {"base_url": "https://ghe.example/api/v3", "labels": ["incident"],
                    "reopen": {"recurrence": "comment"}, "templates": {"body": "b"}}, "repo"),
        "servicenow": ({"url": "https://acme.service-now.example",
                        "auth": {"basic": {"user": "env:SN_USER", "password": "env:SN_PW"}}},
                       {"priority_map": {"SEV1": {"urgency": 1, "impact": 1}},
                        "assignment_group": "ops", "caller_id": "abc", "category": "software",
                        "close_code": "Solved", "reopen": {"reopened": "comment"},
                        "templates": {"title": "t"}}, "assignment-group"),
    }
    COMMON = {"retry": {"max_attempts": 2, "initial_backoff": "1s", "max_backoff": "1m"},
              "timeout": "5s", "rate_limit": {"rate": "120/m", "burst": 10},
              "circuit_breaker": {"failures": 3, "cool_down": "10s", "max_cool_down": "1m"}}

    def test_every_receiver_type_is_strict(self):
        s = "receivers.schema.json"
        for rtype, (minimal, full, misspelt) in self.RECEIVERS.items():
            with self.subTest(type=rtype):
                base = dict(name="r", type=rtype, **minimal)
                self.accepts(s, {"receivers": [base]})
                self.accepts(s, {"receivers": [dict(base, **full, **self.COMMON)]})
                self.rejects(s, {"receivers": [dict(base, **{misspelt: "x"})]},
                             f"a misspelt key {misspelt} for {rtype}")
                other = "routing_key" if rtype != "pagerduty" else "project"
                self.rejects(s, {"receivers": [dict(base, **{other: "x"})]},
                             f"another type's key {other} for {rtype}")
                for key in minimal:
                    less = {k: v for k, v in base.items() if k != key}
                    self.rejects(s, {"receivers": [less]}, f"{rtype} without {key}")
                templates = {"slack": "body", "teams": "body"}.get(rtype, "text")
                self.rejects(s, {"receivers": [dict(base, templates={templates: "x"})]},
                             f"a template {templates} that {rtype} does not have")

    def test_receiver_values(self):
        s = "receivers.schema.json"
        r = lambda **kw: {"receivers": [dict(name="r", **kw)]}
        jira = dict(type="jira", url="https://j.example", project="OPS", issue_type="Bug")
        email = {"type": "email", "url": "smtps://mail.example", "from": "a@example.com",
                 "to": ["b@example.com"]}
        self.rejects(s, r(**jira, auth={"bearer_token": "env:T"}), "auth bearer_token (bearer)")
        self.rejects(s, r(**jira, auth={"basic": {"user": "u", "password": "p"}, "bearer": "t"}),
                     "both basic and bearer auth")
        self.rejects(s, r(**dict(jira, project="OPS-1"), auth={"bearer": "t"}),
                     "a project key with -")
        self.rejects(s, r(**jira, auth={"bearer": "t"}, transitions={"close": "Done"}),
                     "a transition other than resolve and reopen")
        self.rejects(s, r(**jira, auth={"bearer": "t"}, labels=["two words"]), "a label with a space")
        self.rejects(s, r(**jira, auth={"bearer": "t"}, custom_fields={"priority": 1}),
                     "a custom field that is no customfield_N")
        self.rejects(s, r(**jira, auth={"bearer": "t"}, reopen={"reopened": "ignore"}),
                     "an unknown reopen action")
        self.rejects(s, r(type="pagerduty", routing_key="k", severity_map={"SEV1": "high"}),
                     "a PagerDuty severity that does not exist")
        self.rejects(s, r(type="pagerduty", routing_key="k", severity_map={"P1": "critical"}),
                     "a severity map key that is no SEVn")
        self.rejects(s, r(type="opsgenie", api_key="k", tags=[f"t{i}" for i in range(21)]),
                     "more than 20 Opsgenie tags")
        self.rejects(s, r(type="opsgenie", api_key="k", responders=[{"type": "group", "name": "x"}]),
                     "an unknown responder type")
        self.rejects(s, r(type="servicenow", url="https://s.example", auth={"bearer": "t"},
                          priority_map={"SEV1": {"urgency": 4, "impact": 1}}), "urgency 4")
        self.rejects(s, r(type="github", repository="acme", token="t"), "a repository without owner")
        self.rejects(s, r(type="github", repository="acme/ops"), "github without token")
        self.rejects(s, r(**email, starttls=True), "starttls with smtps://")
        self.rejects(s, r(**dict(email, to=["not an address"])), "a to: that is no address")
        self.rejects(s, r(**dict(email, to=[])), "an empty to:")
        self.accepts(s, r(**dict(email, to=["Ops Team <ops@example.com>", "x@y.z"])))
        self.rejects(s, r(**dict(email, url="smtp://mail.example"), starttls=False,
                          auth={"user": "u", "password": "p"}), "a password sent in clear")
        self.rejects(s, r(**email, subject="{{title}}"), "subject outside templates:")
        self.rejects(s, r(**email, templates={"title": "x"}), "a template email does not have")
        self.rejects(s, r(type="console", templates={"title": "x"}), "templates for console")
        self.rejects(s, r(type="slack", url="env:U", templates={"text": ""}), "an empty template")
        self.rejects(s, r(type="console", rate_limit="1.5/s"), "a fractional rate")
        self.rejects(s, r(type="console", rate_limit="2/0s"), "a rate per no time")
        self.rejects(s, r(type="console", concurrency=65), "concurrency over 64")
        self.rejects(s, r(type="console", circuit_breaker={"failures": 0}), "0 failures")
        self.accepts(s, r(type="console", rate_limit="none"))
        self.accepts(s, r(type="console", rate_limit="10/5s"))
        self.accepts(s, r(type="slack", url="env:U", rate_limit="1/s", events=["escalated"]))

    def test_alertbridge_yml(self):
        s = "alertbridge.schema.json"
        self.accepts(s, None)
        self.accepts(s, {"listen": "[::1]:9095", "sources": [
            {"name": "grafana", "type": "webhook",
             "mapping": {"labels": {"alertname": "/labels/alertname"}, "alerts": "/alerts"}}]})
        self.rejects(s, {"listen": "9095"}, "a listen address without host:")
        self.rejects(s, {"sources": [{"name": "g", "type": "webhook"}]}, "a webhook without mapping")
        self.rejects(s, {"sources": [{"name": "a", "type": "alertmanager",
                                      "mapping": {"labels": {"a": "/a"}}}]},
                     "a mapping on an alertmanager source")
        self.rejects(s, {"sources": [{"name": "g", "type": "webhook",
                                      "mapping": {"labels": {"a": "labels/a"}}}]},
                     "a pointer without a leading /")
        self.rejects(s, {"log": {"level": "verbose"}}, "an unknown log level")
        self.accepts(s, {"instance_id": "prod-eu_1.a"})
        self.rejects(s, {"instance_id": "prod eu"}, "an instance id with a space")
        self.rejects(s, {"instance_id": ""}, "an empty instance id")
        self.rejects(s, {"instance_id": "a" * 65}, "an instance id over 64 characters")
        self.rejects(s, {"storage": {"postgres": {}}}, "an unknown storage")
        self.accepts(s, {"accounts": "accounts.yml", "rules": [], "receivers": [],
                         "server": {"threads": 4, "max_header_bytes": 2048},
                         "log": {"format": "json", "level": "warn"}})
        self.rejects(s, {"accounts": ""}, "an empty accounts path")
        self.rejects(s, {"account": "accounts.yml"}, "a misspelt accounts")
        self.rejects(s, {"sources": [{"name": "alertmanager", "type": "webhook",
                                      "mapping": {"labels": {"a": "/a"}}}]},
                     "a source named alertmanager of another type")
        self.rejects(s, {"server": {"thread": 4}}, "a misspelt server key")
        self.accepts(s, {"listen": "127.0.0.1:9095", "api": {"tokens": [
            {"name": "oncall-ui", "token": "env:UI_TOKEN", "role": "write"},
            {"name": "grafana", "token": "file:/run/secrets/grafana", "role": "read"}]}})
        self.accepts(s, {"api": {"insecure_listen": True, "tokens": None}})
        self.rejects(s, {"api": {"tokens": [{"name": "a", "token": "inline-secret", "role": "read"}]}},
                     "an inline API token")
        self.rejects(s, {"api": {"tokens": [{"name": "a", "token": "env:A", "role": "admin"}]}},
                     "an unknown role")
        self.rejects(s, {"api": {"tokens": [{"name": "a", "token": "env:A"}]}}, "a token without role")
        self.rejects(s, {"api": {"token": []}}, "a misspelt api key")
        self.accepts(s, {"sources": [{"name": "alertmanager", "type": "alertmanager",
                                      "auth": {"basic": {"user": "env:U", "password": "env:P"}}}]})
        self.rejects(s, {"sources": [{"name": "alertmanager", "type": "alertmanager",
                                      "auth": {"basic": {"user": "env:U"}}}]},
                     "basic auth without a password")
        self.rejects(s, {"sources": [{"name": "alertmanager", "type": "alertmanager",
                                      "auth": {"basic": {"user": "env:U", "password": "env:P"},
                                               "bearer_token": "env:T"}}]},
                     "two kinds of source auth")
        self.accepts(s, {"server": {"max_connections_per_client": 64,
                                    "management_listen": "127.0.0.1:9096",
                                    "limits": {"alerts_per_request": 100, "labels_per_alert": 10,
                                               "annotations_per_alert": 0,
                                               "label_name_bytes": 64, "label_value_bytes": 256,
                                               "annotation_bytes": 1024, "json_depth": 4,
                                               "queued_bytes": 1000000}}})
        self.rejects(s, {"server": {"limits": {"json_depth": 3}}}, "a depth below a webhook's 4")
        self.rejects(s, {"server": {"limits": {"alerts": 3}}}, "a misspelt limit")
        self.rejects(s, {"server": {"management_listen": "9096"}}, "a listen without host:")
        self.rejects(s, {"server": {"tls": {"cert_file": "c.pem"}}}, "TLS without a key")

        def webhook(mapping):
            return {"sources": [{"name": "g", "type": "webhook", "mapping": mapping}]}
        self.accepts(s, webhook({"labels": "/labels", "annotations": "/annotations",
                                 "fingerprint": {"pointer": "/fingerprint", "default": ""}}))
        self.accepts(s, webhook({"labels_from": "/labels",
                                 "labels": {"severity": "/level",
                                            "team": {"pointer": "/team", "default": "none"}},
                                 "annotations_from": "/annotations"}))
        self.accepts(s, webhook({"labels_from": "/labels"}))
        self.rejects(s, webhook({"labels": "/labels", "labels_from": "/x"}),
                     "two objects to import labels from")
        self.rejects(s, webhook({"labels": {"a": {"default": "x"}}}), "a default without pointer")
        self.rejects(s, webhook({"labels": {"a": {"pointer": "/a", "fallback": "x"}}}),
                     "a misspelt default")
        self.rejects(s, webhook({"labels": "labels"}), "an import pointer without a leading /")

    def test_accounts(self):
        s = "accounts.schema.json"
        self.accepts(s, load_yaml("key_label: customer\ntiers: [free, enterprise]\naccounts:\n"
                                  "  - {name: globex, tier: enterprise, arr: 1200000, "
                                  "renewal: 2027-01-15}\n"))
        self.rejects(s, {"key_label": "customer", "accounts": [{"name": "x", "arr": -1}]},
                     "a negative ARR")
        self.rejects(s, {"key_label": "customer", "accounts": [{"name": "x",
                                                                "renewal": "15.01.2027"}]},
                     "a renewal that is no ISO date")
        self.rejects(s, {"accounts": []}, "no key_label")
        self.rejects(s, {"key_label": "customer", "accounts": []}, "no tiers")
        self.rejects(s, {"key_label": "customer", "tiers": ["a"], "accounts": [{"name": "x"}]},
                     "an account without tier")
        self.rejects(s, {"key_label": "customer", "tiers": ["a"],
                         "accounts": [{"name": "x", "tier": "a", "arr": 1.5}]},
                     "a fractional ARR")
        self.rejects(s, {"key_label": "customer", "tiers": []}, "no tiers listed")

    def test_rule_tests(self):
        s = "rule-test.schema.json"
        good = load_yaml("""
rules: [{name: r, match: ['a="b"']}]
tests:
  - name: t
    input:
      - at: 0s
        alerts: [{labels: {a: b, n: 1}, starts_at: -5m, status: resolved}]
    expect:
      - at: 6m
        incidents: [{rule: r, state: declared, severity: SEV1, group: {a: b}}]
        events: [{type: declared, incident: 1, details: {alerts_firing: 1}}]
""")
        self.accepts(s, good)
        bad = json.loads(json.dumps(good))
        bad["tests"][0]["expect"][0]["incidents"][0]["state"] = "open"
        self.rejects(s, bad, "an unknown incident state")
        self.rejects(s, {"tests": good["tests"]}, "no rules")
        self.rejects(s, dict(good, tests=[{"name": "t", "expect": [{"at": "1m"}]}]),
                     "an expectation that checks nothing")
        self.rejects(s, dict(good, tests=[{"name": "t", "expect": [{"at": "-1m", "events": []}]}]),
                     "a negative at")
        self.rejects(s, dict(good, tests=[{"name": "t", "expect": [
            {"at": "1m", "incidents": [{"severity": "SEV1", "base_severity": "SEV1"}]}]}]),
            "severity and base_severity together")
        self.rejects(s, dict(good, tests=[{"name": "t", "input": [{"at": "0s", "alerts": [
            {"labels": {}}]}], "expect": [{"at": "1m", "events": []}]}]), "an alert without labels")

    def test_rule_tests_with_accounts_and_actions(self):
        s = "rule-test.schema.json"
        good = load_yaml("""
rules:
  - name: r
    match: ['a="b"']
    severity: {raise: [{when: {account_tier: enterprise}, by: 1}]}
accounts:
  key_label: customer
  tiers: [free, enterprise]
  accounts: [{name: globex, tier: enterprise, arr: 1200000, renewal: 2027-01-15}]
tests:
  - name: t
    input:
      - at: 0s
        alerts: [{labels: {a: b, customer: globex}}]
        actions: [{incident: 1, do: ack, actor: alice}]
      - at: 1m
        actions:
          - {incident: 1, do: assign, team: dba, commander: carol}
          - {incident: 1, do: note, text: looking}
          - {incident: 1, do: severity, priority: SEV1}
          - {incident: 1, do: resolve}
          - {incident: 1, do: reopen}
          - {incident: 1, do: resolve}
          - {incident: 1, do: close, resolution: fixed, cause: bad disk, runbook_updated: true}
    expect:
      - at: 1m
        events: [{type: closed, actor: "user:api", details: {resolution: fixed}}]
""")
        self.accepts(s, good)

        def with_action(**action):
            doc = json.loads(json.dumps(good))
            doc["tests"][0]["input"][1]["actions"] = [dict(incident=1, **action)]
            return doc
        self.rejects(s, with_action(do="close"), "close without resolution")
        self.rejects(s, with_action(do="close", resolutoin="x"), "a misspelt resolution")
        self.rejects(s, with_action(do="ack", text="x"), "ack with a text")
        self.rejects(s, with_action(do="note"), "note without text")
        self.rejects(s, with_action(do="assign"), "assign without team or commander")
        self.rejects(s, with_action(do="severity", priority="P1"), "a priority that is no SEVn")
        self.rejects(s, with_action(do="escalate"), "an unknown action")
        self.rejects(s, with_action(do="ack", actor=""), "an empty actor")
        self.rejects(s, dict(good, accounts={"key_label": "customer"}), "accounts without tiers")
        self.rejects(s, dict(good, accounts=dict(good["accounts"], colour="red")),
                     "an unknown key in accounts")
        no_input = json.loads(json.dumps(good))
        no_input["tests"][0]["input"][1] = {"at": "2m"}
        self.rejects(s, no_input, "an input with neither alerts nor actions")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alertbridge")
    args, rest = parser.parse_known_args()
    if args.alertbridge:
        ALERTBRIDGE = os.path.abspath(args.alertbridge)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
