"""End to end: the responders' web page at / in a real headless Chromium (Debian package
`chromium`), driven over the DevTools protocol with a WebSocket client written here on the
standard library. The test opens the page, follows an incident from the list, acknowledges it with
the page's button, checks the state through the JSON API, checks that a label value holding
`<script>` shows as text and runs nothing, and keeps a screenshot (web_incident.png in the working
directory, the build tree under ctest) as an artifact.

Run: python3 tests/e2e/test_web.py --alertbridge build/src/alertbridge"""

import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

import harness
from harness import (WEBHOOK_SECRET, Alertbridge, WebhookReceiver, am_payload, http_json,
                     new_workdir, signed_webhook_receivers, wait_for)

ALERTBRIDGE = None
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

RULES = """
rules:
  - name: db
    match: ['service="db"']
    group_by: [service]
    severity: {default: SEV2}
    owner: {team: storage, commander: alice}
    receivers: [hook]
"""

OPERATIONS = """
severities:
  SEV2:
    ack_within: 1h
"""

WEB_TOKEN = "web-write-token-0123456789abcdef"

HOSTILE = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


class DevTools:
    """A minimal DevTools protocol client: one WebSocket (RFC 6455, client frames masked), JSON
    commands answered by id; events are skipped."""

    def __init__(self, ws_url):
        url = urllib.parse.urlparse(ws_url)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("DevTools closed the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.decode(errors="replace"))
        self.next_id = 0

    def _recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            out += chunk
        return out

    def _send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            data = self._recv_exact(n)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping/pong: the browser does not ping its clients
                continue
            message += data
            if b0 & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        self._send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = self._recv()
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expression):
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        self.sock.close()


def start_chromium(profile):
    """Headless Chromium with a DevTools port of its own choosing; returns (process, ws url of
    its first page)."""
    proc = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    found = {}

    def read_stderr():
        for line in proc.stderr:
            m = re.search(rb"DevTools listening on (ws://\S+)", line)
            if m and "url" not in found:
                found["url"] = m.group(1).decode()
    threading.Thread(target=read_stderr, daemon=True).start()
    browser_ws = wait_for("chromium's DevTools port", lambda: found.get("url"), timeout=60)
    port = urllib.parse.urlparse(browser_ws).port
    status, targets = http_json("GET", f"http://127.0.0.1:{port}/json/list")
    page = [t for t in targets if t.get("type") == "page"][0]
    return proc, page["webSocketDebuggerUrl"]


