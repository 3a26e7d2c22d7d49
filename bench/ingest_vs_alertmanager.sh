#!/usr/bin/env bash
# Alert-storm benchmark, side by side with the real Alertmanager in one run (bench/README.md):
# wrk POSTs /api/v2/alerts (10 new alerts per request) at 32 connections to each, then we print
# requests/s, p99 and RSS per active alert, and alertbridge/Alertmanager ratios.
# Usage: bench/ingest_vs_alertmanager.sh [build-dir] [seconds] [connections]
# Only loopback traffic; bounded in time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${2:-10}
conns=${3:-32}
bin=$build/src/alertbridge
[ -x "$bin" ] || { echo "build alertbridge first ($bin missing)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: bash scripts/bootstrap.sh" >&2; exit 2; }

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # url, deadline in seconds
  local deadline=$((SECONDS + 30))
  until curl -fsS -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || { echo "timeout waiting for $1" >&2; exit 1; }
    sleep 0.1   # poll interval (bench script, not a test)
  done
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
metric() { curl -fsS "$1" | awk -v m="$2" '$1 == m && !found {print $2; found = 1}'; }

# --- Alertmanager ---------------------------------------------------------------------------
am_port=$(free_port)
cat > "$work/am.yml" <<YML
route: {receiver: none, group_by: [alertname, service], group_wait: 30s, group_interval: 5m}
receivers: [{name: none}]
YML
prometheus-alertmanager --config.file="$work/am.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= --log.level=warn \
  >"$work/am.log" 2>&1 &
am_pid=$!; pids+=("$am_pid")
wait_ready "http://127.0.0.1:$am_port/-/ready"

# --- alertbridge ----------------------------------------------------------------------------
ab_port=$(free_port)
mkdir -p "$work/ab/rules" "$work/ab/receivers"
cat > "$work/ab/rules/storm.yml" <<YML
rules:
  - name: storm
    match: ['alertname="StormAlert"']
    group_by: [service]
    severity: {default: SEV3}
    receivers: [sink]
YML
cat > "$work/ab/receivers/sink.yml" <<YML
receivers:
  - name: sink
    type: webhook
    url: http://127.0.0.1:9/unused
    events: [declared]
YML
cat > "$work/ab/alertbridge.yml" <<YML
listen: 127.0.0.1:$ab_port
storage: {sqlite: {path: data/bench.db}}
rules: [rules/]
receivers: [receivers/]
log: {level: warn}
YML
"$bin" serve --config "$work/ab/alertbridge.yml" >"$work/ab.log" 2>&1 &
ab_pid=$!; pids+=("$ab_pid")
wait_ready "http://127.0.0.1:$ab_port/-/ready"

am_rss0=$(rss_kb "$am_pid"); ab_rss0=$(rss_kb "$ab_pid")
run() {  # name port
  wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$here/storm.lua" "http://127.0.0.1:$2" \
    | tee "$work/$1.wrk" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
echo "storm: ${secs}s, $conns connections, 10 new alerts per request, POST /api/v2/alerts"
run alertmanager "$am_port"
run alertbridge "$ab_port"

am_rps=$(grep -o 'rps=[0-9.]*' "$work/alertmanager.wrk" | cut -d= -f2)
ab_rps=$(grep -o 'rps=[0-9.]*' "$work/alertbridge.wrk" | cut -d= -f2)
am_p99=$(grep -o 'p99_ms=[0-9.]*' "$work/alertmanager.wrk" | cut -d= -f2)
ab_p99=$(grep -o 'p99_ms=[0-9.]*' "$work/alertbridge.wrk" | cut -d= -f2)
am_alerts=$(metric "http://127.0.0.1:$am_port/metrics" 'alertmanager_alerts{state="active"}')
ab_alerts=$(metric "http://127.0.0.1:$ab_port/metrics" 'alertbridge_alerts_firing')
am_rss1=$(rss_kb "$am_pid"); ab_rss1=$(rss_kb "$ab_pid")
python3 - "$am_rps" "$ab_rps" "$am_p99" "$ab_p99" "$am_alerts" "$ab_alerts" \
  "$am_rss0" "$am_rss1" "$ab_rss0" "$ab_rss1" <<'PY'
import sys
am_rps, ab_rps, am_p99, ab_p99, am_n, ab_n, am0, am1, ab0, ab1 = map(float, sys.argv[1:])
print(f"requests/s       alertmanager {am_rps:10.0f}   alertbridge {ab_rps:10.0f}   ratio {ab_rps/am_rps:5.2f}x (budget >= 2.5x)")
print(f"p99 latency ms   alertmanager {am_p99:10.2f}   alertbridge {ab_p99:10.2f}   ratio {ab_p99/am_p99:5.2f}  (budget <= 0.10)")
am_per = (am1 - am0) * 1024 / am_n if am_n else float('nan')
ab_per = (ab1 - ab0) * 1024 / ab_n if ab_n else float('nan')
print(f"active alerts    alertmanager {am_n:10.0f}   alertbridge {ab_n:10.0f}")
print(f"RSS bytes/alert  alertmanager {am_per:10.0f}   alertbridge {ab_per:10.0f}   ratio {ab_per/am_per:5.2f}  (budget <= 1 KB)")
PY
