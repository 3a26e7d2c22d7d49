#!/usr/bin/env bash
# Runs one libFuzzer target (tests/fuzz) for longer than ctest does.
#   scripts/fuzz.sh                     lists the targets
#   scripts/fuzz.sh TARGET [SECONDS]    builds TARGET if needed and fuzzes it (default 600 s);
#                                       the corpus grows in $BUILD_DIR/fuzz/TARGET/corpus and a
#                                       crash leaves $BUILD_DIR/fuzz/TARGET/crash-* behind
#   scripts/fuzz.sh TARGET --repro FILE runs one input (e.g. a crash-* file) through TARGET
# BUILD_DIR (default build-fuzz) is configured on first use with clang++-14 and
# ALERTBRIDGE_FUZZ=ON; the same folder serves `ctest --test-dir build-fuzz -L fuzz`.
# Needs clang-14 and libclang-rt-14-dev (scripts/bootstrap.sh installs them).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
targets=(fuzz_alertmanager_webhook fuzz_api_v2 fuzz_generic_webhook fuzz_matchers fuzz_duration
         fuzz_mustache fuzz_config_yaml)

if [ $# -eq 0 ]; then
  echo "usage: scripts/fuzz.sh TARGET [SECONDS] | TARGET --repro FILE"
  printf '  %s\n' "${targets[@]}"
  exit 2
fi
target="$1"
shift
if [[ ! " ${targets[*]} " =~ " $target " ]]; then
  echo "fuzz.sh: unknown target $target (run without arguments for the list)" >&2
  exit 2
fi

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DALERTBRIDGE_FUZZ=ON
fi
cmake --build "$build" -j2 --target "$target"
binary="$build/tests/fuzz/$target"

if [ "${1:-}" = "--repro" ]; then
  exec "$binary" "${2:?usage: fuzz.sh TARGET --repro FILE}"
fi
seconds="${1:-600}"

# The arguments ctest uses (seed folders, dictionary, limits), with the longer time.
args="$(ctest --test-dir "$build" -R "^${target}\$" --show-only=json-v1 |
  python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["tests"][0]["command"][1:]))')"
mapfile -t argv < <(printf '%s\n' "$args" | grep -v '^-max_total_time=')
echo "fuzz.sh: $target for ${seconds}s (corpus $build/fuzz/$target/corpus)"
exec "$binary" "${argv[@]}" -max_total_time="$seconds"
