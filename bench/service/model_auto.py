"""model_auto.py: latency of the example MLP on the `auto` device, one row and a large batch, through
`clrelu serve` — one server per binary given, requests interleaved between them in the same run.

    python3 bench/service/model_auto.py [--rows 1,65536] [--rounds 15] [--device auto] BIN [BIN ...]

Each round sends every batch size to every server in turn (POST /v1/models/example/infer, native
JSON, one keep-alive connection per server). Prints, per binary and batch size, the medians of the
server's own `timing_us.run` (the model's layers: what the device choice changes) and of the client
round trip, and the device the response says ran the batch (`ran_on`, when the server reports it).
Standard library only."""
import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")


def start(binary, device):
    """A server on a free loopback port with the example model; returns (process, port)."""
    p = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", "--device", device,
                          "--model-repository", MODELS, "--log-level", "warn"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = []
    ready = threading.Event()

    def read():
        for line in p.stderr:
            m = re.search(r"listening on http://[^ ]*:(\d+)", line)
            if m and not port:
                port.append(int(m.group(1)))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60) or not port:
        p.kill()
        sys.exit("%s did not start" % binary)
    return p, port[0]


def infer(conn, body):
    t0 = time.perf_counter()
    conn.request("POST", "/v1/models/example/infer", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    rt = time.perf_counter() - t0
    if r.status != 200:
        sys.exit("infer failed: %d %s" % (r.status, data[:300]))
    j = json.loads(data)
    return rt * 1e6, j["timing_us"]["run"], j.get("ran_on", "?"), j["data"]


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1,65536")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--device", default="auto", help="the servers' --device (default auto)")
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    sizes = [int(s) for s in a.rows.split(",")]
    rng = random.Random(1)
    bodies = {n: json.dumps({"data": [[round(rng.uniform(-1, 1), 3) for _ in range(4)] for _ in range(n)]}) for n in sizes}
    servers = [start(b, a.device) for b in a.bins]
    try:
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=300) for _, port in servers]
        for c in conns:  # warm: program builds, the crossover measurement, first launches
            for n in sizes:
                for _ in range(3):
                    infer(c, bodies[n])
        res = {(i, n): ([], [], set()) for i in range(len(servers)) for n in sizes}
        outputs = {}
        for _ in range(a.rounds):
            for n in sizes:
                for i, c in enumerate(conns):
                    rt, run, where, data = infer(c, bodies[n])
                    r = res[(i, n)]
                    r[0].append(rt)
                    r[1].append(run)
                    r[2].add(where)
                    outputs.setdefault(n, []).append(data)
        print("%-40s %8s %14s %16s  %s" % ("binary", "rows", "run_us_median", "round_trip_us", "ran_on"))
        for i, b in enumerate(a.bins):
            for n in sizes:
                r = res[(i, n)]
                print("%-40s %8d %14.1f %16.1f  %s" % (b, n, median(r[1]), median(r[0]), ",".join(sorted(r[2]))))
        for n in sizes:  # every server and round computed the same batch: the answers agree
            flat = [sum(d, []) if isinstance(d[0], list) else d for d in outputs[n]]
            worst = max(abs(x - y) for f in flat for x, y in zip(f, flat[0]))
            print("rows %d: largest difference between any two answers %.3g" % (n, worst))
    finally:
        for p, _ in servers:
            p.terminate()
            p.wait(10)


if __name__ == "__main__":
    main()
