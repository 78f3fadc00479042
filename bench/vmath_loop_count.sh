#!/bin/sh
# vmath_loop_count.sh: counts the AVX-512 instructions in each smooth op's forward loop (16 float32 elements per iteration) as compiled from a source tree's host_vmath.h.
#
# usage: bench/vmath_loop_count.sh [SOURCE_TREE [BUILD_DIR]]   (default: this checkout, build-main)
# Compiles one small loop per op around vm_<op>_fwd_avx512 (x86-64 gcc), disassembles it and
# counts the vector instructions between the loop's back edge and its target, unmasked register
# moves and plain loads/stores not counted (they cost no vector slot: BENCHMARKS.md section 16.1).
# Compare two commits with a worktree: git worktree add /tmp/old COMMIT && bench/vmath_loop_count.sh /tmp/old
set -eu
src=$(cd "${1:-$(dirname "$0")/..}" && pwd)
build=${2:-$src/build-main}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/one.c" <<'C'
#include "host/host_kernels.c"
#define ONE(name, call)                                                                            \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,f16c"), noinline)) void  \
    one_##name(const float *x, float *y, size_t n)                                                 \
    {                                                                                              \
        for (size_t i = 0; i < n; i += 16) {                                                       \
            vl_f_avx512 v;                                                                         \
            memcpy(&v, x + i, 64);                                                                 \
            v = call;                                                                              \
            memcpy(y + i, &v, 64);                                                                 \
        }                                                                                          \
    }
ONE(gelu, vm_gelu_fwd_avx512(v))
ONE(gelu_tanh, vm_gelu_tanh_fwd_avx512(v))
ONE(silu, vm_silu_fwd_avx512(v))
ONE(elu, vm_elu_pos_fwd_avx512(v, 1.0f, 1.0f))
ONE(selu, vm_elu_pos_fwd_avx512(v, VL_SELU_ALPHA_SCALE, VL_SELU_SCALE))
ONE(softplus, vm_softplus1_fwd_avx512(v, 20.0f))
ONE(sigmoid, vm_sigmoid_fwd_avx512(v))
ONE(tanh, vm_tanh_fwd_avx512(v))
C
gcc -O2 -std=gnu11 -w -DCLRELU_HAVE_OPENCL=1 -I"$src/include" -I"$src/backend" -I"$build/generated" -c -o "$tmp/one.o" "$tmp/one.c"
objdump -d --no-show-raw-insn "$tmp/one.o" > "$tmp/one.s"
python3 - "$tmp/one.s" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for m in re.finditer(r"<one_(\w+)>:\n(.*?)(?:\n\n|\Z)", text, re.S):
    lines = [l for l in m.group(2).splitlines() if re.match(r"\s+[0-9a-f]+:", l)]
    addr = lambda l: int(l.split(":")[0], 16)
    body = []
    for i in range(len(lines) - 1, -1, -1):
        b = re.search(r"\sj[a-z]+\s+([0-9a-f]+)", lines[i])
        if b and int(b.group(1), 16) < addr(lines[i]):
            body = [l for l in lines if int(b.group(1), 16) <= addr(l) <= addr(lines[i])]
            break
    ops = [l for l in body if re.search(r"\sv[a-z0-9]+", l)  # a masked move is a select: counted
           and not (re.search(r"\svmov(aps|ups|dqu32|dqu64|dqa32|dqa64)\s", l) and "{%k" not in l)]
    print("%-10s %3d" % (m.group(1), len(ops)))
PY
