#!/usr/bin/env bash
# Configures and builds Tollgate into build/ (binaries in build/bin). Incremental, cached.
set -euo pipefail
cd "$(dirname "$0")/.."
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths under the checkout are hashed relative to it, so any clone reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
[ -f build/CMakeCache.txt ] || cmake --preset release >/dev/null
# Each Beast translation unit takes ~0.8 GB to compile: two at a time fit any machine here.
cmake --build build -j "${TOLLGATE_BUILD_JOBS:-$(nproc)}"
