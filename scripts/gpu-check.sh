#!/usr/bin/env bash
# gpu-check.sh: one command for a machine with a GPU's OpenCL driver (NVIDIA, AMD, Intel) — lists the
# OpenCL devices, runs the device test programs, a short `clrelu bench` sweep on one device, the
# peers (bench/peers/run.sh; PyTorch on CUDA side by side when it is there), and writes the results
# as markdown in the format of BENCHMARKS.md §4. Every phase has a time cap; the whole run fits in
# --budget seconds (default 450: a machine lent for a few minutes runs it once). A failed phase is
# reported and the next one still runs; the exit status is 1 when any phase failed or timed out.
#
# Usage: scripts/gpu-check.sh [--device SEL] [--out FILE] [--quick] [--build DIR] [--deps DIR] [--budget S]
#   --device SEL  the device for the sweep and the peers (a `clrelu` selector: gpu, gpu:1, cpu, a
#                 name; default gpu). The test programs run on every device they find.
#   --out FILE    the markdown (default gpu-check-<UTC date-time>.md here); raw logs, the bench
#                 JSON and the peers' output go to FILE's name without .md + "-logs/".
#   --quick       a self-check in about a minute: 16K and 256K elements, relu/prelu/gelu, one test
#                 program (test_special_values), peers at 1M, one round.
#   --build DIR   use this built tree as it is (no build phase). Without it the script builds
#                 ${GPU_CHECK_BUILD_DIR:-build-gpu-check} with scripts/build.sh (Release).
#   --deps DIR    unpack every .deb in DIR under a prefix and build/run against it (see below);
#                 default .gpu-debs/ when it holds .deb files.
#   --budget S    total seconds for all phases (default 450, --quick 240).
# Environment: GPU_CHECK_PYTHON (the python with numpy/torch for the peers; default: the first of
# $PEERS_VENV/bin/python, ~/.cache/clrelu-peers-venv/bin/python, .venv/bin/python3, python3 that
# imports numpy, preferring one that also imports torch), GPU_CHECK_TORCH_DEVICE (the torch device
# of the side-by-side peer; default cuda when torch sees one, else that peer is skipped).
#
# Phases and their caps (seconds; each also stops early enough to leave the later phases a share of
# the budget: 45% after the build, 33% after devices, 27% after the tests, 13% after the sweep):
#   build ≤200, devices ≤30, tests ≤120 (ctest, one private CTestTestfile so the build tree's
#   Testing/ logs are untouched), bench ≤240 (every op, float32/float16/bfloat16, 1M..256M x4, both
#   directions, out of place: one `clrelu bench` per dtype for the ReLU family, then one per dtype
#   for the other ops, each with its share of the time as --max-time; the engine goes size by
#   size, so a cap drops the largest sizes, and the report lists what it dropped), peers ≤90
#   (run.sh ≤45%, then the torch side by side).
#
# No network is used: the peers run with a python that already has numpy (and torch, if any), with
# apt-get/sudo/pip shadowed so bench/peers/run.sh cannot install anything.
#
# On a GPU machine without a package registry (the lent NVIDIA machines; ../shared/GPU.md):
#   1. here, once, download the Debian packages the build needs into the ignored .gpu-debs/:
#        mkdir -p .gpu-debs /tmp/amd64/partial
#        o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
#        apt-get $o update
#        (cd .gpu-debs && apt-get $o download ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-c-headers \
#           opencl-clhpp-headers libclblast1 libclblast-dev libmicrohttpd12 libmicrohttpd-dev \
#           libcjson1 libcjson-dev clinfo)   # add pkgconf/zlib1g-dev/cmake if the machine lacks them
#   2. there, this script unpacks them (dpkg -x, never onto /) under /tmp/clrelu-deps (or
#      $GPU_CHECK_PREFIX) and sets CMAKE_PREFIX_PATH, CPATH, LIBRARY_PATH, LD_LIBRARY_PATH,
#      PKG_CONFIG_PATH and PATH for the build and the runs;
#   3. when OCL_ICD_VENDORS is unset and /etc/OpenCL/vendors has no NVIDIA entry, it registers
#      libnvidia-opencl.so.1 (ldconfig, else /usr/local/nvidia, /usr/lib*) in a vendors folder of its
#      own (with the system's .icd files) and exports OCL_ICD_VENDORS — never writing to /etc;
#   4. CUDA PyTorch, when importable, is the side-by-side peer: torch.relu/relu_ on the GPU (CUDA
#      events, tensors resident) against clrelu's kernel time, and host->GPU->host against
#      clrelu_run on host arrays, interleaved round by round.
#   e.g. scripts/gpu-check.sh --device gpu --out "$OUT/gpu-check.md"
# shellcheck disable=SC2317 # the phase_* functions are called as "phase_$2"
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SELF="$ROOT/scripts/gpu-check.sh"

# ---------------------------------------------------------------------------------------------
# One phase, run by the driver below as `gpu-check.sh --phase NAME` under `timeout`; its settings
# come in GC_* variables. Exit 0 ok, 77 skipped (reason in $GC_LOGS/NAME.detail), other: failed.
# ---------------------------------------------------------------------------------------------
detail() { printf '%s\n' "$*" > "$GC_LOGS/$GC_PHASE.detail"; }
cmdline() { printf '%s\n' "$*" >> "$GC_LOGS/$GC_PHASE.cmd"; }

