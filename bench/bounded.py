#!/usr/bin/env python3
"""Memory, history, restart and alert-to-downstream latency benchmarks (issue 14), one command each.

  python3 bench/bounded.py memory  [--alerts 100000,1000000]   RSS per active alert, side by side
                                                               with Alertmanager holding the same
  python3 bench/bounded.py history [--incidents 100000]        RSS after 1M alerts fired and
                                                               resolved (10 per incident) vs idle
  python3 bench/bounded.py restart [--alerts 1000000]          time to ready with N active alerts
                                                               stored (and with history beside)
  python3 bench/bounded.py latency [--rate 1000 --seconds 20]  alert received -> first downstream
                                                               request, p50/p99, local webhook

Every figure is printed with the load average and the machine: the machine these run on is shared,
so wall-clock figures are noisy; compare the ratios printed from one run. Only loopback traffic.
Options: --build DIR (default build/), --keep (leave the work folder for a look).
"""

import argparse
import asyncio
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    cores = os.cpu_count()
    with open("/proc/meminfo") as f:
        mem_gb = int(f.readline().split()[1]) / 1048576
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{cores} cores, {mem_gb:.0f} GB, {model}; {os.uname().release}"


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_until(what, predicate, timeout=600.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)  # poll interval of a benchmark driver, not a test
    raise TimeoutError(f"timed out waiting for {what}")


def get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except Exception:  # not up yet, or refused
        return None, ""


def am_alerts(base):
    """Alerts Alertmanager holds, in any state (0.25 counts a new alert as `unprocessed` until its
    group's first flush, `active` after)."""
    states = ("active", "suppressed", "unprocessed")
    # Its /metrics takes seconds to answer with a million alerts on a busy machine.
    values = [metric(base, f'alertmanager_alerts{{state="{s}"}}', timeout=60) for s in states]
    return sum(v for v in values if v is not None)


def metric(base, name, timeout=5):
    """The value of a sample named exactly `name` (labels included, as printed), or None."""
    status, text = get(base + "/metrics", timeout=timeout)
    if status != 200:
        return None
    for line in text.splitlines():
        key, _, value = line.rpartition(" ")
        if key == name:
            return float(value)
    return None


class Process:
    def __init__(self, argv, log_path, cwd=None):
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, cwd=cwd)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Alertbridge:
    def __init__(self, binary, workdir, rules, receivers="receivers: []\n", extra=""):
        self.binary = binary
        self.dir = workdir
        self.port = free_port()
        os.makedirs(f"{workdir}/rules", exist_ok=True)
        os.makedirs(f"{workdir}/receivers", exist_ok=True)
        with open(f"{workdir}/rules/bench.yml", "w") as f:
            f.write(rules)
        with open(f"{workdir}/receivers/bench.yml", "w") as f:
            f.write(receivers)
        with open(f"{workdir}/alertbridge.yml", "w") as f:
            f.write(f"listen: 127.0.0.1:{self.port}\nstorage: {{sqlite: {{path: data/bench.db}}}}\n"
                    f"rules: [rules/]\nreceivers: [receivers/]\nlog: {{level: warn}}\n{extra}")
        self.proc = None
        self.starts = 0

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Starts and returns the seconds until /-/ready answered 200."""
        self.starts += 1
        began = time.monotonic()
        self.proc = Process([self.binary, "serve", "--config", f"{self.dir}/alertbridge.yml"],
                            f"{self.dir}/serve-{self.starts}.log")
        wait_until("alertbridge ready", lambda: self._ready(), timeout=300, interval=0.01)
        return time.monotonic() - began

    def _ready(self):
        if self.proc.proc.poll() is not None:
            raise RuntimeError(f"alertbridge exited; see {self.dir}/serve-{self.starts}.log")
        return get(self.base + "/-/ready", timeout=1)[0] == 200

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


class Alertmanager:
    def __init__(self, workdir):
        self.dir = workdir
        self.port = free_port()
        os.makedirs(workdir, exist_ok=True)
        with open(f"{workdir}/am.yml", "w") as f:
            f.write("route: {receiver: none, group_by: [alertname, service], group_wait: 30s, "
                    "group_interval: 5m}\nreceivers: [{name: none}]\n")
        self.proc = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.proc = Process(["prometheus-alertmanager", f"--config.file={self.dir}/am.yml",
                             f"--storage.path={self.dir}/data",
                             f"--web.listen-address=127.0.0.1:{self.port}",
                             "--cluster.listen-address=", "--log.level=warn"],
                            f"{self.dir}/am.log")
        wait_until("alertmanager ready", lambda: get(self.base + "/-/ready", 1)[0] == 200, 60)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


def post_alerts(port, alert_batches, threads=2):
    """POSTs each batch (a list of API v2 alerts) to /api/v2/alerts over keep-alive connections;
    fails on any non-2xx."""
    batches = list(alert_batches)
    lock = threading.Lock()
    errors = []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not batches or errors:
                    break
                batch = batches.pop()
            body = json.dumps(batch)
            conn.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            if resp.status // 100 != 2:
                with lock:
                    errors.append(f"{resp.status} {data[:200]!r}")
        conn.close()

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError("POST /api/v2/alerts failed: " + errors[0])


def firing_batches(n, per_request=1000, prefix="a", services=50, ends_in=7200):
    ends = rfc3339(time.time() + ends_in)
    for start in range(0, n, per_request):
        yield [{"labels": {"alertname": "BenchAlert", "service": f"svc-{i % services}",
                           "instance": f"{prefix}-{i}", "severity": "warning"},
                "annotations": {"summary": "benchmark alert"}, "endsAt": ends}
               for i in range(start, min(n, start + per_request))]


STORM_RULE = """rules:
  - name: bench
    match: ['alertname="BenchAlert"']
    group_by: [service]
    severity: {default: SEV3}
