#!/usr/bin/env bash
# Installs every build, run and test dependency of alertbridge from Debian 12 packages.
# Idempotent: packages already present are skipped by apt-get; safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build ca-certificates
  libboost-dev libboost-system-dev
  libyaml-cpp-dev libcpp-httplib-dev nlohmann-json3-dev prometheus-cpp-dev
  libsqlite3-dev sqlite3 libre2-dev libmstch-dev libcli11-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libbrotli-dev libsystemd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus-alertmanager prometheus
  python3 python3-jsonschema python3-yaml python3-aiosmtpd curl wrk
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "bootstrap: installing ${missing[*]}"
$SUDO apt-get update -q
# --no-install-recommends: the prometheus package would otherwise pull in exporters.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# The Debian packages start system services on install; tests run their own instances.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now prometheus prometheus-alertmanager >/dev/null 2>&1 || true
fi