phase_build() {
    cmdline "scripts/build.sh $GC_BUILD -DCMAKE_BUILD_TYPE=Release"
    "$ROOT/scripts/build.sh" "$GC_BUILD" -DCMAKE_BUILD_TYPE=Release
}

phase_devices() {
    cmdline "$GC_CLI_SHOWN devices"
    "$GC_CLI" devices > "$GC_LOGS/devices.txt" || { detail "clrelu devices failed"; return 1; }
    cat "$GC_LOGS/devices.txt"
    "$GC_CLI" devices --json > "$GC_LOGS/devices.json" || return 1
    # resolve the selector: a one-case sweep names the device (and its metadata) or fails
    if ! "$GC_CLI" bench --devices "$GC_DEVICE" --ops relu --sizes 1K --repeats 1 --min-time 0 --max-samples 1 \
        --warmup 0 --no-ceilings --json > "$GC_LOGS/selected.json"; then
        detail "no device matches '$GC_DEVICE'"
        return 1
    fi
    command -v nvidia-smi > /dev/null &&
        timeout 15 nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.current,pcie.link.width.current \
            --format=csv,noheader > "$GC_LOGS/nvidia-smi.txt" 2>&1
    command -v clinfo > /dev/null && timeout 15 clinfo -l > "$GC_LOGS/clinfo.txt" 2>&1
    return 0
}

phase_tests() {
    local regex='^test_(ops_devices|special_values|unaligned|opencl_[a-z_]+|streaming_stores|dense|tune|concurrency|bench_engine)$'
    [ "$GC_QUICK" = 1 ] && regex='^test_special_values$'
    local dir="$GC_WORK/ctest" jobs
    jobs=$(nproc); [ "$jobs" -gt 4 ] && jobs=4
    mkdir -p "$dir"
    # a CTestTestfile of our own: ctest's Testing/ logs go here, never into the build tree
    printf 'subdirs("%s/tests")\n' "$GC_BUILD" > "$dir/CTestTestfile.cmake"
    cmdline "ctest --test-dir $GC_BUILD_SHOWN -R '$regex' -j$jobs --output-on-failure   (every device the programs find)"
    ctest --test-dir "$dir" -R "$regex" -j"$jobs" --output-on-failure --timeout "$GC_CAP" 2>&1 |
        tee "$GC_LOGS/ctest.txt"
    local rc=${PIPESTATUS[0]} total failed
    total=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#' "$GC_LOGS/ctest.txt")
    failed=$(grep -E '^ *[0-9]+/[0-9]+ Test +#' "$GC_LOGS/ctest.txt" | grep -cvE 'Passed|Not Run|Skipped')
    [ "$total" -gt 0 ] || { detail "no test program matched (built with BUILD_TESTING=OFF?)"; return 1; }
    if [ "$rc" = 0 ]; then detail "$total of $total passed"; else detail "$failed of $total failed"; fi
    return "$rc"
}

bench_ops() { # every op the library has, as a comma list: the ReLU family (FAMILY) or the others (REST)
    local all fam="relu leaky_relu relu6 hardtanh prelu" out=""
    all=$("$GC_CLI" bench --devices host --ops all --sizes 1K --repeats 1 --min-time 0 --max-samples 1 --warmup 0 \
        --no-ceilings --csv | awk -F, 'NR > 1 {print $3}' | awk '!seen[$0]++')
    for o in $all; do
        case " $fam " in *" $o "*) [ "$1" = FAMILY ] && out="$out,$o" ;; *) [ "$1" = REST ] && out="$out,$o" ;; esac
    done
    echo "${out#,}"
}

phase_bench() {
    # Six runs, one per (op group, dtype): first the ReLU family over every size, then the other ops.
    # Each gets its weighted share of the time left (family 2, others 1) as a --max-time and a
    # SIGINT timeout; the engine sweeps size by size, so a cap cuts the largest sizes first.
    local sizes reps left start share rc=0 capped=0 w_left=9 fam rest
    if [ "$GC_QUICK" = 1 ]; then
        fam=relu,prelu rest=gelu sizes=16K,256K reps="--repeats 3 --min-time 0.001 --max-samples 10 --warmup 1"
    else
        fam=$(bench_ops FAMILY) rest=$(bench_ops REST) sizes='1M..256M x4'
        reps="--repeats 3 --min-time 0.02 --max-samples 20 --warmup 1"
    fi
    [ -n "$fam" ] || { detail "could not list the ops"; return 1; }
    start=$(date +%s)
    local run group ops t w
    for run in family:float32 family:float16 family:bfloat16 rest:float32 rest:float16 rest:bfloat16; do
        group=${run%%:*} t=${run#*:}
        if [ "$group" = family ]; then ops=$fam w=2; else ops=$rest w=1; fi
        left=$((GC_CAP - ($(date +%s) - start) - 3))
        share=$((left * w / w_left)); w_left=$((w_left - w))
        [ -n "$ops" ] || continue
        [ "$share" -ge 5 ] || { echo "bench: no time left for $group $t"; capped=1; continue; }
        local maxt=$((share * 3 / 4)) json="$GC_LOGS/bench-$group-$t.json"
        cmdline "CLRELU_AUTO_HOST=0 clrelu bench --devices $GC_DEVICE --ops $ops --dtypes $t --sizes '$sizes'" \
            "--directions both --placements out $reps --max-time $maxt --json"
        echo "== $group $t: $share s (--max-time $maxt)"
        # SIGINT: the engine stops between cases and still prints the results so far
        # shellcheck disable=SC2086 # $reps is a list of options
        CLRELU_AUTO_HOST=0 timeout -s INT -k 15 "$share" "$GC_CLI" bench --devices "$GC_DEVICE" --ops "$ops" \
            --dtypes "$t" --sizes "$sizes" --directions both --placements out $reps --max-time "$maxt" --json \
            > "$json"
        local r=$?
        echo "   exit $r"
        case $r in 0) ;; 124 | 130 | 137) capped=1; [ -s "$json" ] || rc=1 ;; *) rc=1 ;; esac
        grep -q '"reason": *"time cap reached' "$json" && capped=1
    done
    if [ "$capped" = 1 ]; then
        local n
        n=$(cat "$GC_LOGS"/bench-*.json | grep -c '"reason": *"time cap reached')
        detail "time cap: $n cases not run (listed under the table)"
    fi
    return "$rc"
}