@unittest.skipIf(CHROMIUM is None, "chromium is not installed (scripts/bootstrap.sh installs it)")
class WebPage(unittest.TestCase):
    EXTRA_CONFIG = OPERATIONS

    def setUp(self):
        os.environ["E2E_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        os.environ["E2E_WEB_TOKEN"] = WEB_TOKEN
        self.workdir = new_workdir("web")
        self.hook = WebhookReceiver()
        self.bridge = Alertbridge(ALERTBRIDGE, self.workdir, RULES,
                                  signed_webhook_receivers(self.hook.url()), self.EXTRA_CONFIG)
        harness.failure_context = self.bridge.logs
        self.bridge.start()
        self.profile = tempfile.mkdtemp(prefix="alertbridge-e2e-chromium-")
        self.chromium, ws = start_chromium(self.profile)
        self.page = DevTools(ws)

    def tearDown(self):
        self.page.close()
        self.chromium.terminate()
        try:
            self.chromium.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.chromium.kill()
            self.chromium.wait()
        self.bridge.stop()
        self.hook.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        shutil.rmtree(self.profile, ignore_errors=True)

    def wait_js(self, what, expression, timeout=20):
        return wait_for(what, lambda: self.page.js(expression), timeout=timeout, interval=0.1)

    def test_acknowledge_through_the_page_and_show_hostile_labels_as_text(self):
        payload = am_payload("firing", ["db-1"])
        payload["alerts"][0]["labels"]["detail"] = HOSTILE
        status, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                 payload)
        self.assertEqual(status, 200, body)
        inc = wait_for("declared", lambda: self.bridge.incidents("?state=open"))[0]

        self.page.call("Page.navigate", url=self.bridge.base() + "/#/")
        self.wait_js("the incident list", "document.body && document.body.dataset.loaded === '#/' && "
                     "document.querySelectorAll('#incidents tr.incident').length === 1")
        row = self.page.js("document.querySelector('#incidents tr.incident').innerText")
        for want in ("SEV2", "declared", "storage", "alice"):
            self.assertIn(want, row)
        self.assertIn("ack", self.page.js("document.querySelector('#incidents td.sla').innerText"))

        self.page.js("document.querySelector('#incidents tr.incident a').click()")
        self.wait_js("the incident page",
                     f"document.body && document.body.dataset.loaded === '#/incident/{inc['id']}' && "
                     "document.getElementById('ack') !== null")
        labels = self.page.js("document.querySelector('#alerts td.labels').textContent")
        self.assertIn("<script>window.pwned = 1</script>", labels)
        self.assertEqual(self.page.js("document.querySelectorAll('main script, main img').length"),
                         0)
        self.assertIsNone(self.page.js("window.pwned === undefined ? null : window.pwned"))

        self.page.js("sessionStorage.setItem('alertbridge.name', 'bob')")
        self.page.js("document.getElementById('ack').click()")
        self.wait_js("the page showing the acknowledgement",
                     "(document.getElementById('state') || {}).textContent === 'acknowledged'")
        detail = self.bridge.incident(inc["id"])
        self.assertEqual(detail["state"], "acknowledged")
        ack = [e for e in detail["timeline"] if e["type"] == "acknowledged"]
        self.assertEqual([e["actor"] for e in ack], ["user:bob"])

        shot = self.page.call("Page.captureScreenshot", format="png")
        path = os.path.abspath("web_incident.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self.assertGreater(os.path.getsize(path), 1000)
        print(f"screenshot: {path}", file=sys.stderr)



@unittest.skipIf(CHROMIUM is None, "chromium is not installed (scripts/bootstrap.sh installs it)")
class WebPageWithTokens(WebPage):
    """With API tokens the page still loads (it holds no data), asks for a token when the API
    answers 401, and acts with the token entered once (kept in session storage)."""
    EXTRA_CONFIG = OPERATIONS + ("api:\n  tokens:\n"
                                 "    - {name: web, token: env:E2E_WEB_TOKEN, role: write}\n")

    def test_acknowledge_through_the_page_and_show_hostile_labels_as_text(self):
        status, body = http_json("POST", self.bridge.base() + "/api/v1/alerts/alertmanager",
                                 am_payload("firing", ["db-1"]))
        self.assertEqual(status, 200, body)
        auth = {"Authorization": "Bearer " + WEB_TOKEN}
        status, listed = http_json("GET", self.bridge.base() + "/api/v1/incidents?state=open")
        self.assertEqual(status, 401, listed)
        [inc] = wait_for("declared", lambda: http_json(
            "GET", self.bridge.base() + "/api/v1/incidents?state=open", headers=auth)[1]["incidents"])

        # Without a token the page asks for one instead of showing incidents.
        self.page.call("Page.navigate", url=self.bridge.base() + "/#/")
        self.wait_js("the token form", "document.getElementById('token-form') !== null")
        self.page.js(f"document.getElementById('token').value = '{WEB_TOKEN}'")
        self.page.js("document.getElementById('name').value = 'bob'")
        self.page.js("document.getElementById('token-form').requestSubmit()")
        self.wait_js("the incident list", "document.body && document.body.dataset.loaded === '#/' && "
                     "document.querySelectorAll('#incidents tr.incident').length === 1")
        self.assertIsNone(self.page.js("sessionStorage.getItem('alertbridge.token') === null "
                                       "? 'missing' : null"))

        self.page.js("document.querySelector('#incidents tr.incident a').click()")
        self.wait_js("the incident page",
                     f"document.body && document.body.dataset.loaded === '#/incident/{inc['id']}' && "
                     "document.getElementById('ack') !== null")
        self.page.js("document.getElementById('ack').click()")
        self.wait_js("the page showing the acknowledgement",
                     "(document.getElementById('state') || {}).textContent === 'acknowledged'")
        status, detail = http_json("GET", f"{self.bridge.base()}/api/v1/incidents/{inc['id']}",
                                   headers=auth)
        self.assertEqual(status, 200, detail)
        ack = [e for e in detail["timeline"] if e["type"] == "acknowledged"]
        self.assertEqual([e["actor"] for e in ack], ["user:web (on behalf of bob)"])


if __name__ == "__main__":
    harness.run(sys.modules[__name__])
