#!/usr/bin/env bash
# Installs dependencies (Debian packages), builds with warnings as errors, and runs the whole test
# suite through ctest: unit tests per layer, rule scenarios, end-to-end tests with the real
# Alertmanager and Prometheus. Exits non-zero when a test fails or when no test ran at all.
#
#   bash scripts/test.sh [CTEST ARGS...]     e.g. -L unit, -R '^e2e_', -E soak
#
# It sets every CMake option it depends on, so a build folder configured by scripts/run.sh (tests
# off) is switched back on. Environment (all optional):
#   BUILD_DIR   build folder (default build; build-asan / build-tsan / build-fuzz for the modes)
#   SANITIZE    none (default) | address (ASan + UBSan) | thread (TSan) | fuzz (clang-14 libFuzzer
#               targets, option ALERTBRIDGE_FUZZ)
#   TARGETS     space-separated targets to build (default: all of the configuration; with
#               SANITIZE=fuzz, the fuzz targets)
#   STEPS       any of "configure build test" (default all three), e.g. STEPS=configure
#   JOBS        parallel build and test jobs (default: nproc)
#   BOOTSTRAP   0 skips scripts/bootstrap.sh (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=${SANITIZE:-none}
case "$sanitize" in
  none) default_build=build ;;
  address) default_build=build-asan ;;
  thread) default_build=build-tsan ;;
  fuzz) default_build=build-fuzz ;;
  *) echo "test.sh: SANITIZE must be none, address, thread or fuzz, not '$sanitize'" >&2; exit 2 ;;
esac
build=${BUILD_DIR:-$default_build}
steps=" ${STEPS:-configure build test} "
jobs=${JOBS:-$(nproc)}

[ "${BOOTSTRAP:-1}" = 0 ] || bash scripts/bootstrap.sh

if [[ "$steps" == *" configure "* ]]; then
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DALERTBRIDGE_TESTS=ON -DALERTBRIDGE_SANITIZE=OFF
           -DALERTBRIDGE_SANITIZE_THREAD=OFF -DALERTBRIDGE_FUZZ=OFF)
  # Sanitizer builds: -O1 (as the sanitizers recommend) and line tables only (-g1, enough for
  # their stack traces) compile faster than -O2 -g, which keeps CI within its budget.
  sanitizer=("-DALERTBRIDGE_BENCH=OFF" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
  case "$sanitize" in
    none) options+=(-DALERTBRIDGE_BENCH=ON) ;;
    address) options+=(-DALERTBRIDGE_SANITIZE=ON "${sanitizer[@]}") ;;
    thread) options+=(-DALERTBRIDGE_SANITIZE_THREAD=ON "${sanitizer[@]}") ;;
    fuzz) options+=(-DALERTBRIDGE_BENCH=OFF -DALERTBRIDGE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14) ;;
  esac
  # ccache, when installed, makes a second configuration of the same sources mostly cache hits.
  if command -v ccache >/dev/null; then options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S . -B "$build" -G Ninja "${options[@]}"
fi

if [[ "$steps" == *" build "* ]]; then
  wanted=${TARGETS:-}
  if [ "$sanitize" = fuzz ] && [ -z "$wanted" ]; then
    # Only the fuzz targets: the rest of the tree is not meant for clang-14 (TOOLCHAIN.md). Each
    # fuzz target is a ctest of the same name.
    wanted=$(ctest --test-dir "$build" -N -L fuzz | sed -n 's/^ *Test *#[0-9]*: //p')
    [ -n "$wanted" ] || { echo "test.sh: no fuzz targets in $build" >&2; exit 1; }
  fi
  targets=()
  for t in $wanted; do targets+=(--target "$t"); done
  cmake --build "$build" -j"$jobs" "${targets[@]}"
fi

# Sanitizers stop at their first report, so a finding fails the test that met it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp}

if [[ "$steps" == *" test "* ]]; then
  # --no-tests=error: a filter or a configuration that selects nothing is a failure, not a pass.
  ctest --test-dir "$build" --output-on-failure --no-tests=error -j"$jobs" --timeout 600 "$@"
fi
