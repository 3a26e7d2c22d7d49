#!/usr/bin/env bash
# The examples, running: the real Prometheus, Alertmanager and alertbridge on loopback (free ports),
# wired as examples/prometheus.yml, examples/alertmanager.yml and examples/rules/ say. Prometheus
# scrapes a `checkout` service that is down, its ServiceDown rule fires, Alertmanager sends the
# alert to alertbridge, which declares a SEV1 incident; then checkout comes up, the alert resolves
# and so does the incident. Takes about half a minute.
#
#   bash examples/demo.sh                      (after scripts/run.sh or scripts/test.sh built it)
#   ALERTBRIDGE=/usr/bin/alertbridge bash examples/demo.sh
#
# The example files are used as written except for what a demo must change, printed as it runs:
# ports, file paths, and intervals (Prometheus scrape/evaluation 1s, ServiceDown `for` 1s,
# Alertmanager group_wait/group_interval 1s, the outage rule's resolve.after 1s).
# Environment: ALERTBRIDGE (default build/src/alertbridge), DEMO_DIR (default a new temporary
# folder, removed at the end unless KEEP=1), DEMO_TIMEOUT seconds per step (default 60).
# Needs prometheus, prometheus-alertmanager, python3 with python3-yaml, curl (scripts/bootstrap.sh).
set -euo pipefail

examples="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$examples")"
alertbridge="${ALERTBRIDGE:-$root/build/src/alertbridge}"
timeout="${DEMO_TIMEOUT:-60}"
[ -x "$alertbridge" ] || { echo "demo: no alertbridge binary at $alertbridge (set ALERTBRIDGE)" >&2; exit 2; }
for tool in prometheus prometheus-alertmanager python3 curl; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is missing (scripts/bootstrap.sh)" >&2; exit 2; }
done

dir="${DEMO_DIR:-$(mktemp -d /tmp/alertbridge-demo-XXXXXX)}"
mkdir -p "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ] || [ -n "${DEMO_DIR:-}" ]; then echo "demo: files and logs in $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ab_port=$(free_port); am_port=$(free_port); prom_port=$(free_port); checkout_port=$(free_port)
step() { printf '\n== %s\n' "$*"; }

