#!/usr/bin/env bash
# Configures and builds Tollgate (binaries in build/bin). Incremental, cached.
# TOLLGATE_PRESET=asan builds the sanitizer configuration into build-asan/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TOLLGATE_PRESET:-release}"
dir=build
[ "$preset" = release ] || dir="build-$preset"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
# Paths under the checkout are hashed relative to it, so any clone reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
[ -f "$dir/CMakeCache.txt" ] || cmake --preset "$preset" >/dev/null
cmake --build "$dir" -j "${TOLLGATE_BUILD_JOBS:-$(nproc)}" "$@"  # e.g. --target tollgate
