#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs every test — the
# GoogleTest unit suites and the Node integration/conformance suites, all through ctest — first on
# the optimised build, then again on an AddressSanitizer + UBSan build (TOLLGATE_SKIP_ASAN=1 skips
# the second pass for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build test
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 900

if [ "${TOLLGATE_SKIP_ASAN:-0}" != 1 ]; then
  echo "== the same suites under AddressSanitizer + UndefinedBehaviorSanitizer"
  TOLLGATE_PRESET=asan scripts/build.sh
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" --timeout 900
fi
