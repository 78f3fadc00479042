#!/usr/bin/env bash
# fuzz.sh: run every libFuzzer harness of a CLRELU_FUZZ build for a while over its seed corpus
# (new inputs go to a scratch directory, never into the repo). Fails on the first crash, which
# libFuzzer saves as crash-* in the scratch directory: copy it into fuzz/corpus/<target>/.
# Usage: scripts/fuzz.sh [BUILD_DIR] [SECONDS_PER_HARNESS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-fuzz}
secs=${2:-15}
shift 2 || shift $# || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in "$dir"/fuzz/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/clrelu-fuzz.XXXXXX")
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  if "$dir/fuzz/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/crash-$t-" "$scratch/$t" "fuzz/corpus/$t" >"$scratch/$t.log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log")
    echo "fuzz $t: ${runs:-?} inputs in ${secs} s, no crash"
  else
    echo "fuzz $t: CRASH (log and input in $scratch)"
    grep -E 'ERROR|SUMMARY|Test unit written' "$scratch/$t.log" | head -5
    status=1
  fi
done
[ $status = 0 ] && rm -rf "$scratch"
exit $status
