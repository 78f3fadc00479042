#!/usr/bin/env python3
"""mixed_load.py: bounded loopback load test of `clrelu serve` — N seconds at concurrency C of mixed
small, large, binary, compressed and invalid requests while a benchmark sweep runs. Reports per-kind
counts and p50/p99 latency, 5xx answers to valid requests, whether the daemon survived, and resident
memory growth after warm-up. Not part of the test suite (scripts/reliability.sh runs it).

Usage: mixed_load.py [--duration 60] [--concurrency 64] [--warmup 10] [--device auto] [--json OUT]"""
import argparse
import gzip
import http.client
import json
import os
import random
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
from server_harness import Server  # noqa: E402


def make_requests():
    """(kind, valid, method, path, body, headers) — bodies built once."""
    rnd = random.Random(1)
    small = json.dumps({"op": "leaky_relu", "data": [rnd.uniform(-1, 1) for _ in range(16)]}).encode()
    large = json.dumps({"op": "gelu", "data": [rnd.uniform(-3, 3) for _ in range(100000)]}).encode()
    n = 65536
    hdr = json.dumps({"inputs": [{"name": "INPUT0", "shape": [n], "datatype": "FP32",
                                  "parameters": {"binary_data_size": 4 * n}}],
                      "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]}).encode()
    binary = hdr + struct.pack("<%df" % n, *[rnd.uniform(-1, 1) for _ in range(n)])
    comp = gzip.compress(json.dumps({"op": "silu", "data": [rnd.uniform(-2, 2) for _ in range(20000)]}).encode())
    js = {"Content-Type": "application/json"}
    return [
        ("small", True, "POST", "/v1/activate", small, js),
        ("large", True, "POST", "/v1/activate", large, dict(js, **{"Accept-Encoding": "gzip"})),
        ("binary", True, "POST", "/v2/models/relu/infer", binary,
         {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(hdr))}),
        ("compressed", True, "POST", "/v1/activate", comp, dict(js, **{"Content-Encoding": "gzip"})),
        ("read", True, "GET", "/v1/ops", None, {}),
        ("invalid_json", False, "POST", "/v1/activate", b'{"op": "relu", "data": [1, 2,', js),
        ("invalid_op", False, "POST", "/v1/activate", b'{"op": "nope", "data": [1]}', js),
        ("invalid_binary", False, "POST", "/v2/models/relu/infer", hdr + b"\0" * 10,
         {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(hdr))}),
    ]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--warmup", type=float, default=10)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json")
    a = ap.parse_args()
    reqs = make_requests()
    results = tempfile.mkdtemp(prefix="clrelu-load-")
    s = Server("--results-dir", results, "--max-connections", "256", device=a.device).start()
    pid = s.proc.pid
    st, job = s.json("POST", "/v1/benchmarks", {"ops": "relu,gelu", "sizes": "4K..4M x4", "min_time_s": 0.05,
                                                  "max_seconds": a.duration + a.warmup})
    sweep_started = st == 202
    stop = threading.Event()
    lock = threading.Lock()
    lat = {r[0]: [] for r in reqs}
    counts = {r[0]: {} for r in reqs}
    errors = []

    def worker(i):
        rnd = random.Random(i)
        conn = None
        while not stop.is_set():
            kind, valid, method, path, body, headers = rnd.choice(reqs)
            t0 = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
                conn.request(method, path, body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                code = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                code = "error:" + type(e).__name__
                if conn:
                    conn.close()
                conn = None
            dt = time.perf_counter() - t0
            with lock:
                counts[kind][code] = counts[kind].get(code, 0) + 1
                if isinstance(code, int) and code < 400:
                    lat[kind].append(dt)
                if valid and (not isinstance(code, int) or code >= 500):
                    errors.append((kind, code))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(a.concurrency)]
    t_start = time.time()
    for t in threads:
        t.start()
    rss = []
    while time.time() - t_start < a.warmup + a.duration:
        time.sleep(1)
        if s.proc.poll() is not None:
            break
        rss.append((time.time() - t_start, rss_kb(pid)))
    stop.set()
    for t in threads:
        t.join(90)
    alive = s.proc.poll() is None
    st, jobdoc = s.json("GET", "/v1/benchmarks/" + job["id"]) if sweep_started and alive else (0, None)
    rc, took = s.stop() if alive else (s.proc.returncode, 0)
    after = [kb for t, kb in rss if t >= a.warmup]
    base = after[0] if after else None
    peak_end = max(after[-5:]) if after else None
    report = {
        "duration_s": a.duration, "warmup_s": a.warmup, "concurrency": a.concurrency, "device": a.device,
        "requests": {k: sum(v.values()) for k, v in counts.items()},
        "statuses": {k: {str(c): n for c, n in v.items()} for k, v in counts.items()},
        "latency_ms": {k: {"p50": round(1e3 * pct(v, 50), 2), "p99": round(1e3 * pct(v, 99), 2)}
                       for k, v in lat.items() if v},
        "valid_5xx_or_errors": len(errors), "first_errors": errors[:5],
        "daemon_survived": alive, "exit_code": rc, "stop_s": round(took, 2),
        "sweep": {"started": sweep_started, "status": (jobdoc or {}).get("status"),
                  "progress": (jobdoc or {}).get("progress")},
        "rss_kb": {"after_warmup": base, "end": peak_end, "max": max(kb for _, kb in rss) if rss else None},
        "rss_growth_pct": round(100.0 * (peak_end - base) / base, 2) if base else None,
    }
    report["total_requests"] = sum(report["requests"].values())
    report["requests_per_s"] = round(report["total_requests"] / (a.duration + a.warmup), 1)
    text = json.dumps(report, indent=1)
    print(text)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    ok = alive and rc == 0 and not errors and (report["rss_growth_pct"] or 0) < 5
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