"""


def settle_rss(pid, seconds=3.0):
    """RSS after it stopped moving for a moment (allocator trimming, Go's GC)."""
    last = rss_bytes(pid)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.5)  # benchmark driver
        now = rss_bytes(pid)
        if abs(now - last) < 64 * 1024:
            return now
        last = now
    return last


def cmd_memory(args, work):
    print(f"memory: RSS per active alert, 50 groups, API v2, {loadavg()} load average")
    for n in args.alerts:
        am = Alertmanager(f"{work}/am-{n}")
        ab = Alertbridge(args.binary, f"{work}/ab-{n}", STORM_RULE)
        am.start()
        ab.start()
        try:
            am0, ab0 = settle_rss(am.proc.pid), settle_rss(ab.proc.pid)
            t0 = time.monotonic()
            post_alerts(am.port, firing_batches(n))
            am_secs = time.monotonic() - t0
            t0 = time.monotonic()
            post_alerts(ab.port, firing_batches(n))
            ab_secs = time.monotonic() - t0
            am_n = am_alerts(am.base)
            ab_n = metric(ab.base, "alertbridge_alerts_firing")
            am1, ab1 = settle_rss(am.proc.pid, 10), settle_rss(ab.proc.pid, 10)
            am_per = (am1 - am0) / max(1, am_n or 0)
            ab_per = (ab1 - ab0) / max(1, ab_n or 0)
            print(f"  {n:>9} alerts  alertmanager {am_per:7.0f} B/alert ({am_n:.0f} held, "
                  f"RSS {am0 / 2**20:.0f} -> {am1 / 2**20:.0f} MB, loaded in {am_secs:.1f}s)   "
                  f"alertbridge {ab_per:7.0f} B/alert ({ab_n:.0f} firing, RSS {ab0 / 2**20:.0f} -> "
                  f"{ab1 / 2**20:.0f} MB, loaded in {ab_secs:.1f}s)   ratio {ab_per / am_per:.2f} "
                  f"(target <= 512 B/alert)  load {loadavg()}")
        finally:
            ab.stop()
            am.stop()


HISTORY_RULE = """rules:
  - name: history
    match: ['alertname="HistoryAlert"']
    group_by: [incident]
    severity: {default: SEV3}
    dedup_window: 1s
    resolve: {after: 0s}
"""