# Polls a command until it succeeds, at most $timeout seconds.
wait_until() {
  local what="$1"; shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "demo: timed out after ${timeout}s waiting for $what; logs in $dir" >&2
      tail -n 20 "$dir"/*.log >&2 || true
      KEEP=1
      exit 1
    fi
    sleep 0.2
  done
}

step "Configuration in $dir (example files with demo ports and intervals)"
printf 'demo-token-%s\n' "$RANDOM$RANDOM" > "$dir/alertbridge.token"
mkdir -p "$dir/rules" "$dir/checkout"
DIR="$dir" EXAMPLES="$examples" AB_PORT=$ab_port AM_PORT=$am_port CHECKOUT_PORT=$checkout_port \
python3 - <<'EOF'
import os, pathlib, yaml
d, ex = pathlib.Path(os.environ["DIR"]), pathlib.Path(os.environ["EXAMPLES"])
ab, am, checkout = os.environ["AB_PORT"], os.environ["AM_PORT"], os.environ["CHECKOUT_PORT"]
def load(name): return yaml.safe_load((ex / name).read_text())
def save(path, doc, changes):
    (d / path).write_text(yaml.safe_dump(doc, sort_keys=False))
    print(f"{path}: {changes}")

prom = load("prometheus.yml")
prom["global"].update(scrape_interval="1s", evaluation_interval="1s")
prom["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] = [f"127.0.0.1:{am}"]
ports = {"alertbridge": ab, "checkout": checkout}
prom["scrape_configs"] = [j for j in prom["scrape_configs"] if j["job_name"] in ports]
for job in prom["scrape_configs"]:
    job["static_configs"][0]["targets"] = [f"127.0.0.1:{ports[job['job_name']]}"]
save("prometheus.yml", prom, "intervals 1s, demo ports, no node job")

rules = load("prometheus-rules.yml")
for group in rules["groups"]:
    for rule in group["rules"]:
        if rule.get("alert") == "ServiceDown":
            rule["for"] = "1s"
save("prometheus-rules.yml", rules, "ServiceDown for: 1s")

amc = load("alertmanager.yml")
amc["route"].update(group_wait="1s", group_interval="1s")
hook = amc["receivers"][0]["webhook_configs"][0]
hook["url"] = f"http://127.0.0.1:{ab}/api/v1/alerts/alertmanager"
hook["http_config"]["authorization"]["credentials_file"] = str(d / "alertbridge.token")
save("alertmanager.yml", amc, "group_wait/group_interval 1s, alertbridge port, token file")

for f in sorted((ex / "rules").glob("*.yml")):
    doc = yaml.safe_load(f.read_text())
    for rule in doc["rules"]:
        if rule["name"] == "service-outage":
            rule["resolve"]["after"] = "1s"
    save(f"rules/{f.name}", doc, "service-outage resolve.after 1s" if "outage" in f.name else "as is")

(d / "alertbridge.yml").write_text(f"""listen: 127.0.0.1:{ab}
storage: {{sqlite: {{path: {d}/alertbridge.db}}}}
rules: [{d}/rules/]
receivers: [{ex}/receivers/oncall.yml]
accounts: {ex}/accounts.yml
sources:
  - name: alertmanager
    type: alertmanager
    auth: {{bearer_token: file:{d}/alertbridge.token}}
    stale_after: 9h
""")
print("alertbridge.yml: examples/rules/, examples/receivers/oncall.yml, examples/accounts.yml, "
      "Alertmanager's bearer token")
EOF
printf 'checkout_build_info{version="1.0"} 1\n' > "$dir/checkout/metrics"
"$alertbridge" check --config "$dir/alertbridge.yml"

step "Starting alertbridge :$ab_port, Alertmanager :$am_port, Prometheus :$prom_port"
"$alertbridge" serve --config "$dir/alertbridge.yml" >"$dir/alertbridge.log" 2>&1 &
pids+=($!)
prometheus-alertmanager --config.file="$dir/alertmanager.yml" --storage.path="$dir/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$dir/alertmanager.log" 2>&1 &
pids+=($!)
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prom" \
  --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
pids+=($!)
wait_until "alertbridge" curl -fsS "http://127.0.0.1:$ab_port/-/ready"
wait_until "Alertmanager" curl -fsS "http://127.0.0.1:$am_port/-/ready"
wait_until "Prometheus" curl -fsS "http://127.0.0.1:$prom_port/-/ready"

api() { curl -fsS "http://127.0.0.1:$ab_port$1"; }
# Prints `state rule severity title` of the incidents of rule service-outage, or fails when none.
outage() {
  api "/api/v1/incidents" | python3 -c '
import json, sys
found = [i for i in json.load(sys.stdin)["incidents"] if i["rule"] == "service-outage"]
for i in found:
    print(i["id"], i["state"], i["priority"], i["title"], i["url"])
sys.exit(0 if found and (len(sys.argv) < 2 or found[0]["state"] == sys.argv[1]) else 1)' "$@"
}

step "checkout (127.0.0.1:$checkout_port) is down: waiting for Prometheus's ServiceDown to become an incident"
wait_until "the service-outage incident" outage declared
outage declared

step "checkout comes up: waiting for the alert and the incident to resolve"
python3 -m http.server --bind 127.0.0.1 --directory "$dir/checkout" "$checkout_port" \
  >"$dir/checkout.log" 2>&1 &
pids+=($!)
wait_until "the incident to resolve" outage resolved
outage resolved

step "Timeline of incident $(outage resolved | cut -d' ' -f1)"
api "/api/v1/incidents/$(outage resolved | cut -d' ' -f1)" | python3 -c '
import json, sys
for e in json.load(sys.stdin)["timeline"]:
    print(e["at"], e["type"], e.get("actor", ""))'
echo
echo "demo: OK — an incident declared from a real Prometheus rule through Alertmanager, and resolved"
