#!/usr/bin/env bash
# Runs Vigil's whole test suite: installs missing Debian packages (as root; otherwise
# prints the apt-get line), configures and builds into build/, runs every test through
# ctest. Exits non-zero on any failure.
#
#   tests/run.sh [--sanitize] [ctest arguments...]
#
#   --sanitize   build into build-asan/ with AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  BUILD=$ROOT/build-asan
  CMAKE_ARGS=(-DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON)
  shift
fi

# shellcheck source=deploy/debian-deps.sh
. "$ROOT/deploy/debian-deps.sh"
vigil_ensure_packages "${VIGIL_BUILD_PACKAGES[@]}" catch2 systemd util-linux prometheus prometheus-alertmanager curl postgresql  # systemd-analyze, unshare/nsenter, Prometheus for the PromQL differential test, Alertmanager for the forwarding test, curl for the quickstart test, PostgreSQL for the database source tests

cmake -S "$ROOT" -B "$BUILD" -G Ninja "${CMAKE_ARGS[@]}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)"

cd "$BUILD"
# Integration tests start real daemons; two at a time fit this 2-core machine.
ctest --output-on-failure --timeout 300 -j 2 "$@"
