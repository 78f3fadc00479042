#!/usr/bin/env bash
# test.sh: install what is missing, build, and run the whole test suite — a warnings-as-errors
# build and an address+undefined sanitizer build, both on every device (host and PoCL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/python-env.sh
jobs=$(nproc)
echo "== build (warnings as errors)"
scripts/build.sh build-test -DCLRELU_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests"
ctest --test-dir build-test --output-on-failure -j"$jobs"
echo "== build (address+undefined sanitizers)"
scripts/build.sh build-asan -DCLRELU_WERROR=ON -DCMAKE_BUILD_TYPE=Debug -DCLRELU_SANITIZE=address,undefined
echo "== tests under sanitizers"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -LE no-sanitizer
echo "== fuzzers (clang libFuzzer + address,undefined; 15 s each over fuzz/corpus)"
CC=clang scripts/build.sh build-fuzz -DCLRELU_FUZZ=ON -DCLRELU_SANITIZE=address,undefined -DBUILD_TESTING=OFF
scripts/fuzz.sh build-fuzz 15
