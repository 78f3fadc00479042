#!/usr/bin/env bash
# run.sh: install what is missing, build, and start the main job: list the devices and run a
# demo activation on the default device (the server takes over this script once it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release
./build/cli/clrelu devices
./build/cli/clrelu demo
