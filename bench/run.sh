#!/usr/bin/env bash
# Side-by-side benchmark (see ../shared/BENCH.md and docs/benchmarks.md): lanes direct, nginx and
# tollgate (and tollgate-billing, tollgate-translate, portkey when named) on loopback, the same
# mock upstreams and the same load generators (wrk, tollgate-loadgen), in one run.
#   bench/run.sh [--duration S] [--repeats N] [--lanes direct,nginx,tollgate,portkey]
#                [--phases latency,throughput,sustained,streaming,hold] [--quick] [--pin]
# Writes bench/results/latest.{md,json} and the generated block of docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build bench
scripts/build.sh
exec node bench/run.mjs "$@"
