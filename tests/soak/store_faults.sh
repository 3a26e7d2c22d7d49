#!/bin/sh
# Store faults, repeated (issue 13 proof 2). Usage: tests/soak/store_faults.sh [cycles]
set -e
cd "$(dirname "$0")/../.."
exec python3 tests/e2e/test_store_faults.py --alertbridge build/src/alertbridge \
  --fault-fs build/tests/tools/fault_fs.so --cycles "${1:-10}"
