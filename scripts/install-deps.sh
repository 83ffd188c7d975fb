#!/usr/bin/env bash
# Installs what Tollgate needs on Debian 12 (bookworm). Safe to run again: it installs only what
# is missing. Usage: scripts/install-deps.sh [build|test|bench]...  (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(
  cmake ninja-build g++ ccache pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libsimdjson-dev libsqlite3-dev libssl-dev zlib1g-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libyaml-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev
)
test_packages=(nodejs curl openssl sqlite3)
bench_packages=(nginx wrk libbenchmark-dev)

wanted=("${build_packages[@]}")
npm_needed=0
for kind in "${@:-build}"; do
  case "$kind" in
    build) ;;
    test) wanted+=("${test_packages[@]}"); npm_needed=1 ;;
    bench) wanted+=("${test_packages[@]}" "${bench_packages[@]}") ;;
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

if [ "$npm_needed" = 1 ]; then
  stamp=tests/node_modules/.tollgate-lock
  if [ ! -f "$stamp" ] || ! cmp -s tests/package-lock.json "$stamp"; then
    (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    cp tests/package-lock.json "$stamp"
  fi
fi
