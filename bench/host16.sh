#!/bin/sh
# host16.sh: a device's float16/bfloat16 element rate against its own float32 rate, per op, size, direction and placement; interleaved rounds, medians.
# Usage: bench/host16.sh [BUILD_DIR]
#   env: DEVICE=host  OPS=relu,leaky_relu,relu6,hardtanh  SIZES="4K 64K 1M 16M"  ROUNDS=5
#        DIRS=both  PLACEMENTS=both  MIN_TIME=0.05  CLRELU=<a clrelu binary, default BUILD_DIR/cli/clrelu>
# Each round runs every size once with the three dtypes back to back (their order alternates
# between rounds), so the float32 peer is measured in the same minutes as the 16-bit cases.
# Prints the median elements/s per dtype and the ratios float16/float32 and bfloat16/float32.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
CLRELU=${CLRELU:-$BUILD/cli/clrelu}
DEVICE=${DEVICE:-host}
OPS=${OPS:-relu,leaky_relu,relu6,hardtanh}
SIZES=${SIZES:-"4K 64K 1M 16M"}
ROUNDS=${ROUNDS:-5}
DIRS=${DIRS:-both}
PLACEMENTS=${PLACEMENTS:-both}
MIN_TIME=${MIN_TIME:-0.05}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

r=0
while [ "$r" -lt "$ROUNDS" ]; do
    if [ $((r % 2)) = 0 ]; then dts=float32,float16,bfloat16; else dts=bfloat16,float16,float32; fi
    for s in $SIZES; do
        "$CLRELU" bench --devices "$DEVICE" --ops "$OPS" --dtypes "$dts" --sizes "$s" --directions "$DIRS" \
            --placements "$PLACEMENTS" --min-time "$MIN_TIME" --no-ceilings --csv --quiet | tail -n +2 >> "$OUT"
    done
    r=$((r + 1))
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) device=$DEVICE rounds=$ROUNDS, $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- backend kernels 2>/dev/null || echo +dirty)"
echo "# elements/s: median over rounds of each case's median; ratio = 16-bit rate / float32 rate"
# csv: 3 op, 4 dtype, 5 direction, 6 placement, 7 elements, 9 status, 26 elements_per_s, last mismatches
awk -F, '
function median(key,   n, i, j, t, v) {
    n = split(vals[key], v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n ? v[int((n + 1) / 2)] : 0
}
$9 != "ok" || $NF != 0 { bad++ ; print "not ok: " $0 > "/dev/stderr"; next }
{
    k = $3 "," $5 "," $6 "," $7
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
    vals[k "," $4] = vals[k "," $4] " " $26
}
END {
    printf "%-11s %-8s %-4s %9s %10s %10s %10s %7s %7s\n", "op", "dir", "plc", "elements", "f32 Me/s", "f16 Me/s", "bf16 Me/s", "f16/32", "bf16/32"
    for (i = 1; i <= nk; i++) {
        split(order[i], p, ",")
        a = median(order[i] ",float32"); b = median(order[i] ",float16"); c = median(order[i] ",bfloat16")
        r16 = a > 0 ? b / a : 0; rbf = a > 0 ? c / a : 0
        printf "%-11s %-8s %-4s %9d %10.0f %10.0f %10.0f %7.2f %7.2f\n", p[1], p[2], p[3], p[4], a / 1e6, b / 1e6, c / 1e6, r16, rbf
    }
    if (bad) printf "# %d cases failed or mismatched (see stderr)\n", bad
}' "$OUT"
