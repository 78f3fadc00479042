#!/usr/bin/env bash
# run.sh: install what is missing, build, and start the main job — the HTTP server on the default
# device (PoCL CPU when present, else the host backend). Extra arguments go to `clrelu serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
./build/cli/clrelu devices
if ./build/cli/clrelu --help | grep -q '^  serve'; then
  exec ./build/cli/clrelu serve "$@"
fi
exec ./build/cli/clrelu demo
