#!/usr/bin/env bash
# Installs dependencies (Debian packages), builds, and runs `alertbridge serve` on its embedded
# defaults: ./alertbridge.yml if present, rules/, receivers/, data/alertbridge.db (SQLite),
# listening on 127.0.0.1:9095. Extra arguments go to `alertbridge serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALERTBRIDGE_TESTS=OFF \
  -DALERTBRIDGE_BENCH=OFF
cmake --build "$build" -j"$(nproc)" --target alertbridge
exec "$build/src/alertbridge" serve "$@"
