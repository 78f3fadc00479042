#!/usr/bin/env bash
# conn_gate.sh: before/after throughput of two `clrelu serve` binaries, interleaved round by round:
# keep-alive (wrk -c32) and a new connection per request (wrk -c8 with Connection: close), each on
# GET /v2/health/live and the 16-float FP32 relu infer. Written for the connection gate of issue 15
# (conn_gate.c), usable for any two builds.
#
# usage: bench/service/conn_gate.sh BEFORE_BIN AFTER_BIN     environment: ROUNDS (3), PHASE_S (5)
# Needs wrk (apt-get install wrk). Never part of the test suite: it loads the machine ~2 minutes.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
before="$1" after="$2"
rounds="${ROUNDS:-3}" phase_s="${PHASE_S:-5}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

start() { # BIN PORT
    "$1" serve --host 127.0.0.1 --port "$2" --device host --no-warmup 2>/dev/null &
    pids+=($!)
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$2/v2/health/ready" >/dev/null && return; sleep 0.1; done
    echo "server $1 did not start" >&2
    exit 1
}
start "$before" 18401
start "$after" 18402
python3 -c "import sys; sys.path.insert(0, '$here'); import service_bench; service_bench.small_body('$work/infer.json')"

run() { # PORT PATH BODY CONNS EXTRA...
    local port="$1" path="$2" body="$3" conns="$4"
    shift 4
    BODY_FILE="$body" wrk -t2 -c"$conns" -d"${phase_s}s" -s "$here/post.lua" "$@" "http://127.0.0.1:$port$path" |
        sed -n 's/^RESULT //p'
}

{
printf "round\tload\tpath\tbefore_rps\tafter_rps\tbefore_p99_us\tafter_p99_us\terrors(b/a)\n"
for r in $(seq "$rounds"); do
    for load in keepalive close; do
        for path in /v2/health/live /v2/models/relu/infer; do
            body=""
            [[ "$path" == */infer ]] && body="$work/infer.json"
            if [[ "$load" == close ]]; then args=(-H "Connection: close"); conns=8; else args=(); conns=32; fi
            # alternate which binary goes first, so neither always gets the warmer machine
            if (( r % 2 )); then
                b="$(run 18401 "$path" "$body" "$conns" "${args[@]}")"; a="$(run 18402 "$path" "$body" "$conns" "${args[@]}")"
            else
                a="$(run 18402 "$path" "$body" "$conns" "${args[@]}")"; b="$(run 18401 "$path" "$body" "$conns" "${args[@]}")"
            fi
            get() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\n" "$r" "$load" "$path" "$(get rps "$b")" "$(get rps "$a")" \
                "$(get p99_us "$b")" "$(get p99_us "$a")" "$(( $(get non2xx "$b") + $(get socket_errors "$b") ))" \
                "$(( $(get non2xx "$a") + $(get socket_errors "$a") ))"
        done
    done
done
} | tee "$work/rows.tsv"
# the median of each case over the rounds, and after / before
python3 - "$work/rows.tsv" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
print("\nmedian over %d rounds" % len({r[0] for r in rows}))
print("load\tpath\tbefore_rps\tafter_rps\tafter/before")
for key in dict.fromkeys((r[1], r[2]) for r in rows):
    b = statistics.median(float(r[3]) for r in rows if (r[1], r[2]) == key)
    a = statistics.median(float(r[4]) for r in rows if (r[1], r[2]) == key)
    print("%s\t%s\t%.0f\t%.0f\t%.3f" % (key[0], key[1], b, a, a / b))
PY
