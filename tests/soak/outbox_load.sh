#!/bin/sh
# Issue 13 proofs 3 and 4 at full size: a burst of 10,000 incidents declared and resolved (console,
# webhook, Slack at 1/s, GitHub at 1/s), and one receiver down for 3 minutes while ingest goes on.
# Prints the figures (ingest latency, drain time, backlog age). Takes about 5 minutes.
#
#   tests/soak/outbox_load.sh [build-dir]        (default: build)
#
# Sizes: AB_OUTBOX_INCIDENTS (10000), AB_OUTBOX_OUTAGE_SECONDS (180).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
export AB_OUTBOX_INCIDENTS=${AB_OUTBOX_INCIDENTS:-10000}
export AB_OUTBOX_OUTAGE_SECONDS=${AB_OUTBOX_OUTAGE_SECONDS:-180}
cd "$here/../e2e"
exec python3 test_outbox_load.py --alertbridge "$build/src/alertbridge" \
  --vendor-fake "$build/tests/tools/vendor_fake"
