#!/usr/bin/env bash
# Side-by-side benchmark (see ../shared/BENCH.md): lanes direct, nginx and tollgate on loopback,
# the same mock upstream and the same load generator (wrk), in one run.
#   bench/run.sh [--duration S] [--repeats N] [--lanes direct,nginx,tollgate]
# Writes docs/benchmarks.md (table) and bench/results/latest.json (machine-readable).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build bench
scripts/build.sh
exec node bench/run.mjs "$@"
