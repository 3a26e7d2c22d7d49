"""The JSON Schemas in schemas/ (draft 2020-12) against the YAML files the repository ships: every
file in rules/, receivers/, examples/ and tests/scenarios/ must validate, and documents with the
mistakes users make must not (so the schemas are known to reject something).

Uses python3-jsonschema and python3-yaml (Debian packages). YAML is read with the YAML 1.2 core
rules alertbridge itself uses (yaml-cpp): yes/no/on/off and dates stay strings.

Run: python3 tests/e2e/test_schemas.py"""

import json
import pathlib
import re
import sys
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
    if holds_maps("rules"):
        return "rules.schema.json"
    if holds_maps("receivers"):
        return "receivers.schema.json"
    if "key_label" in doc:
        return "accounts.schema.json"
    if path.name.startswith("alertbridge"):
        return "alertbridge.schema.json"
    if set(doc) & FOREIGN_KEYS:
        return "foreign"
    if set(doc) <= {"rules"}:
        return "rules.schema.json"
    if set(doc) <= {"receivers"}:
        return "receivers.schema.json"
    return None


def shipped_yaml():
    for folder in ("rules", "receivers", "examples", "tests/scenarios"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".yml", ".yaml") and not path.name.startswith("."):
                yield path


def errors_of(schema_name, doc):
    return sorted(e.message for e in validator(schema_name).iter_errors(doc))


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

    def accepts(self, schema, doc):
        self.assertEqual(errors_of(schema, doc), [], f"{schema} rejected {doc}")

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

    def test_receivers(self):
        s = "receivers.schema.json"
        self.accepts(s, {"receivers": [
            {"name": "console", "type": "console", "events": ["declared", "resolved"]},
            {"name": "hook", "type": "webhook", "url": "env:HOOK_URL", "secret": "file:/run/s",
             "headers": {"X-Team": "ops"}, "retry": {"max_attempts": 3, "max_backoff": "1m"},
             "timeout": "5s"},
            {"name": "jira-ops", "type": "jira", "url": "https://acme.atlassian.net",
             "project": "OPS", "auth": {"basic": {"user": "env:JIRA_USER",
                                                  "password": "env:JIRA_TOKEN"}}},
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
        self.rejects(s, {"storage": {"postgres": {}}}, "an unknown storage")

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