def cmd_history(args, work):
    n_inc = args.incidents
    per = 10
    ab = Alertbridge(args.binary, f"{work}/history", HISTORY_RULE)
    ab.start()
    try:
        idle = settle_rss(ab.proc.pid, 5)
        print(f"history: {n_inc} incidents x {per} alerts fired then resolved, in waves of 10,000 "
              f"alerts; idle RSS {idle / 2**20:.1f} MB; load {loadavg()}")
        t0 = time.monotonic()
        wave = 10_000
        peak = idle
        for start in range(0, n_inc * per, wave):
            ids = range(start, min(n_inc * per, start + wave))

            def alerts(status_resolved):
                t = time.time()
                ends = rfc3339(t - 1 if status_resolved else t + 7200)
                return [[{"labels": {"alertname": "HistoryAlert", "incident": f"i{i // per}",
                                     "instance": f"x{i}"},
                          "annotations": {"summary": "history"}, "endsAt": ends}
                         for i in ids[k:k + 1000]] for k in range(0, len(ids), 1000)]

            post_alerts(ab.port, alerts(False))
            post_alerts(ab.port, alerts(True))
            peak = max(peak, rss_bytes(ab.proc.pid))
        secs = time.monotonic() - t0
        print(f"  ingested {n_inc * per * 2} notices in {secs:.0f}s; peak RSS {peak / 2**20:.1f} MB")

        def in_memory():
            inc = metric(ab.base, "alertbridge_engine_incidents_in_memory")
            alerts = metric(ab.base, "alertbridge_engine_alerts_in_memory")
            return (inc, alerts)

        settle = args.settle
        print(f"  waiting up to {settle}s for resolved work to leave memory "
              f"(dedup window 1s; resolved alerts are remembered for 5m)")
        end = time.monotonic() + settle
        while time.monotonic() < end:
            inc, alerts = in_memory()
            if inc == 0 and alerts == 0:
                break
            time.sleep(1)  # benchmark driver
        inc, alerts = in_memory()
        after = settle_rss(ab.proc.pid, 10)
        print(f"  after: incidents in memory {inc}, alerts in memory {alerts}, "
              f"RSS {after / 2**20:.1f} MB = {after / idle:.2f}x idle (target <= 1.10x); "
              f"load {loadavg()}")
    finally:
        ab.stop()


def cmd_restart(args, work):
    n = args.alerts
    ab = Alertbridge(args.binary, f"{work}/restart", STORM_RULE)
    ab.start()
    try:
        t0 = time.monotonic()
        post_alerts(ab.port, firing_batches(n))
        print(f"restart: {n} active alerts stored in {time.monotonic() - t0:.0f}s; "
              f"load {loadavg()}")
        ab.stop()
        times = []
        for _ in range(args.repeat):
            times.append(ab.start())
            firing = metric(ab.base, "alertbridge_alerts_firing")
            rss = rss_bytes(ab.proc.pid)
            ab.stop()
            print(f"  ready in {times[-1]:.2f}s with {firing:.0f} firing alerts restored, RSS "
                  f"{rss / 2**20:.0f} MB (target < 2 s); load {loadavg()}")
        if args.history:
            ab.start()
            post_alerts(ab.port, ([dict(a, endsAt=rfc3339(time.time() - 1)) for a in batch]
                                  for batch in firing_batches(args.history, prefix="h")))
            ab.stop()
            t = ab.start()
            ab.stop()
            print(f"  with {args.history} resolved alerts stored beside them: ready in {t:.2f}s "
                  f"(target: independent of resolved history)")
    finally:
        ab.stop()


