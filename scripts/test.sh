#!/usr/bin/env bash
# Installs dependencies (Debian packages), builds with warnings as errors, runs the whole test
# suite through ctest: unit tests per layer, and end-to-end tests with the real Alertmanager.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 600
