#!/bin/sh
# kill -9 in a loop during sustained ingest (issue 13 proof 1). Usage: tests/soak/crash_loop.sh [kills]
set -e
cd "$(dirname "$0")/../.."
exec python3 tests/e2e/test_crash_loop.py --alertbridge build/src/alertbridge --kills "${1:-20}"