class Sink:
    """A minimal HTTP/1.1 server on its own thread: records when each incident's first request
    arrived (time.monotonic(), system-wide), answers 200 at once."""

    def __init__(self):
        self.port = free_port()
        self.arrivals = {}
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())

    async def _serve(self):
        server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.ready.set()
        async with server:
            await server.serve_forever()

    async def _client(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = time.monotonic()
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                try:
                    group = json.loads(body)["incident"]["group"]["n"]
                    self.arrivals.setdefault(group, at)
                except (KeyError, ValueError):
                    pass
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


LATENCY_RULE = """rules:
  - name: latency
    match: ['alertname="LatencyAlert"']
    group_by: [n]
    severity: {default: SEV3}
    receivers: [sink]
"""


def cmd_latency(args, work):
    sink = Sink()
    receivers = (f"receivers:\n  - name: sink\n    type: webhook\n"
                 f"    url: http://127.0.0.1:{sink.port}/hook\n    events: [declared]\n")
    ab = Alertbridge(args.binary, f"{work}/latency", LATENCY_RULE, receivers)
    ab.start()
    total = int(args.rate * args.seconds)
    sent = {}
    posted = {}  # when the driver actually sent each alert (later than due when it falls behind)
    lag = []  # how late the driver sent each alert: when it falls behind, the figure is its own
    # Open loop: alert k is due at start + k / rate whatever happened to the ones before it, so a
    # slow answer cannot hide latency (coordinated omission). Four connections take turns.
    start = time.monotonic() + 0.5
    conns_n = 4
    lock = threading.Lock()
    nxt = [0]

    def sender():
        conn = http.client.HTTPConnection("127.0.0.1", ab.port, timeout=30)
        while True:
            with lock:
                k = nxt[0]
                nxt[0] += 1
            if k >= total:
                break
            due = start + k / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the open-loop load
            body = json.dumps([{"labels": {"alertname": "LatencyAlert", "n": str(k)},
                                "endsAt": rfc3339(time.time() + 3600)}])
            sent[str(k)] = due
            posted[str(k)] = time.monotonic()
            lag.append(posted[str(k)] - due)
            conn.request("POST", "/api/v2/alerts", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
        conn.close()

    try:
        print(f"latency: {args.rate:.0f} alerts/s for {args.seconds}s, one new incident per alert, "
              f"webhook receiver on loopback; load {loadavg()}")
        threads = [threading.Thread(target=sender) for _ in range(conns_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_until("every incident delivered", lambda: len(sink.arrivals) >= total, timeout=120)
        lat = sorted((sink.arrivals[k] - sent[k]) * 1000 for k in sent if k in sink.arrivals)
        # The first second warms up (connections, page cache); it is not the steady state.
        warm = int(args.rate)
        steady = lat if len(lat) <= warm else sorted(
            (sink.arrivals[str(k)] - sent[str(k)]) * 1000 for k in range(warm, total))
        p = lambda q: steady[min(len(steady) - 1, int(q * len(steady)))]
        print(f"  alert -> first downstream request: p50 {p(0.50):.2f} ms  p99 {p(0.99):.2f} ms  "
              f"max {steady[-1]:.2f} ms over {len(steady)} alerts (target p99 < 10 ms); "
              f"mean {statistics.mean(steady):.2f} ms; load {loadavg()}")
        lag.sort()
        print(f"  driver: sent p99 {lag[int(0.99 * len(lag))] * 1000:.2f} ms after the alert was "
              f"due (a large value means this driver, not alertbridge, fell behind)")
        own = sorted((sink.arrivals[str(k)] - posted[str(k)]) * 1000
                     for k in range(min(warm, total - 1), total) if str(k) in sink.arrivals)
        q = lambda v: own[min(len(own) - 1, int(v * len(own)))]
        print(f"  from when the driver actually sent it (alertbridge's own part, hides what "
              f"queued in the driver): p50 {q(0.50):.2f} ms  p99 {q(0.99):.2f} ms")
    finally:
        ab.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    p.add_argument("--keep", action="store_true")
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("memory")
    m.add_argument("--alerts", default="100000,1000000",
                   type=lambda s: [int(x) for x in s.split(",")])
    h = sub.add_parser("history")
    h.add_argument("--incidents", type=int, default=100_000)
    h.add_argument("--settle", type=int, default=420, help="seconds to wait for memory to drop")
    r = sub.add_parser("restart")
    r.add_argument("--alerts", type=int, default=1_000_000)
    r.add_argument("--repeat", type=int, default=3)
    r.add_argument("--history", type=int, default=0, help="resolved alerts to add, then restart")
    lt = sub.add_parser("latency")
    lt.add_argument("--rate", type=float, default=1000)
    lt.add_argument("--seconds", type=float, default=20)
    args = p.parse_args()
    args.binary = os.path.join(args.build, "src", "alertbridge")
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"build alertbridge first ({args.binary} missing)")
    print(f"machine: {machine()}")
    work = tempfile.mkdtemp(prefix="ab-bench-")
    try:
        {"memory": cmd_memory, "history": cmd_history, "restart": cmd_restart,
         "latency": cmd_latency}[args.cmd](args, work)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
