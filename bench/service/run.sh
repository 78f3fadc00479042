#!/usr/bin/env bash
# run.sh: bounded loopback load test of `clrelu serve` (small JSON infer vs health, 64 MiB binary
# round trip, large JSON decode/encode, the codec alone) and the same JSON requests to MLServer.
#
# usage: bench/service/run.sh [BUILD_DIR]     (default build-svc; needs BUILD_DIR/cli/clrelu)
# environment: PHASE_S (seconds per wrk phase, default 10), CONCURRENCY (32), WRK_THREADS (2),
#              SKIP_MLSERVER=1, CLRELU_SERVE_ARGS (extra flags for clrelu serve).
# Installs wrk (Debian) and mlserver + numpy (PyPI, into bench/service/.venv) when missing.
# Never part of the test suite: it loads the machine for a minute or two.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build-svc}"
[[ "$build" = /* ]] || build="$root/$build"
bin="$build/cli/clrelu"
phase_s="${PHASE_S:-10}"
conc="${CONCURRENCY:-32}"
wthreads="${WRK_THREADS:-2}"
work="$here/.run"
mkdir -p "$work" "$here/.build"
pids=()

# Stop a server we started: SIGTERM for clrelu, SIGINT for MLServer 1.7.1 (with a worker process it
# does not exit on SIGTERM: seen still up 15 min later); wait up to 10 s, then SIGKILL it and its children.
stop_pid() {
    local pid="$1"
    kill -TERM "$pid" 2>/dev/null || true
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        pkill -KILL -P "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    for p in "${pids[@]}"; do
        stop_pid "$p"
    done
}
trap cleanup EXIT

[ -x "$bin" ] || { echo "no $bin: build first (cmake --build $build)" >&2; exit 1; }
if ! command -v wrk > /dev/null; then
    echo "installing wrk (Debian)" >&2
    apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; }
fi
py="$here/.venv/bin/python"
if [ "${SKIP_MLSERVER:-0}" != 1 ] && ! [ -x "$here/.venv/bin/mlserver" ]; then
    echo "installing mlserver + numpy into $here/.venv (PyPI)" >&2
    python3 -m venv "$here/.venv"
    # uvloop 0.21 breaks MLServer 1.7.1 workers (asyncio.get_event_loop in a fresh process)
    "$here/.venv/bin/pip" install -q mlserver==1.7.1 numpy "uvloop<0.21"
fi
[ -x "$py" ] || py=python3

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wrk_phase NAME URL [BODY_FILE]: one bounded wrk run; prints NAME_rps/p50/p99 lines.
wrk_phase() {
    local name="$1" url="$2" body="${3:-}" line
    line="$(BODY_FILE="$body" timeout $((phase_s + 30)) wrk -t"$wthreads" -c"$conc" -d"${phase_s}s" --timeout 5s \
        -s "$here/post.lua" "$url" | grep '^RESULT')"
    echo "$line" | sed "s/^RESULT/$name:/"
    echo "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p' > "$work/$name.rps"
    if ! echo "$line" | grep -q 'non2xx=0 socket_errors=0'; then
        echo "$name: requests failed ($line)" >&2
        exit 1
    fi
}

echo "== machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "== codec alone (one core, same run as cJSON)"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/server" "$here/codec_bench.c" "$root/server/codec/json_numbers.c" \
    -lcjson -lpthread -lm -o "$here/.build/codec_bench"
timeout 120 "$here/.build/codec_bench" 1000000 5 | tee "$work/codec.txt"

port="$(free_port)"
# shellcheck disable=SC2086
"$bin" serve --host 127.0.0.1 --port "$port" --log-level warn --max-body 256M --max-elements 67108864 \
    ${CLRELU_SERVE_ARGS:-} 2> "$work/clrelu.log" &
pids+=($!)
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null || { cat "$work/clrelu.log" >&2; exit 1; }
echo "== clrelu serve on 127.0.0.1:$port (${CLRELU_SERVE_ARGS:-default flags}; wrk -t$wthreads -c$conc -d${phase_s}s)"

python3 "$here/service_bench.py" small-body "$work/small.json"
curl -sf -H 'Content-Type: application/json' --data-binary @"$work/small.json" \
    "http://127.0.0.1:$port/v2/models/relu/infer" > "$work/small.out"
grep -q '"OUTPUT0"' "$work/small.out" || { echo "small infer failed: $(cat "$work/small.out")" >&2; exit 1; }

wrk_phase health "http://127.0.0.1:$port/v2/health/live"
wrk_phase infer16 "http://127.0.0.1:$port/v2/models/relu/infer" "$work/small.json"

echo "== 64 MiB FP32 through the binary extension"
timeout 300 python3 "$here/service_bench.py" binary "$port" 64 7 "$phase_s" | tee "$work/binary.txt"
# The same request from a C client (wrk, one connection, back to back): the Python client above
# spends most of each round trip in its own socket reads and writes.
hlen="$(python3 - "$work/binary64.body" <<'PY'
import json, struct, sys
n = 16 * 1024 * 1024
head = json.dumps({"inputs": [{"name": "INPUT0", "shape": [n], "datatype": "FP32",
                               "parameters": {"binary_data_size": 4 * n}}],
                   "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]}).encode()
block = struct.pack("<4f", -1.5, 0.25, -0.0, 3.0) * (n // 4)
with open(sys.argv[1], "wb") as f:
    f.write(head + block)
print(len(head))
PY
)"
line="$(BODY_FILE="$work/binary64.body" CONTENT_TYPE=application/octet-stream INFER_HEADER_LEN="$hlen" \
    timeout $((phase_s + 60)) wrk -t1 -c1 -d"${phase_s}s" --timeout 30s -s "$here/post.lua" \
    "http://127.0.0.1:$port/v2/models/relu/infer" | grep '^RESULT')"
echo "$line" | sed 's/^RESULT/binary64_wrk:/'
echo "$line" | grep -q 'non2xx=0 socket_errors=0' || { echo "binary64_wrk: requests failed ($line)" >&2; exit 1; }
echo "$line" | sed -n 's/.* rps=\([0-9.]*\).*/\1/p' |
    awk '{printf "binary_wrk_round_trip_GBps=%.3f (64 MiB per request, C client)\n", $1 * 67108864 / 1e9}' |
    tee -a "$work/binary.txt"
rm -f "$work/binary64.body"

echo "== large JSON tensor (1M FP32) through /v1/activate"
timeout 300 python3 "$here/service_bench.py" large-json "$port" 1000000 5 "$phase_s" | tee "$work/json.txt"

kill "${pids[0]}" 2>/dev/null || true
wait "${pids[0]}" 2>/dev/null || true
pids=()

# mlserver_phase NAME WORKERS: MLServer with MLSERVER_PARALLEL_WORKERS=WORKERS (1: its default,
# inference in a worker process; 0: in the server process), same body, same wrk phase.
mlserver_phase() {
    local name="$1" workers="$2" mport
    mport="$(free_port)"
    echo "== MLServer $("$here/.venv/bin/pip" show mlserver 2>/dev/null | sed -n 's/^Version: //p') (numpy relu MLModel, parallel_workers=$workers) on 127.0.0.1:$mport"
    (cd "$here/mlserver_model" && MLSERVER_HOST=127.0.0.1 MLSERVER_HTTP_PORT="$mport" \
        MLSERVER_GRPC_PORT="$(free_port)" MLSERVER_METRICS_PORT="$(free_port)" MLSERVER_PARALLEL_WORKERS="$workers" \
        exec "$here/.venv/bin/mlserver" start . > "$work/$name.log" 2>&1) &
    pids+=($!)
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:$mport/v2/models/relu/ready" > /dev/null 2>&1 && break
        sleep 0.1
    done
    curl -sf -H 'Content-Type: application/json' --data-binary @"$work/small.json" \
        "http://127.0.0.1:$mport/v2/models/relu/infer" > "$work/$name.out" || { tail "$work/$name.log" >&2; exit 1; }
    grep -q '"OUTPUT0"' "$work/$name.out" || { echo "MLServer infer failed: $(cat "$work/$name.out")" >&2; exit 1; }
    wrk_phase "$name" "http://127.0.0.1:$mport/v2/models/relu/infer" "$work/small.json"
    stop_pid "${pids[-1]}"
    unset 'pids[-1]'
}


rm -f "$work"/mlserver*.rps
if [ "${SKIP_MLSERVER:-0}" != 1 ]; then
    mlserver_phase mlserver16 1
    mlserver_phase mlserver16_inproc 0
fi

echo "== summary (goals in brackets)"
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2f' % (a / b))" "$1" "$2"; }
h="$(cat "$work/health.rps")"
i="$(cat "$work/infer16.rps")"
echo "infer16_rps=$i health_rps=$h ratio_infer_to_health=$(ratio "$i" "$h") [>= 0.5]"
sed -n 's/^binary_round_trip_GBps_median=\([0-9.]*\).*/binary_64MiB_round_trip_GBps=\1 [>= 1]/p' "$work/binary.txt"
sed -n 's/^binary_wrk_round_trip_GBps=\([0-9.]*\).*/binary_64MiB_round_trip_GBps_c_client=\1 [>= 1]/p' "$work/binary.txt"
grep '^codec_e\|^codec_d' "$work/codec.txt" | sed 's/$/ [>= 10000000]/'
grep '^server_json' "$work/json.txt" | head -2
for f in "$work"/mlserver16*.rps; do
    [ -f "$f" ] || continue
    m="$(cat "$f")"
    echo "$(basename "$f" .rps)_rps=$m ratio_clrelu_to_it=$(ratio "$i" "$m") [>= 20]"
done
