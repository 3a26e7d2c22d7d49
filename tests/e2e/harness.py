"""Shared pieces of the end-to-end tests: free ports, polling with deadlines, a Standard Webhooks
receiver that verifies signatures, and process management for alertbridge and Alertmanager.

No sleeps: everything waits for a condition with a deadline (wait_for)."""

import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

WEBHOOK_SECRET_BYTES = b"e2e-test-signing-key-0123456789"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(WEBHOOK_SECRET_BYTES).decode()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Set by a test to a callable returning text (e.g. service logs) shown when a wait times out.
failure_context = None


def wait_for(what, predicate, timeout=30.0, interval=0.05):
    """Polls predicate() until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (OSError, urllib.error.URLError, ValueError) as e:
            last = e
        else:
            if last:
                return last
        # Wait on an Event that nobody sets: a bounded wait between polls, not a sleep for a result.
        threading.Event().wait(interval)
    context = ("\n--- context ---\n" + failure_context()) if failure_context else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}{context}")


def http_json(method, url, body=None, headers=None, timeout=5):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            if resp.headers.get("Content-Type", "").startswith("application/json") and raw:
                return resp.status, json.loads(raw)
            return resp.status, raw.decode(errors="replace")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def verify_standard_webhook(headers, body, key=WEBHOOK_SECRET_BYTES):
    """Checks webhook-id/-timestamp/-signature as the Standard Webhooks spec says."""
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sig = headers.get("webhook-signature")
    if not (msg_id and ts and sig):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    if abs(time.time() - int(ts)) > 300:
        return "timestamp more than 5 minutes off"
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    for part in sig.split(" "):
        version, _, value = part.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return None
    return "signature mismatch"


class WebhookReceiver:
    """A local webhook endpoint that rejects unsigned or badly signed requests with 401 and records
    the good ones. `fail_with` makes it answer that status instead (outage simulation), with
    `retry_after` as its Retry-After header; `hold`, when set to a threading.Event, keeps every
    request waiting until the event is set (a hung endpoint). `attempts` lists every signed
    request as (monotonic time, webhook-id, status answered)."""

    def __init__(self):
        self.events = []
        self.rejected = []
        self.attempts = []
        self.fail_with = None
        self.retry_after = None
        self.hold = None
        self.waiting = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                problem = verify_standard_webhook(hdrs, body)
                hold = outer.hold
                if hold is not None and not problem:
                    with outer.lock:
                        outer.waiting += 1
                    hold.wait(60)
                    with outer.lock:
                        outer.waiting -= 1
                retry_after = None
                with outer.lock:
                    if problem:
                        outer.rejected.append(problem)
                        status = 401
                    elif outer.fail_with:
                        status = outer.fail_with
                        retry_after = outer.retry_after
                    else:
                        outer.events.append({"id": hdrs["webhook-id"], "body": json.loads(body)})
                        status = 204
                    if not problem:
                        outer.attempts.append((time.monotonic(), hdrs["webhook-id"], status))
                try:
                    self.send_response(status)
                    if retry_after is not None:
                        self.send_header("Retry-After", str(retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the bridge gave up waiting (its timeout) and closed the connection

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def types(self):
        with self.lock:
            return [e["body"]["type"] for e in self.events]

    def ids(self):
        with self.lock:
            return [e["id"] for e in self.events]

    def close(self):
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


def parse_logfmt(line):
    """A logfmt line as go-logfmt (the reference decoder) reads it: key=value pairs separated by
    spaces; keys are bytes above space other than '=' and '"'; a value is bare (the same bytes) or
    a double-quoted string with JSON escapes. Raises ValueError on anything else."""
    fields, i, n = {}, 0, len(line)
    while i < n:
        if line[i] <= " ":
            i += 1
            continue
        start = i
        while i < n and line[i] > " " and line[i] not in '="':
            i += 1
        key = line[start:i]
        if not key:
            raise ValueError(f"unexpected {line[i]!r} at {i}")
        if i >= n or line[i] != "=":
            if i < n and line[i] == '"':
                raise ValueError(f"unexpected '\"' in key at {i}")
            fields[key] = None
            continue
        i += 1
        if i < n and line[i] == '"':
            end = i + 1
            while end < n and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            if end >= n:
                raise ValueError(f"unterminated quoted value of {key}")
            fields[key] = json.loads(line[i:end + 1])  # JSON escapes = go-logfmt's
            i = end + 1
            if i < n and line[i] > " ":
                raise ValueError(f"unexpected {line[i]!r} after the value of {key}")
        else:
            start = i
            while i < n and line[i] > " ":
                if line[i] in '="':
                    raise ValueError(f"unexpected {line[i]!r} in the value of {key}")
                i += 1
            fields[key] = line[start:i]
    return fields


def unparseable_log_lines(data):
    """The lines of `data` (alertbridge's stderr) that are neither a JSON object nor a logfmt
    line with ts, level and msg."""
    bad = []
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
            fields = json.loads(line) if line.startswith("{") else parse_logfmt(line)
            if not isinstance(fields, dict) or not all(fields.get(k) for k in ("ts", "level", "msg")):
                raise ValueError("ts, level or msg missing")
        except ValueError as e:  # includes UnicodeDecodeError and json.JSONDecodeError
            bad.append(f"{e}: {raw[:300]!r}")
    return bad


class Alertbridge:
    """A real `alertbridge serve` on a free port with its own config, rules and SQLite file."""

    def __init__(self, binary, workdir, rules_yaml, receivers_yaml, extra_config=""):
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        os.makedirs(os.path.join(workdir, "rules"), exist_ok=True)
        os.makedirs(os.path.join(workdir, "receivers"), exist_ok=True)
        with open(os.path.join(workdir, "rules", "rules.yml"), "w") as f:
            f.write(rules_yaml)
        with open(os.path.join(workdir, "receivers", "receivers.yml"), "w") as f:
            f.write(receivers_yaml)
        self.config = os.path.join(workdir, "alertbridge.yml")
        with open(self.config, "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\n"
                    f"external_url: http://127.0.0.1:{self.port}\n"
                    "storage: {sqlite: {path: data/alertbridge.db}}\n"
                    "rules: [rules/]\nreceivers: [receivers/]\n" + extra_config)
        self.proc = None
        self.log_path = os.path.join(workdir, "alertbridge.log")  # stderr: the log lines
        self.out_path = os.path.join(workdir, "alertbridge.out")  # stdout: console receiver events
        # The API token the helpers below send (api: tokens in extra_config), None without.
        self.token = None

    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def auth(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def start(self):
        self.log = open(self.log_path, "ab")
        self.out = open(self.out_path, "ab")
        self.proc = subprocess.Popen([self.binary, "serve", "--config", self.config],
                                     cwd=self.workdir, stdout=self.out, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        wait_for("alertbridge ready", lambda: self._ready(), timeout=20)

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"alertbridge exited with {self.proc.returncode}:\n" + self.logs())
        return http_json("GET", self.base() + "/-/ready", timeout=1)[0] == 200

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def incidents(self, query=""):
        status, body = http_json("GET", self.base() + "/api/v1/incidents" + query,
                                 headers=self.auth())
        assert status == 200, body
        return body["incidents"]

    def incident(self, incident_id):
        status, body = http_json("GET", f"{self.base()}/api/v1/incidents/{incident_id}",
                                 headers=self.auth())
        assert status == 200, body
        return body

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        self._close_and_check_logs()

    def _close_and_check_logs(self):
        self.log.close()
        self.out.close()
        with open(self.log_path, "rb") as f:
            bad = unparseable_log_lines(f.read())
        if bad:
            raise AssertionError(f"{len(bad)} alertbridge log lines do not parse as logfmt or "
                                 "JSON with ts, level and msg:\n" + "\n".join(bad[:10]))

    def outbox(self, query=""):
        status, body = http_json("GET", self.base() + "/api/v1/outbox" + query,
                                 headers=self.auth())
        assert status == 200, body
        return body["entries"]

    def settled(self):
        """Every outbox entry delivered or discarded: nothing pending, held or dead."""
        return all(not self.outbox("?state=" + s) for s in ("pending", "held", "dead"))

    def metrics(self):
        status, body = http_json("GET", self.base() + "/metrics", headers=self.auth())
        assert status == 200, body
        return body

    def stop(self):
        """SIGTERM and wait; then every log line of the run must parse (raises if not)."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self._close_and_check_logs()
        return self.proc.returncode


class Alertmanager:
    """The real prometheus-alertmanager from Debian, sending its webhook to alertbridge."""

    def __init__(self, workdir, webhook_url, group_by=("alertname", "service"),
                 repeat_interval="1h", http_config=None):
        self.workdir = workdir
        self.port = free_port()
        self.binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
        if not self.binary:
            raise AssertionError("prometheus-alertmanager is not installed (scripts/bootstrap.sh)")
        self.config = os.path.join(workdir, "alertmanager.yml")
        with open(self.config, "w") as f:
            f.write(
                "route:\n"
                "  receiver: bridge\n"
                f"  group_by: [{', '.join(group_by)}]\n"
                "  group_wait: 1s\n  group_interval: 1s\n"
                f"  repeat_interval: {repeat_interval}\n"
                "receivers:\n"
                "  - name: bridge\n"
                "    webhook_configs:\n"
                f"      - url: {webhook_url}\n"
                "        send_resolved: true\n" +
                (f"        http_config: {json.dumps(http_config)}\n" if http_config else ""))
        self.proc = None

    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(os.path.join(self.workdir, "alertmanager.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={self.config}",
             f"--storage.path={os.path.join(self.workdir, 'am-data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL)
        wait_for("alertmanager ready",
                 lambda: http_json("GET", self.base() + "/-/ready", timeout=1)[0] == 200, timeout=30)

    def amtool_add(self, labels, annotations=None):
        amtool = shutil.which("amtool")
        args = [amtool, f"--alertmanager.url={self.base()}", "alert", "add"]
        args += [f"{k}={v}" for k, v in labels.items()]
        for k, v in (annotations or {}).items():
            args.append(f"--annotation={k}={v}")
        subprocess.run(args, check=True, capture_output=True, timeout=20)

    def resolve(self, labels_list):
        """Resolves alerts the way Prometheus does: re-post them with endsAt in the past."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 1))
        alerts = [{"labels": labels, "endsAt": now} for labels in labels_list]
        status, body = http_json("POST", self.base() + "/api/v2/alerts", alerts)
        assert status == 200, body

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log.close()


def am_payload(status, instances, service="db"):
    """An Alertmanager webhook (version 4) body: DiskFull alerts of `service`, one per instance."""
    alerts = []
    for inst in instances:
        alerts.append({
            "status": status,
            "labels": {"alertname": "DiskFull", "service": service, "instance": inst},
            "annotations": {"summary": "disk almost full"},
            "startsAt": "2026-11-22T22:44:03.65557Z",
            "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T23:00:00Z",
            "generatorURL": "http://prometheus:9090/graph",
            "fingerprint": "0000000000000000",
        })
    return {"receiver": "bridge", "status": status, "alerts": alerts,
            "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {"alertname": "DiskFull"},
            "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4",
            "groupKey": "{}:{alertname=\"DiskFull\"}", "truncatedAlerts": 0}


def new_workdir(name):
    return tempfile.mkdtemp(prefix=f"alertbridge-e2e-{name}-")


def signed_webhook_receivers(url, name="hook"):
    """receivers.yml with one Standard Webhooks receiver signing with E2E_WEBHOOK_SECRET and
    retrying quickly, as the tests' WebhookReceiver expects."""
    return (f"receivers:\n  - name: {name}\n    type: webhook\n    url: {url}\n"
            "    secret: env:E2E_WEBHOOK_SECRET\n"
            "    retry: {max_attempts: 100, initial_backoff: 50ms, max_backoff: 200ms}\n")


def run(module):
    """Runs a test module's unittest cases; sets module.ALERTBRIDGE from --alertbridge."""
    import argparse
    import sys
    import unittest
    parser = argparse.ArgumentParser()
    parser.add_argument("--alertbridge", required=True)
    args, rest = parser.parse_known_args()
    module.ALERTBRIDGE = os.path.abspath(args.alertbridge)
    unittest.main(module=module, argv=[sys.argv[0]] + rest, verbosity=2)
