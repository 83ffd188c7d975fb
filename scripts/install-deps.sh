#!/usr/bin/env bash
# Installs what Tollgate needs on Debian 12 (bookworm). Safe to run again: it installs only what
# is missing. Usage: scripts/install-deps.sh [build|test|bench]...  (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  cmake ninja-build g++ ccache pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsimdjson-dev libsqlite3-dev libssl-dev zlib1g-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libyaml-cpp-dev libcli11-dev libmimalloc-dev
  libgtest-dev libgmock-dev
)
test_packages=(nodejs curl openssl sqlite3)
bench_packages=(nginx wrk libbenchmark-dev)

wanted=("${build_packages[@]}")
tests_npm=0
bench_npm=0
for kind in "${@:-build}"; do
  case "$kind" in
    build) ;;
    test) wanted+=("${test_packages[@]}"); tests_npm=1 ;;
    bench) wanted+=("${test_packages[@]}" "${bench_packages[@]}"); bench_npm=1 ;;
    *) echo "install-deps: unknown kind '$kind' (build, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  # nodejs may come from another repository (e.g. a newer Node already on the machine).
  if [ "$pkg" = nodejs ] && command -v node >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# nginx is only a benchmark lane: never leave Debian's default site running.
if printf '%s\n' "${missing[@]}" | grep -qx nginx; then
  (command -v systemctl >/dev/null && systemctl stop nginx 2>/dev/null) || nginx -s stop 2>/dev/null || true
fi

# npm ci in DIR, only when its lockfile differs from the copy stamped after the last install
# (npm ci wipes node_modules first, so running it every time would cost a full reinstall).
npm_ci() {
  local dir=$1 stamp=$1/node_modules/.tollgate-lock
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
[ "$tests_npm" = 0 ] || npm_ci tests
# The portkey lane of bench/run.mjs: Portkey's gateway from npm, versions pinned by the lockfile.
[ "$bench_npm" = 0 ] || npm_ci bench/portkey
