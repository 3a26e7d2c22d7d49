"""README.md's examples, run (issue 15 items 11 and 12), so the documentation cannot drift:

- fenced blocks in order, in a scratch folder holding a copy of rules/ and receivers/ and the
  built binary on PATH as `alertbridge`;
- a YAML block whose first line is `# <relative path>` is written there and checked by what reads
  it: alertbridge.yml by `alertbridge check`, alertmanager.yml by `amtool check-config`,
  prometheus.yml by `promtool check config`, a rule test file by `alertbridge test`, other YAML
  by `alertbridge check` (the JSON Schemas' test covers the rest); every other YAML block must at
  least parse;
- a `sh` block of `$ command` lines runs each one and compares its output with the lines after it
  (exactly, trailing blanks aside); a `sh` block without prompts runs as one script (bash -e);
- `<!-- docs-test: skip (reason) -->` on the line before a block skips it; a reason is required;
- the configuration reference is compared with schemas/ both ways: every key of alertbridge.yml
  and of a rule is listed, and every listed key exists; every receiver type's own keys are in the
  receivers table.

Run: python3 tests/ship/test_readme.py --alertbridge build/src/alertbridge"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
import harness  # noqa: E402
from ship_util import tool  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SCHEMAS = ROOT / "schemas"
ALERTBRIDGE = None

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
SKIP = re.compile(r"<!-- docs-test: skip \(([^)]+)\) -->\n$")
FILE_HEADER = re.compile(r"^# ([\w./-]+\.ya?ml)\n")


def blocks(text):
    """(line, language, body, skip reason or None) for every fenced block."""
    for m in FENCE.finditer(text):
        before = text[:m.start()]
        line = before.count("\n") + 1
        skip = SKIP.search(before[-200:])
        yield line, m.group(1), m.group(2), skip.group(1) if skip else None


def run(cmd, cwd, shell=False, timeout=60):
    env = dict(os.environ, PATH=f"{cwd}/.bin:{os.environ['PATH']}")
    return subprocess.run(cmd, cwd=cwd, shell=shell, capture_output=True, text=True, env=env,
                          timeout=timeout, executable="/bin/bash" if shell else None)


class ReadmeExamples(unittest.TestCase):
    maxDiff = None
    def setUp(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="alertbridge-readme-"))
        shutil.copytree(ROOT / "rules", self.dir / "rules")
        shutil.copytree(ROOT / "receivers", self.dir / "receivers")
        shutil.copytree(SCHEMAS, self.dir / "schemas")
        (self.dir / ".bin").mkdir()
        (self.dir / ".bin" / "alertbridge").symlink_to(ALERTBRIDGE)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_every_block_runs_as_written(self):
        text = README.read_text()
        ran = skipped = 0
        for line, lang, body, skip in blocks(text):
            where = f"README.md:{line} ({lang or 'text'} block)"
            if skip is not None:
                self.assertTrue(skip.strip(), f"{where}: a skip needs a reason")
                skipped += 1
                continue
            with self.subTest(block=where):
                if lang == "yaml":
                    self.yaml_block(where, body)
                elif lang == "sh":
                    self.sh_block(where, body)
                else:
                    self.fail(f"{where}: a block the test cannot run; mark it "
                              "<!-- docs-test: skip (reason) -->")
                ran += 1
        print(f"\n{ran} README blocks run, {skipped} skipped", file=sys.stderr)
        self.assertGreaterEqual(ran, 8)

    def yaml_block(self, where, body):
        doc = yaml.safe_load(body)  # every YAML block parses
        m = FILE_HEADER.match(body)
        if not m:
            return
        path = self.dir / m.group(1)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.name == "alertbridge.yml":
            body = path.read_text() + body  # fragments of one file, shown one after the other
        path.write_text(body)
        name = path.name
        if name == "alertmanager.yml":
            done = run([tool("amtool"), "check-config", str(path)], self.dir)
        elif name == "prometheus.yml":
            done = run([tool("promtool"), "check", "config", "--syntax-only", str(path)], self.dir)
        elif isinstance(doc, dict) and "tests" in doc:
            done = run([ALERTBRIDGE, "test", str(path)], self.dir)
        elif name == "alertbridge.yml":
            done = run([ALERTBRIDGE, "check", "--config", str(path)], self.dir)
        else:
            done = run([ALERTBRIDGE, "check", str(path), "receivers/"], self.dir)
        self.assertEqual(done.returncode, 0, f"{where}: {m.group(1)}\n{done.stdout}{done.stderr}")

    def sh_block(self, where, body):
        lines = body.splitlines()
        if not any(l.startswith("$ ") for l in lines):
            done = run(["bash", "-euo", "pipefail", "-c", body], self.dir)
            self.assertEqual(done.returncode, 0, f"{where}\n{body}\n{done.stdout}{done.stderr}")
            return
        i = 0
        while i < len(lines):
            self.assertTrue(lines[i].startswith("$ "), f"{where}: expected a `$ ` line: {lines[i]}")
            command = lines[i][2:]
            i += 1
            want = []
            while i < len(lines) and not lines[i].startswith("$ "):
                want.append(lines[i])
                i += 1
            done = run(command, self.dir, shell=True)
            got = (done.stdout + done.stderr).rstrip("\n").splitlines()
            while want and not want[-1].strip():
                want.pop()
            self.assertEqual([l.rstrip() for l in got], [l.rstrip() for l in want],
                             f"{where}: `{command}` (exit {done.returncode})")


def schema_paths(schema, node, prefix="", depth=0):
    """Dotted key paths of a schema node: `a.b`, lists as `a[].b`; refs into this file followed,
    refs to common.schema.json are leaves."""
    if isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/$defs/"):
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    if not isinstance(node, dict) or depth > 4:
        return set()
    out = set()
    for key, sub in node.get("properties", {}).items():
        path = prefix + key
        out.add(path)
        target = sub
        if isinstance(sub, dict) and "$ref" in sub and sub["$ref"].startswith("#/$defs/"):
            target = schema["$defs"][sub["$ref"].split("/")[-1]]
        types = target.get("type") if isinstance(target, dict) else None
        is_array = types == "array" or (isinstance(types, list) and "array" in types)
        if is_array and "items" in target:
            out |= schema_paths(schema, target["items"], path + "[].", depth + 1)
        elif isinstance(target, dict) and "properties" in target:
            out |= schema_paths(schema, target, path + ".", depth + 1)
    return out


def section(text, heading):
    start = text.index(heading)
    end = text.find("\n#", start + len(heading))
    return text[start:end if end >= 0 else len(text)]


def listed_keys(table_text):
    """Backticked keys in a table's first column (several per cell allowed)."""
    keys = set()
    for row in table_text.splitlines():
        if row.startswith("| `"):
            first = row.split("|")[1]
            keys |= set(re.findall(r"`([\w.\[\]]+)`", first))
    return keys


