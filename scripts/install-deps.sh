#!/usr/bin/env bash
# install-deps.sh: install clrelu's dependencies from Debian 12 packages (idempotent).
# Usage: scripts/install-deps.sh [--test]   (--test adds what the test suite needs: a browser,
# Python venv support, clang for fuzzers, openssl for TLS test certificates, valgrind, and
# Oclgrind, the simulated OpenCL device of ctest -L oclgrind, and PostgreSQL, which the results-store
# tests start in a temporary folder of their own)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-c-headers opencl-clhpp-headers clinfo
  pocl-opencl-icd
  libclblast-dev
  libmicrohttpd-dev libcjson-dev zlib1g-dev
  libsqlite3-dev libpq-dev
  curl
)
if [[ ${1:-} == --test ]]; then
  packages+=(python3 python3-venv python3-pip chromium clang openssl valgrind oclgrind
             postgresql sqlite3)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
