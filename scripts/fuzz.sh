#!/usr/bin/env bash
# Builds the ingest decoder fuzz target with clang 14 (libFuzzer + ASan + UBSan) and runs it.
#   scripts/fuzz.sh [SECONDS]        default 60; BUILD_DIR (default /tmp/alertbridge-fuzz) holds
#                                    the binary, the growing corpus and any crash-* reproducer.
#   scripts/fuzz.sh --repro FILE     runs one input (e.g. a crash-* file) through the target.
# Not part of ctest. Needs clang-14 and libclang-rt-14-dev (installed here when missing).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-/tmp/alertbridge-fuzz}"
seconds=60
repro=""
case "${1:-}" in
  --repro) repro="${2:?usage: fuzz.sh --repro FILE}" ;;
  "") ;;
  *) seconds="$1" ;;
esac

if ! command -v clang++-14 >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'ok installed'; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev
fi

# Only what the decoders need: no config loader, no OpenSSL (crypto.cc), no other layer.
sources=(
  "$root/tests/fuzz/decode_fuzz.cc"
  "$root/src/common/time.cc"
  "$root/src/model/labels.cc"
  "$root"/src/ingest/*.cc
)

mkdir -p "$build/corpus"
binary="$build/decode_fuzz"
echo "fuzz: building $binary"
clang++-14 -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Wall -Wextra -Werror -I"$root/src" "${sources[@]}" -o "$binary"

if [ -n "$repro" ]; then
  exec "$binary" "$repro"
fi

# libFuzzer adds new inputs to the first corpus folder only, so the checked-in seeds stay clean.
echo "fuzz: running for ${seconds}s (corpus $build/corpus)"
cd "$build"
exec "$binary" "$build/corpus" "$root/tests/fixtures/alertmanager-0.25" "$root/tests/fuzz/seeds" \
  -dict="$root/tests/fuzz/decode.dict" -max_total_time="$seconds" -max_len=16384 \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