pick_python() { # the python for the peers: numpy required, torch preferred
    local c first="" cands=()
    [ -n "${GPU_CHECK_PYTHON:-}" ] && cands+=("$GPU_CHECK_PYTHON")
    [ -n "${PEERS_VENV:-}" ] && cands+=("$PEERS_VENV/bin/python")
    cands+=("$HOME/.cache/clrelu-peers-venv/bin/python" "$ROOT/.venv/bin/python3" python3)
    for c in "${cands[@]}"; do
        command -v "$c" > /dev/null 2>&1 || continue
        "$c" -c 'import numpy' 2> /dev/null || continue
        [ -z "$first" ] && first=$c
        if "$c" -c 'import torch' 2> /dev/null; then echo "$c"; return; fi
    done
    echo "$first"
}

phase_peers() {
    local py start rc=0 sizes rounds reps
    py=$(pick_python)
    [ -n "$py" ] || { detail "no python with numpy (the GPU machines have no pip: carry one, see the header)"; return 77; }
    start=$(date +%s)
    local torch=0; "$py" -c 'import torch' 2> /dev/null && torch=1
    # (a) bench/peers/run.sh: a venv that is only this python, and no installer on PATH
    local venv="$GC_WORK/venv" shim="$GC_WORK/noinstall" work="$GC_WORK/peers"
    mkdir -p "$venv/bin" "$shim" "$work"
    printf '#!/bin/sh\nexec %q "$@"\n' "$(command -v "$py")" > "$venv/bin/python"
    for b in apt-get apt sudo pip pip3; do
        printf '#!/bin/sh\necho "gpu-check: %s is disabled (no network)" >&2\nexit 1\n' "$b" > "$shim/$b"
    done
    chmod +x "$venv/bin/python" "$shim"/*
    if [ "$GC_QUICK" = 1 ]; then sizes="1M" rounds=1 reps=3; else sizes="1M 64M" rounds=2 reps=5; fi
    local skip=$((1 - torch)) cap_a=$((GC_CAP * 45 / 100))
    cmdline "PEERS_SKIP_TORCH=$skip SIZES='$sizes' ROUNDS=$rounds REPS=$reps bench/peers/run.sh $GC_BUILD_SHOWN"
    echo "== run.sh with $py (torch: $torch), cap $cap_a s"
    PATH="$shim:$PATH" PEERS_VENV="$venv" PEERS_WORK="$work" PEERS_SKIP_TORCH=$skip SIZES="$sizes" ROUNDS=$rounds \
        REPS=$reps timeout -k 10 "$cap_a" sh "$ROOT/bench/peers/run.sh" "$GC_BUILD" > "$GC_LOGS/peers-run.txt"
    local r=$?
    echo "   exit $r"; cat "$GC_LOGS/peers-run.txt"
    [ "$r" = 0 ] || rc=1
    local notes=()
    grep -q '"type": *"cpu"' "$GC_LOGS/devices.json" 2> /dev/null ||
        notes+=("no OpenCL cpu device here: run.sh's clrelu-pocl column is n/a and its vs columns compare the host backend")
    # (b) PyTorch on the GPU side by side with clrelu on the selected device, interleaved
    local tdev=${GPU_CHECK_TORCH_DEVICE:-}
    if [ -z "$tdev" ] && [ "$torch" = 1 ] && "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2> /dev/null; then
        tdev=cuda
    fi
    if [ -z "$tdev" ]; then
        echo "torch-gpu: skipped ($([ "$torch" = 1 ] && echo 'torch sees no CUDA device' || echo 'torch is not importable'))" \
            > "$GC_LOGS/peers-torch-gpu.skip"
    else
        local left=$((GC_CAP - ($(date +%s) - start) - 3)) tsizes=1M,16M,64M trounds=3
        [ "$GC_QUICK" = 1 ] && tsizes=1M trounds=1
        cmdline "torch-gpu: $py (torch.relu/relu_ on $tdev) interleaved with clrelu bench --devices $GC_DEVICE" \
            "--ops relu --sizes $tsizes --placements both, $trounds rounds"
        if [ "$left" -lt 10 ]; then
            echo "torch-gpu: skipped (no time left)" > "$GC_LOGS/peers-torch-gpu.skip"; rc=1
        else
            write_torch_peer "$GC_WORK/torch_peer.py"
            CLRELU_AUTO_HOST=0 timeout -k 10 "$left" "$py" "$GC_WORK/torch_peer.py" "$GC_CLI" "$GC_DEVICE" "$tsizes" \
                "$trounds" 9 "$tdev" "$GC_LOGS/peers-torch-gpu.json" || rc=1
        fi
    fi
    [ "$torch" = 1 ] || notes+=("torch is not importable: run.sh without it, no side-by-side peer")
    [ ${#notes[@]} = 0 ] || detail "$(printf '%s; ' "${notes[@]}" | sed 's/; $//')"
    return "$rc"
}

write_torch_peer() {
    cat > "$1" << 'EOF'
"""torch_peer.py CLI SEL SIZES ROUNDS REPS TORCH_DEVICE OUT.json: float32 relu, clrelu vs PyTorch, interleaved.
Per round: one `clrelu bench` (kernel time from profiling events; host_ns = clrelu_run on host
arrays, transfers included), then PyTorch on the same sizes: the kernel on a resident tensor
(CUDA events) and host -> device -> relu -> host. Medians over samples, then over rounds."""
import json
import subprocess
import sys
import time

import torch

cli, sel, sizes, rounds, reps, tdev, out = sys.argv[1:8]
rounds, reps = int(rounds), int(reps)
dev = torch.device(tdev)
cuda = dev.type == "cuda"


def elements(s):
    m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(s[:-1]) * m[s[-1]] if s[-1] in m else int(s)


def med(v):
    v = sorted(v)
    return v[len(v) // 2]


def sync():
    if cuda:
        torch.cuda.synchronize()


def timed(fn, kernel):
    fn()
    sync()
    t = []
    for _ in range(reps):
        if cuda and kernel:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            t.append(a.elapsed_time(b) * 1e6)
        else:
            t0 = time.perf_counter_ns()
            fn()
            sync()
            t.append(time.perf_counter_ns() - t0)
    return med(t)


inputs = {}


def torch_case(n, inplace):
    if n not in inputs:  # py_relu.py's data, made once per size
        inputs[n] = ((torch.arange(n, dtype=torch.int64) % 2001 - 1000) / 100.0).to(torch.float32)
    x = inputs[n]
    xd = x.to(dev)
    kern = timed((lambda: torch.relu_(xd)) if inplace else (lambda: torch.relu(xd)), True)
    y = torch.empty_like(x)

    def e2e():
        d = x.to(dev)
        if inplace:
            torch.relu_(d)
            x.copy_(d)
        else:
            y.copy_(torch.relu(d))
    return kern, timed(e2e, False)


names = sizes.split(",")
res = {(s, p): {"clrelu_kernel": [], "clrelu_e2e": [], "torch_kernel": [], "torch_e2e": []}
       for s in names for p in ("out", "in")}
errors = []
for r in range(rounds):
    cmd = [cli, "bench", "--devices", sel, "--ops", "relu", "--dtypes", "float32", "--sizes", sizes,
           "--placements", "both", "--repeats", str(reps), "--min-time", "0", "--max-samples", str(reps),
           "--warmup", "1", "--no-ceilings", "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 0:
        for c in json.loads(p.stdout)["cases"]:
            if c["status"] != "ok":
                continue
            key = next(s for s in names if elements(s) == c["elements"]), c["placement"]
            res[key]["clrelu_kernel"].append(c["kernel_ns"]["median"])
            res[key]["clrelu_e2e"].append(c["host_ns"]["median"])
    else:
        errors.append("round %d: clrelu bench exit %d: %s" % (r, p.returncode, p.stderr.strip()[-300:]))
    for s in names:
        for pl in ("out", "in"):
            k, e = torch_case(elements(s), pl == "in")
            res[(s, pl)]["torch_kernel"].append(k)
            res[(s, pl)]["torch_e2e"].append(e)
rows = []
for s in names:
    for pl in ("out", "in"):
        row = {"size": s, "elements": elements(s), "placement": pl}
        for k, v in res[(s, pl)].items():
            row[k + "_ns"] = med(v) if v else None
        rows.append(row)
info = {"torch": torch.__version__, "torch_device": tdev, "rounds": rounds, "reps": reps, "errors": errors,
        "gpu": torch.cuda.get_device_name(0) if cuda else "", "cuda": torch.version.cuda if cuda else ""}
json.dump({"info": info, "rows": rows}, open(out, "w"), indent=1)
print(json.dumps(info))
sys.exit(1 if errors else 0)
EOF
}

if [ "${1:-}" = --phase ]; then
    GC_PHASE=$2
    "phase_$2"
    exit $?
fi

# ---------------------------------------------------------------------------------------------
# The driver.
# ---------------------------------------------------------------------------------------------
DEVICE=gpu OUT="" QUICK=0 BUILD="" DEPS="" BUDGET=""
ARGS="$*"
while [ $# -gt 0 ]; do
    case $1 in
    --device) DEVICE=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --build) BUILD=$2; shift 2 ;;
    --deps) DEPS=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$SELF" | grep -v '^# shellcheck' | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$BUDGET" ] || { [ "$QUICK" = 1 ] && BUDGET=240 || BUDGET=450; }
T0=$(date +%s)
DEADLINE=$((T0 + BUDGET))
[ -n "$OUT" ] || OUT="gpu-check-$(date -u +%Y-%m-%d-%H%M).md"
case $OUT in /*) ;; *) OUT="$PWD/$OUT" ;; esac
LOGS="${OUT%.md}-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS" "$(dirname "$OUT")" || exit 2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
: > "$LOGS/phases.tsv"
echo "gpu-check: device '$DEVICE', budget ${BUDGET} s, logs in $LOGS"

# dependencies carried as .deb files (no registry on the GPU machines): unpack under a prefix
[ -n "$DEPS" ] || { ls "$ROOT"/.gpu-debs/*.deb > /dev/null 2>&1 && DEPS="$ROOT/.gpu-debs"; }
if [ -n "$DEPS" ]; then
    prefix=${GPU_CHECK_PREFIX:-/tmp/clrelu-deps}
    mkdir -p "$prefix"
    for f in "$DEPS"/*.deb; do dpkg -x "$f" "$prefix" || echo "gpu-check: could not unpack $f" >&2; done
    multi=$(uname -m)-linux-gnu lib="$prefix/usr/lib/$(uname -m)-linux-gnu"
    export CMAKE_PREFIX_PATH="$prefix/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
    export CPATH="$prefix/usr/include${CPATH:+:$CPATH}"
    export LIBRARY_PATH="$lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
    export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export PKG_CONFIG_PATH="$lib/pkgconfig:$prefix/usr/share/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    export PATH="$prefix/usr/bin:$PATH"
    echo "gpu-check: dependencies from $DEPS unpacked under $prefix ($multi)"
fi
# NVIDIA's OpenCL driver, when installed but not registered with the ICD loader
ICD_NOTE=""
if [ -z "${OCL_ICD_VENDORS:-}" ] && ! grep -qsi nvidia /etc/OpenCL/vendors/*.icd; then
    nv=$(ldconfig -p 2> /dev/null | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')
    [ -n "$nv" ] || nv=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib -maxdepth 3 \
        -name 'libnvidia-opencl.so.1' 2> /dev/null | head -1)
    if [ -n "$nv" ]; then
        mkdir -p "$WORK/icd" && cp /etc/OpenCL/vendors/*.icd "$WORK/icd/" 2> /dev/null
        echo "$nv" > "$WORK/icd/nvidia.icd"
        export OCL_ICD_VENDORS="$WORK/icd"
        ICD_NOTE="NVIDIA's OpenCL driver registered through OCL_ICD_VENDORS: $nv"
        echo "gpu-check: $ICD_NOTE"
    fi
fi

if [ -n "$BUILD" ]; then
    case $BUILD in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
    DO_BUILD=0
else
    BUILD="$ROOT/${GPU_CHECK_BUILD_DIR:-build-gpu-check}"
    case ${GPU_CHECK_BUILD_DIR:-} in /*) BUILD=$GPU_CHECK_BUILD_DIR ;; esac
    DO_BUILD=1
fi
shown() { case $1 in "$ROOT"/*) echo "${1#"$ROOT"/}" ;; *) echo "$1" ;; esac; }
export GC_BUILD="$BUILD" GC_BUILD_SHOWN GC_CLI="$BUILD/cli/clrelu" GC_CLI_SHOWN GC_DEVICE="$DEVICE" GC_QUICK="$QUICK"
export GC_LOGS="$LOGS" GC_WORK="$WORK"
GC_BUILD_SHOWN=$(shown "$BUILD") GC_CLI_SHOWN=$(shown "$BUILD/cli/clrelu")

FAILED=0
run_phase() { # NAME MAX_S RESERVE_PCT: cap = min(MAX, time to the deadline - RESERVE% of the budget for the later phases)
    local name=$1 max=$2 reserve=$(($3 * BUDGET / 100)) left cap t rc status det
    left=$((DEADLINE - $(date +%s) - reserve))
    cap=$((max < left ? max : left))
    echo "== $name (cap $cap s)"
    if [ "$cap" -lt 10 ]; then
        printf '%s\tskipped\t0\tno time left in the %s s budget\t\n' "$name" "$BUDGET" >> "$LOGS/phases.tsv"
        FAILED=1
        return
    fi
    t=$(date +%s)
    GC_CAP=$cap timeout -k 15 "$cap" bash "$SELF" --phase "$name" > "$LOGS/$name.log" 2>&1
    rc=$?
    t=$(($(date +%s) - t))
    det=$(cat "$LOGS/$name.detail" 2> /dev/null)
    case $rc in
    0) status=ok ;;
    77) status=skipped ;;
    124 | 137) status=timeout; det="stopped at the cap of $cap s${det:+; $det}"; FAILED=1 ;;
    *) status=failed; det="exit $rc${det:+; $det}"; FAILED=1 ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$t" "$det" "$(awk '{printf "%s%s", (NR > 1 ? "\001" : ""), $0}' "$LOGS/$name.cmd" 2> /dev/null)" \
        >> "$LOGS/phases.tsv"
    echo "   $status ($t s)${det:+: $det}"
}

if [ "$DO_BUILD" = 1 ]; then
    run_phase build 200 45
else
    printf 'build\tskipped\t0\tprebuilt tree given with --build %s\t\n' "$GC_BUILD_SHOWN" >> "$LOGS/phases.tsv"
fi
if [ ! -x "$BUILD/cli/clrelu" ]; then
    echo "gpu-check: $BUILD/cli/clrelu is missing; nothing more can run" >&2
    for p in devices tests bench peers; do
        printf '%s\tskipped\t0\tno clrelu binary\t\n' "$p" >> "$LOGS/phases.tsv"
    done
    FAILED=1
else
    run_phase devices 30 33
    run_phase tests 120 27
    run_phase bench 240 $((QUICK == 1 ? 7 : 13))
    run_phase peers 90 1
fi

# ---------------------------------------------------------------------------------------------
# The report: markdown in the format of BENCHMARKS.md §4.
# ---------------------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null || echo unknown)
[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2> /dev/null)" ] && COMMIT="$COMMIT (+ uncommitted changes)"
cat > "$WORK/report.py" << 'EOF'
import json
import os
import re
import sys
import time

logs, out, device, quick, args, commit, wall, failed, icd_note = sys.argv[1:10]
L = lambda name: os.path.join(logs, name)


def read(name, default=""):
    try:
        with open(L(name)) as f:
            return f.read()
    except OSError:
        return default


def load(name):
    try:
        return json.loads(read(name))
    except ValueError:
        return None


def elements_label(n):
    for unit, m in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= m and n % m == 0:
            return "%d%s" % (n // m, unit)
    return str(n)


def gib(b):
    return "%.1f GiB" % (b / (1 << 30))


def fmt(v):
    return "%.0f" % v if v >= 100 else "%.1f" % v if v >= 10 else "%.2f" % v


FAMILY = ("relu", "leaky_relu", "relu6", "hardtanh", "prelu")
w = []
phases = [l.split("\t") for l in read("phases.tsv").splitlines() if l]
sel = load("selected.json") or {}
dev = dict((sel.get("devices") or [{}])[0])
for d in load("devices.json") or []:  # `clrelu devices --json` also says whether memory is host-unified
    if dev and d.get("id") == dev.get("id"):
        dev.setdefault("host_unified_memory", d.get("host_unified_memory"))
meta = sel.get("meta") or {}
host = meta.get("host") or {}
host_s = host if isinstance(host, str) else ", ".join(str(host.get(k)) for k in ("hostname", "os", "machine") if host.get(k))
if isinstance(host, dict) and host.get("cpus"):
    host_s += ", %s CPUs" % host["cpus"]
stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
w.append("## 4. Discrete GPUs — `scripts/gpu-check.sh`%s\n" % (" (quick)" if quick == "1" else ""))
if dev:
    w.append("**Run** — %s, commit `%s`, device `%s` **%s** (%s, vendor %s, driver %s, %s, %s, %d CU @ %d MHz, %s "
             "global memory, %s max allocation, host-unified memory %s), host %s. Wall time %s s; %s." % (
                 stamp, commit, dev.get("id"), dev.get("name"), dev.get("platform"), dev.get("vendor"),
                 dev.get("driver_version"), dev.get("device_version"), dev.get("opencl_c_version") or "-",
                 dev.get("compute_units", 0), dev.get("clock_mhz", 0), gib(dev.get("global_mem_bytes", 0)),
                 gib(dev.get("max_alloc_bytes", 0)),
                 {True: "yes", False: "no"}.get(dev.get("host_unified_memory"), "?"),
                 host_s or "?", wall, "every phase passed" if failed == "0" else "**a phase failed** (exit 1)"))
else:
    w.append("**Run** — %s, commit `%s`, device selector `%s`: **no such device** (see Devices). Wall time %s s." % (
        stamp, commit, device, wall))
nv = read("nvidia-smi.txt").strip()
if nv:
    w.append("\n`nvidia-smi`: %s" % nv.replace("\n", "; "))
if icd_note:
    w.append("\n%s" % icd_note)
w.append("\nCommand: `scripts/gpu-check.sh %s`\n" % args.strip())
w.append("| phase | result | time | what ran |")
w.append("|---|---|---|---|")
for p in phases:
    p += [""] * (5 - len(p))
    name, status, secs, det, cmd = p[:5]
    res = status if status in ("ok", "skipped") else "**%s**" % status
    cmds = "<br>".join("`%s`" % c.replace("|", "\\|") for c in cmd.split("\x01") if c)
    w.append("| %s | %s%s | %s s | %s |" % (name, res, ": " + det if det else "", secs, cmds))

w.append("\n### Devices\n")
w.append("```text\n%s```" % (read("devices.txt") or "(clrelu devices did not run)\n"))
cl = read("clinfo.txt").strip()
if cl:
    w.append("\n`clinfo -l`:\n\n```text\n%s\n```" % cl)

w.append("\n### Device tests\n")
tests = re.findall(r"^\s*\d+/\d+ Test +#\d+: (\S+) *\.*\s*(\*{0,3}[A-Za-z ]+?)\s+([\d.]+) sec", read("ctest.txt"), re.M)
tp = [p for p in phases if p[0] == "tests"]
if tp:
    w.append("Result: **%s**%s. The test programs run on every device they find (host, every OpenCL device)." % (
        tp[0][1], " — " + tp[0][3] if len(tp[0]) > 3 and tp[0][3] else ""))
if tests:
    w.append("\n| test | result | time |\n|---|---|---|")
    for name, res, secs in tests:
        res = res.strip("* ").strip()
        w.append("| %s | %s | %s s |" % (name, res if res == "Passed" else "**%s**" % res, secs))

# --- the sweep ---
cases, ceilings, reasons, req = [], [], {}, {"ops": [], "dtypes": []}
ratio_to = {}  # id(case) -> the ceiling of its own sweep (same buffers)
for name in ("bench-%s-%s.json" % (g, t) for g in ("family", "rest") for t in ("float32", "float16", "bfloat16")):
    doc = load(name)
    if not doc:
        continue
    own = {(c["dtype"], c["elements"], c["kind"]): c for c in doc.get("ceilings", []) if c.get("status") == "ok"}
    for c in doc.get("cases", []):
        cl = own.get((c["dtype"], c["elements"], "add" if c["direction"] == "backward" else "copy"))
        ratio_to[id(c)] = cl["gbps_median"] if cl else None
    cases += doc.get("cases", [])
    ceilings += [c for c in doc.get("ceilings", []) if c.get("status") == "ok" or name.startswith("bench-family")]
    m = doc.get("meta", {})
    for k in ("ops", "dtypes"):
        v = m.get(k) or []
        for x in (v.split(",") if isinstance(v, str) else v):
            if x and x not in req[k]:
                req[k].append(x)
w.append("\n### Kernels against the ceilings (`clrelu bench`)\n")
if not cases:
    w.append("No results (see the bench phase above).")
else:
    ceil = {}
    for c in ceilings:  # the ceilings table: the first sweep's (the ReLU family's) where it has one
        if c.get("status") == "ok":
            ceil.setdefault((c["dtype"], c["elements"], c["kind"]), c)
    sizes = sorted({c["elements"] for c in cases})
    ops = [o for o in req["ops"]] or sorted({c["op"] for c in cases})
    dtypes = [d for d in ("float32", "float16", "bfloat16") if any(c["dtype"] == d for c in cases)]
    by = {(c["op"], c["dtype"], c["elements"], c["direction"]): c for c in cases if c["placement"] == "out"}
    w.append("Out of place, `CLRELU_AUTO_HOST=0`. Each cell: GB/s (bytes moved — 2N elements forward, 3N backward — "
             "over the median device time from profiling events) and, in brackets, the ratio to the ceiling measured "
             "in the same sweep on the same buffers: the copy kernel forward, BabelStream's add backward. "
             "Bold: a ReLU-family op below the goals of §1 (0.95 forward, 0.90 backward; the other ops compute "
             "transcendentals and are not held to a memory ceiling). \"–\": not run, reasons below.\n")
    head = "| op | dtype |" + "".join(" %s fwd | %s bwd |" % (elements_label(n), elements_label(n)) for n in sizes)
    w.append(head)
    w.append("|---|---|" + "---|---|" * len(sizes))
    for o in ops:
        for d in dtypes:
            cells = []
            for n in sizes:
                for di, goal in (("forward", 0.95), ("backward", 0.90)):
                    c = by.get((o, d, n, di))
                    if not c or c["status"] != "ok" or not c.get("gbps_median"):
                        if c:
                            reasons.setdefault((c["status"], c.get("reason") or ""), []).append(
                                "%s %s %s %s" % (o, d, elements_label(n), "bwd" if di == "backward" else "fwd"))
                        cells.append("–" if not c or c["status"] == "skipped" else "**%s**" % c["status"])
                        continue
                    g = c["gbps_median"]
                    cl = ratio_to.get(id(c))
                    if cl:
                        r = g / cl
                        rs = "%.2f" % r
                        cells.append("%s (%s)" % (fmt(g), "**%s**" % rs if r < goal and o in FAMILY else rs))
                    else:
                        cells.append("%s (–)" % fmt(g))
            w.append("| %s | %s | %s |" % (o, d, " | ".join(cells)))
    if reasons:
        w.append("")
        for (st, why), which in sorted(reasons.items()):
            w.append("- %s (%d): %s — %s" % (st, len(which), why, ", ".join(which[:6]) + (", …" if len(which) > 6 else "")))
    w.append("\nCeilings (GB/s, median of the same sweep; `clblast_copy` is CLBlast's xCOPY):\n")
    kinds = [k for k in ("copy", "add", "clblast_copy") if any(c["kind"] == k for c in ceilings)]
    for k in kinds[:]:
        if not any(key[2] == k for key in ceil):  # never measured: say why once instead of a row of dashes
            kinds.remove(k)
            why = next((c.get("reason") for c in ceilings if c["kind"] == k and c.get("reason")), "")
            w.append("`%s`: not measured%s.\n" % (k, ": " + why if why else ""))
    w.append("| dtype | kind |" + "".join(" %s |" % elements_label(n) for n in sizes))
    w.append("|---|---|" + "---|" * len(sizes))
    for d in dtypes:
        for k in kinds:
            w.append("| %s | %s |" % (d, k) + "".join(
                " %s |" % (fmt(ceil[(d, n, k)]["gbps_median"]) if (d, n, k) in ceil else "–") for n in sizes))
    empty = [c for c in ceilings if c.get("kind") == "empty" and c.get("status") == "ok"]
    if empty:
        w.append("\nEmpty-kernel launch (enqueue + finish, host round trip): %.1f µs." % (
            empty[0]["time_ns"]["median"] / 1000.0))
    e2e = [o for o in ("relu",) if o in ops]
    if e2e:
        w.append("\nEnd to end, relu: GB/s over the host round trip of the whole `clrelu_run` on host arrays "
                 "(uploads, kernel, downloads; on a discrete device the pinned-staging pipeline) and, in brackets, "
                 "that time over the kernel's.\n")
        w.append("| dtype |" + "".join(" %s fwd | %s bwd |" % (elements_label(n), elements_label(n)) for n in sizes))
        w.append("|---|" + "---|---|" * len(sizes))
        for d in dtypes:
            cells = []
            for n in sizes:
                for di in ("forward", "backward"):
                    c = by.get(("relu", d, n, di))
                    if not c or c["status"] != "ok":
                        cells.append("–")
                        continue
                    h, k = c["host_ns"]["median"], c["kernel_ns"]["median"]
                    cells.append("%s (%.1f×)" % (fmt(c["bytes_moved"] / h), h / k) if h and k else "–")
            w.append("| %s | %s |" % (d, " | ".join(cells)))

# --- the peers ---
w.append("\n### Against the peers\n")
pp = [p for p in phases if p[0] == "peers"]
if pp and len(pp[0]) > 3 and pp[0][3]:
    w.append("Peers phase: %s — %s\n" % (pp[0][1], pp[0][3]))
run = read("peers-run.txt")
rows = [l.split() for l in run.splitlines() if re.match(r"^\d+[KMG]?\s+(out|in)\s", l)]
hdr = [l for l in run.splitlines() if l.startswith("# ")]
if rows:
    w.append("`bench/peers/run.sh` (CPU peers: clrelu on PoCL's `cpu` device and the host backend against numpy, "
             "PyTorch's CPU path and oneDNN; float32 relu, GB/s = 8 bytes per element over the median wall time "
             "of one call). \"vs X\" = the faster clrelu's GB/s / X's (> 1: clrelu faster).\n")
    for h in hdr:
        w.append("    " + h)
    w.append("\n| N | plc | clrelu-pocl | clrelu-host | numpy | torch | onednn | vs numpy | vs torch | vs onednn |")
    w.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        w.append("| %s | %s | %s | %s |" % (r[0], r[1], " | ".join(r[2:7]), " | ".join(r[7:10])))
elif run:
    w.append("`bench/peers/run.sh` printed no table:\n\n```text\n%s\n```" % run[-2000:])
else:
    w.append("`bench/peers/run.sh` did not run (see the peers phase).")
tg = load("peers-torch-gpu.json")
skip = read("peers-torch-gpu.skip").strip()
if tg:
    i = tg["info"]
    w.append("\nSide by side with PyTorch %s on `%s`%s (CUDA %s), float32 relu, %d round%s interleaved (clrelu, then "
             "torch, each round), medians of %d calls. Kernel: clrelu's device time (profiling events) vs "
             "`torch.relu`/`relu_` on a resident tensor (%s). End to end: `clrelu_run` on host arrays vs "
             "host → device → relu → host in torch (pageable memory both). GB/s = 8 bytes per element; "
             "\"ratio\" = clrelu GB/s / torch GB/s.\n" % (
                 i["torch"], i["torch_device"], " " + i["gpu"] if i.get("gpu") else "", i.get("cuda") or "-",
                 i["rounds"], "" if i["rounds"] == 1 else "s", i["reps"],
                 "CUDA events" if i.get("cuda") else "wall clock"))
    w.append("| N | plc | clrelu kernel | torch kernel | ratio | clrelu e2e | torch e2e | ratio |")
    w.append("|---|---|---|---|---|---|---|---|")
    for r in tg["rows"]:
        n = r["elements"]
        g = {k: (8.0 * n / r[k + "_ns"] if r.get(k + "_ns") else None)
             for k in ("clrelu_kernel", "torch_kernel", "clrelu_e2e", "torch_e2e")}
        f = lambda v: fmt(v) if v else "n/a"
        rt = lambda a, b: "%.2f" % (a / b) if a and b else "n/a"
        w.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["size"], r["placement"], f(g["clrelu_kernel"]), f(g["torch_kernel"]),
            rt(g["clrelu_kernel"], g["torch_kernel"]), f(g["clrelu_e2e"]), f(g["torch_e2e"]),
            rt(g["clrelu_e2e"], g["torch_e2e"])))
    for e in i.get("errors", []):
        w.append("\n- %s" % e)
elif skip:
    w.append("\nPyTorch on the GPU, side by side: %s." % skip.split(": ", 1)[-1])
w.append("\nRaw output: `%s/` (phases.tsv, the phase logs, bench-<ops>-<dtype>.json, ctest.txt, peers-*)." %
         os.path.basename(logs))
with open(out, "w") as f:
    f.write("\n".join(w) + "\n")
EOF
wall=$(($(date +%s) - T0))
if ! timeout 60 python3 "$WORK/report.py" "$LOGS" "$OUT" "$DEVICE" "$QUICK" "$ARGS" "$COMMIT" "$wall" "$FAILED" \
    "$ICD_NOTE"; then
    echo "gpu-check: the report could not be written; the raw results are in $LOGS" >&2
    FAILED=1
fi
echo "gpu-check: $OUT ($wall s)$([ "$FAILED" = 1 ] && echo ', a phase failed')"
exit "$FAILED"
