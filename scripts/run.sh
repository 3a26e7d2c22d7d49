#!/usr/bin/env bash
# Installs dependencies (Debian packages), builds, and runs `alertbridge serve` on its embedded
# defaults: ./alertbridge.yml if present, rules/, receivers/, data/alertbridge.db (SQLite),
# listening on 127.0.0.1:9095. Extra arguments go to `alertbridge serve`.
#
# It builds only the binary (tests and benchmarks off) in BUILD_DIR (default build), the folder
# scripts/test.sh uses too: test.sh turns the tests back on explicitly. Environment (optional):
#   BUILD_DIR, STEPS (any of "configure build run", default all three), JOBS (default nproc),
#   BOOTSTRAP=0 to skip scripts/bootstrap.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
steps=" ${STEPS:-configure build run} "
jobs=${JOBS:-$(nproc)}

[ "${BOOTSTRAP:-1}" = 0 ] || bash scripts/bootstrap.sh

if [[ "$steps" == *" configure "* ]]; then
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DALERTBRIDGE_TESTS=OFF -DALERTBRIDGE_BENCH=OFF
           -DALERTBRIDGE_SANITIZE=OFF -DALERTBRIDGE_SANITIZE_THREAD=OFF)
  if command -v ccache >/dev/null; then options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build" -G Ninja "${options[@]}"
fi
if [[ "$steps" == *" build "* ]]; then
  cmake --build "$build" -j"$jobs" --target alertbridge
fi
if [[ "$steps" == *" run "* ]]; then
  exec "$build/src/alertbridge" serve "$@"
fi
