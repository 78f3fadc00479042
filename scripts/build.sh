#!/usr/bin/env bash
# build.sh: configure and build one build tree. Usage: scripts/build.sh [DIR] [cmake -D options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
