"""test_server_load.py: concurrent clients (16 threads × 50 checked requests) on the default device, then a graceful stop under load."""
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402


def worker(port, seed, n, results, keep_alive):
    """n requests with distinct random data; every answer is checked against relu/leaky_relu."""
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60) if keep_alive else None
    bad = 0
    for i in range(n):
        data = [rnd.choice([-1, 1]) * rnd.randint(0, 1000) / 8 for _ in range(rnd.randint(1, 64))]
        if i % 2:
            body = {"op": "relu", "data": data}
            want = [max(v, 0) if v != 0 else v for v in data]
            path = "/v1/activate"
        else:
            body = {"parameters": {"negative_slope": 0.5},
                    "inputs": [{"name": "INPUT0", "shape": [len(data)], "datatype": "FP64", "data": data}]}
            want = [v if v > 0 else v * 0.5 for v in data]
            path = "/v2/models/leaky_relu/infer"
        c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        out = json.loads(r.read())
        if not keep_alive:
            c.close()
        got = out["data"] if i % 2 else out["outputs"][0]["data"]
        if r.status != 200 or got != want:
            bad += 1
    if conn:
        conn.close()
    results.append((n, bad))


def test_concurrency(c, s):
    results = []
    threads = [threading.Thread(target=worker, args=(s.port, k, 50, results, k % 2 == 0)) for k in range(16)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    c.check(len(results) == 16, "all 16 clients finished (%d)" % len(results))
    c.check(sum(n for n, _ in results) == 800 and sum(b for _, b in results) == 0,
            "800 requests, all correct: %r" % results)
    st, h, d = s.request("GET", "/metrics")
    text = d.decode()
    line = [x for x in text.splitlines() if x.startswith('clrelu_http_requests_total{route="/v1/activate",status="200"}')]
    c.check(line and int(line[0].split()[-1]) == 400, "metrics count 400 native requests: %r" % line)
    print("800 requests in %.2f s" % (time.time() - t0))


def test_graceful_stop(c):
    s = Server(device="auto").start()
    stop_at = threading.Event()
    outcomes = {"ok": 0, "wrong": 0, "refused": 0}
    lock = threading.Lock()
    n = 20000

    def load(seed):
        rnd = random.Random(seed)
        while True:
            data = [rnd.uniform(-1, 1) for _ in range(n)]
            body = json.dumps({"op": "relu", "dtype": "float64", "data": data})
            try:
                conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
                conn.request("POST", "/v1/activate", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                out = json.loads(r.read())
                conn.close()
                good = r.status == 200 and out["data"] == [v if v >= 0 else 0 for v in data]
                with lock:
                    outcomes["ok" if good else "wrong"] += 1
            except (OSError, http.client.HTTPException):
                with lock:
                    outcomes["refused"] += 1
                return
            if stop_at.is_set():
                return

    threads = [threading.Thread(target=load, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    stop_at.set()
    rc, took = s.stop(timeout=15)
    for t in threads:
        t.join(30)
    c.check(rc == 0, "exit code 0 after SIGTERM under load (%r)" % rc)
    c.check(took < 10, "stopped in %.2f s (< 10 s)" % took)
    c.check(outcomes["ok"] > 0 and outcomes["wrong"] == 0, "in-flight requests completed correctly: %r" % outcomes)
    log = "".join(s.stderr_lines)
    c.check("SIGTERM: stopping" in log and "level=info msg=stopped" in log, "stop logged")
    c.check(" aborted=true" not in log, "no request was cut off")


def main():
    c = Checks()
    with Server(device="auto", env={"CLRELU_THREADS": "4"}) as s:
        c.run(test_concurrency, s)
    c.run(test_graceful_stop)
    c.finish()


if __name__ == "__main__":
    main()