def table_after(text, marker):
    start = text.index(marker)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return "\n".join(rows)


class ConfigurationReference(unittest.TestCase):
    def setUp(self):
        self.text = README.read_text()
        self.reference = section(self.text, "### Configuration reference")

    @staticmethod
    def load(name):
        return json.loads((SCHEMAS / name).read_text())

    def leaves_and_parents(self, paths):
        """Documented form: a parent whose children are all documented need not be listed."""
        parents = {p.rsplit(".", 1)[0].removesuffix("[]") for p in paths if "." in p}
        return {p for p in paths if p not in parents}

    def test_alertbridge_yml_keys_match_the_schema(self):
        schema = self.load("alertbridge.schema.json")
        want = schema_paths(schema, schema)
        got = listed_keys(table_after(self.reference, "`alertbridge.yml` (relative paths"))
        missing = self.leaves_and_parents(want) - got
        unknown = got - want
        self.assertEqual((sorted(missing), sorted(unknown)), ([], []),
                         "README keys missing from / unknown to schemas/alertbridge.schema.json")

    def test_rule_keys_match_the_schema(self):
        schema = self.load("rules.schema.json")
        want = schema_paths(schema, schema["$defs"]["rule"])
        got = listed_keys(table_after(self.reference, "Rule files (`rules:`"))
        missing = self.leaves_and_parents(want) - got
        self.assertEqual((sorted(missing), sorted(got - want)), ([], []))

    def test_each_receiver_type_and_its_own_keys_are_in_the_table(self):
        schema = self.load("receivers.schema.json")
        receiver = schema["$defs"]["receiver"]
        common = set(receiver["properties"])
        for key in common - {"name", "type"}:
            self.assertIn(f"`{key}`", self.reference, f"common receiver key {key}")
        table = table_after(self.text, "| type | what it sends |")
        rows = {}
        for row in table.splitlines()[1:]:  # after the separator row
            cells = row.split("|")
            rows[cells[1].strip().strip("`")] = cells[3]
        types = receiver["properties"]["type"]["enum"]
        self.assertEqual(sorted(rows), sorted(types))
        for branch in receiver["allOf"]:
            kind = branch["if"]["properties"]["type"]["const"]
            own = branch["then"].get("properties", {})
            for key, sub in own.items():
                if sub is True:
                    continue
                names = {f"{key}.{k}" for k in sub.get("properties", {})} if key == "templates" \
                    else {key}
                for name in names:  # `auth` may be documented by its fields (`auth.user`)
                    self.assertTrue(f"`{name}`" in rows[kind] or f"`{name}." in rows[kind],
                                    f"{kind}: {name}")

    def test_other_files_name_every_top_level_key(self):
        for name, marker in (("accounts.schema.json", "Accounts file:"),
                             ("rule-test.schema.json", "Rule test files:")):
            schema = self.load(name)
            start = self.reference.index(marker)
            paragraph = self.reference[start:self.reference.find("\n\n", start)]
            for key in schema["properties"]:
                self.assertIn(f"`{key}`", paragraph, f"{name}: {key}")


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
