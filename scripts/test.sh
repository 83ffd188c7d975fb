#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs every test (GoogleTest
# unit suites and the Node integration/conformance suites, all through ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build test
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 900
