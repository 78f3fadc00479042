#!/bin/sh
# run.sh: clrelu (PoCL and host) against numpy, PyTorch CPU and oneDNN on float32 relu, interleaved, same sizes and threads.
# Usage: bench/peers/run.sh [BUILD_DIR]   (env: SIZES="1M 4M ..." ROUNDS=3 REPS=9 THREADS=<cores>)
# Installs what it needs: numpy + torch (CPU wheels) into a venv, libdnnl-dev via apt.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-perf}
SIZES=${SIZES:-"1M 4M 16M 64M 256M"}
ROUNDS=${ROUNDS:-3}
REPS=${REPS:-9}
THREADS=${THREADS:-$(nproc)}
VENV=${PEERS_VENV:-$HOME/.cache/clrelu-peers-venv}
WORK=${PEERS_WORK:-$BUILD/peers}
mkdir -p "$WORK"

# --- what the peers need ---------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import numpy" 2>/dev/null || "$VENV/bin/pip" install -q numpy
# torch: the CPU wheels, else PyPI's default (large); PEERS_SKIP_TORCH=1 leaves it out
if [ "${PEERS_SKIP_TORCH:-0}" != 1 ] && ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    "$VENV/bin/pip" install -q torch --index-url https://download.pytorch.org/whl/cpu ||
        "$VENV/bin/pip" install -q torch || echo "run.sh: torch could not be installed; its column is n/a" >&2
fi
if [ ! -f /usr/include/dnnl.h ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    { $SUDO apt-get update -q && $SUDO apt-get install -y -q libdnnl-dev; } ||
        echo "run.sh: libdnnl-dev could not be installed" >&2
fi
cc -O2 -o "$WORK/onednn_eltwise" "$ROOT/bench/peers/onednn_eltwise.c" -ldnnl ||
    echo "run.sh: the oneDNN harness did not build; its column is n/a" >&2
cmake --build "$BUILD" --target bench_relu_timer >/dev/null
TIMER="$BUILD/bench/bench_relu_timer"

# --- the same thread count everywhere ----------------------------------------------------------
export OMP_NUM_THREADS=$THREADS CLRELU_HOST_THREADS=$THREADS POCL_MAX_PTHREAD_COUNT=$THREADS
export CLRELU_AUTO_HOST=1

elements() { # 16M -> 16777216
    case $1 in *M) echo $(( ${1%M} * 1048576 ));; *K) echo $(( ${1%K} * 1024 ));; *) echo "$1";; esac
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run_one() { # name n inplace -> median ns of one call, or 0 when the peer is unavailable
    case $1 in
    torch) "$VENV/bin/python" -c "import torch" 2>/dev/null || { echo 0; return; } ;;
    onednn) [ -x "$WORK/onednn_eltwise" ] || { echo 0; return; } ;;
    esac
    case $1 in
    clrelu-pocl) "$TIMER" cpu "$2" "$REPS" "$3" 2>/dev/null || echo 0 ;; # 0: no OpenCL CPU device (a GPU machine)
    clrelu-host) "$TIMER" host "$2" "$REPS" "$3" ;;
    numpy) "$VENV/bin/python" "$ROOT/bench/peers/py_relu.py" numpy "$2" "$REPS" "$3" "$THREADS" ;;
    torch) "$VENV/bin/python" "$ROOT/bench/peers/py_relu.py" torch "$2" "$REPS" "$3" "$THREADS" ;;
    onednn) "$WORK/onednn_eltwise" relu "$2" "$REPS" "$3" ;;
    esac
}

PEERS="clrelu-pocl clrelu-host numpy torch onednn"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m), $(nproc) cores, threads=$THREADS, rounds=$ROUNDS x reps=$REPS (medians)"
echo "# float32 relu, GB/s = 8 bytes per element / median wall time of one call; ratio = clrelu best / peer"
printf "%-6s %-4s" "N" "plc"
for p in $PEERS; do printf " %11s" "$p"; done
printf " %9s %9s %9s\n" "vs numpy" "vs torch" "vs onednn"
for s in $SIZES; do
    n=$(elements "$s")
    for inplace in 0 1; do
        : > "$WORK/samples"
        r=0
        while [ $r -lt "$ROUNDS" ]; do # interleaved: every peer once per round
            for p in $PEERS; do echo "$p $(run_one "$p" "$n" "$inplace")" >> "$WORK/samples"; done
            r=$((r + 1))
        done
        printf "%-6s %-4s" "$s" "$( [ "$inplace" = 1 ] && echo in || echo out)"
        for p in $PEERS; do
            ns=$(grep "^$p " "$WORK/samples" | cut -d' ' -f2 | median)
            eval "ns_$(echo "$p" | tr - _)=$ns"
            awk -v n="$n" -v t="$ns" 'BEGIN {if (t > 0) printf " %11.1f", 8 * n / t; else printf " %11s", "n/a"}'
        done
        best=0 # the faster clrelu column that ran
        for t in "${ns_clrelu_pocl:-0}" "${ns_clrelu_host:-0}"; do
            if [ "$t" -gt 0 ] && { [ "$best" -eq 0 ] || [ "$t" -lt "$best" ]; }; then best=$t; fi
        done
        awk -v b="$best" -v a="$ns_numpy" -v c="$ns_torch" -v d="$ns_onednn" \
            'function r(p) { return p > 0 && b > 0 ? sprintf(" %9.2f", p / b) : sprintf(" %9s", "n/a") }
             BEGIN {printf "%s%s%s\n", r(a), r(c), r(d)}'
    done
done
