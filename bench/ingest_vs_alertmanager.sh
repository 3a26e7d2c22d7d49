#!/usr/bin/env bash
# Alert-storm benchmark, side by side with the real Alertmanager in one run (bench/README.md,
# issue 14): wrk POSTs /api/v2/alerts (10 new alerts per request) to each, then we print requests/s,
# p99 and RSS per active alert, and alertbridge/Alertmanager ratios.
#
# Each case starts a fresh Alertmanager and a fresh alertbridge (empty store, synchronous=FULL,
# every 2xx committed), then runs wrk against one after the other:
#   storm   the alerts pile into 3 incidents (SERVICES=3)
#   spread  the same over 50 incidents (SERVICES=50)
# at 32 and 512 connections (wrk -t2). The load average is printed with each case: the machine
# is shared, so compare ratios from one run, not absolute figures from different days.
#
# Usage: bench/ingest_vs_alertmanager.sh [build-dir] [seconds] [connections...]
#   SHAPES="3 50" (environment) picks the cases; connections default to "32 512".
# Only loopback traffic; bounded in time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${2:-10}
shift $(($# > 2 ? 2 : $#))
conns_list=${*:-32 512}
shapes=${SHAPES:-3 50}
bin=$build/src/alertbridge
[ -x "$bin" ] || { echo "build alertbridge first ($bin missing)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: bash scripts/bootstrap.sh" >&2; exit 2; }

work=$(mktemp -d)
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
cleanup() { stop_all; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {  # url, deadline in seconds
  local deadline=$((SECONDS + 30))
  until curl -fs -o /dev/null "$1"; do
    [ $SECONDS -lt $deadline ] || { echo "timeout waiting for $1" >&2; exit 1; }
    sleep 0.1   # poll interval (bench script, not a test)
  done
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
metric() { curl -fsS "$1" | awk -v m="$2" '$1 == m && !found {print $2; found = 1}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)," \
  "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); $(uname -r)"
echo "alertbridge $("$bin" version 2>/dev/null | head -1); $(prometheus-alertmanager --version 2>&1 | head -1)"

one_case() {  # services connections
  local services=$1 conns=$2 dir="$work/case-$1-$2"
  mkdir -p "$dir/ab/rules" "$dir/ab/receivers"
  # --- Alertmanager -------------------------------------------------------------------------
  local am_port; am_port=$(free_port)
  cat > "$dir/am.yml" <<YML
route: {receiver: none, group_by: [alertname, service], group_wait: 30s, group_interval: 5m}
receivers: [{name: none}]
YML
  prometheus-alertmanager --config.file="$dir/am.yml" --storage.path="$dir/am" \
    --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= --log.level=warn \
    >"$dir/am.log" 2>&1 &
  local am_pid=$!; pids+=("$am_pid")
  wait_ready "http://127.0.0.1:$am_port/-/ready"
  # --- alertbridge --------------------------------------------------------------------------
  local ab_port; ab_port=$(free_port)
  cat > "$dir/ab/rules/storm.yml" <<YML
rules:
  - name: storm
    match: ['alertname="StormAlert"']
    group_by: [service]
    severity: {default: SEV3}
    receivers: [sink]
YML
  cat > "$dir/ab/receivers/sink.yml" <<YML
receivers:
  - name: sink
    type: webhook
    url: http://127.0.0.1:9/unused
    events: [declared]
YML
  cat > "$dir/ab/alertbridge.yml" <<YML
listen: 127.0.0.1:$ab_port
storage: {sqlite: {path: data/bench.db}}
rules: [rules/]
receivers: [receivers/]
log: {level: warn}
YML
  "$bin" serve --config "$dir/ab/alertbridge.yml" >"$dir/ab.log" 2>&1 &
  local ab_pid=$!; pids+=("$ab_pid")
  wait_ready "http://127.0.0.1:$ab_port/-/ready"

  local am_rss0 ab_rss0; am_rss0=$(rss_kb "$am_pid"); ab_rss0=$(rss_kb "$ab_pid")
  echo
  echo "case: $services incidents, ${secs}s, $conns connections, 10 new alerts per request," \
    "POST /api/v2/alerts; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  for target in alertmanager:$am_port alertbridge:$ab_port; do
    SERVICES=$services wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$here/storm.lua" \
      "http://127.0.0.1:${target#*:}" > "$dir/${target%%:*}.wrk"
    grep '^RESULT' "$dir/${target%%:*}.wrk" | sed "s/^RESULT/${target%%:*}/"
  done
  local load_after; load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  field() { grep -o "$2=[0-9.]*" "$dir/$1.wrk" | cut -d= -f2; }
  local am_alerts ab_alerts
  # Alertmanager 0.25 counts a new alert as "unprocessed" until its group's first flush.
  am_alerts=$(curl -fsS "http://127.0.0.1:$am_port/metrics" |
    awk '$1 ~ /^alertmanager_alerts\{state="(active|suppressed|unprocessed)"\}$/ {n += $2} END {print n + 0}')
  ab_alerts=$(metric "http://127.0.0.1:$ab_port/metrics" 'alertbridge_alerts_firing')
  python3 - "$(field alertmanager rps)" "$(field alertbridge rps)" \
    "$(field alertmanager p99_ms)" "$(field alertbridge p99_ms)" "$am_alerts" "$ab_alerts" \
    "$am_rss0" "$(rss_kb "$am_pid")" "$ab_rss0" "$(rss_kb "$ab_pid")" "$load_after" <<'PY'
import sys
am_rps, ab_rps, am_p99, ab_p99, am_n, ab_n, am0, am1, ab0, ab1 = map(float, sys.argv[1:11])
print(f"requests/s       alertmanager {am_rps:10.0f}   alertbridge {ab_rps:10.0f}   ratio {ab_rps/am_rps:5.2f}x (target >= 2.5x)")
print(f"p99 latency ms   alertmanager {am_p99:10.2f}   alertbridge {ab_p99:10.2f}   ratio {ab_p99/am_p99:5.2f}  (target <= 0.10)")
am_per = (am1 - am0) * 1024 / am_n if am_n else float('nan')
ab_per = (ab1 - ab0) * 1024 / ab_n if ab_n else float('nan')
print(f"active alerts    alertmanager {am_n:10.0f}   alertbridge {ab_n:10.0f}")
print(f"RSS bytes/alert  alertmanager {am_per:10.0f}   alertbridge {ab_per:10.0f}   ratio {ab_per/am_per:5.2f}  (bench/bounded.py memory measures it properly)")
print(f"load average after: {sys.argv[11]}")
PY
  stop_all
}

for services in $shapes; do
  for conns in $conns_list; do one_case "$services" "$conns"; done
done
