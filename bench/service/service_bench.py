"""service_bench.py: request bodies for wrk, and the large-tensor phases (64 MiB binary round trip,
large JSON decode/encode end to end) against a running `clrelu serve`. Standard library only."""
import array
import http.client
import json
import sys
import time


def small_body(path):
    """The 16-element FP32 KServe v2 JSON request both servers get."""
    data = [round(0.37 * (i - 8) + 0.011 * i, 3) for i in range(16)]
    body = {"inputs": [{"name": "INPUT0", "shape": [16], "datatype": "FP32", "data": data}]}
    with open(path, "w") as f:
        json.dump(body, f)


def post(port, path, body, headers, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, body, headers)
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, hdrs, data


def binary_round_trip(port, mib, reps, budget_s):
    """POST a mib-MiB FP32 tensor as binary data, binary output; time whole requests."""
    n = mib * 1024 * 1024 // 4
    x = array.array("f", [1.5, -2.5]) * (n // 2)
    want = (array.array("f", [1.5, 0.0]) * (n // 2)).tobytes()
    raw = x.tobytes()
    hdr = json.dumps({"inputs": [{"name": "INPUT0", "shape": [n], "datatype": "FP32",
                                  "parameters": {"binary_data_size": len(raw)}}],
                      "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]}).encode()
    body = hdr + raw
    headers = {"Inference-Header-Content-Length": str(len(hdr)), "Content-Type": "application/octet-stream"}
    times = []
    start = time.monotonic()
    for _ in range(reps):
        t0 = time.perf_counter()
        st, hdrs, data = post(port, "/v2/models/relu/infer", body, headers)
        times.append(time.perf_counter() - t0)
        if st != 200:
            sys.exit("binary request failed: %d %s" % (st, data[:200]))
        hl = int(hdrs["inference-header-content-length"])
        if data[hl:] != want:
            sys.exit("binary output differs from relu(x)")
        if time.monotonic() - start > budget_s:
            break
    times.sort()
    med = times[len(times) // 2]
    print("binary_mib=%d binary_requests=%d" % (mib, len(times)))
    print("binary_round_trip_s_median=%.4f binary_round_trip_s_best=%.4f" % (med, times[0]))
    print("binary_round_trip_GBps_median=%.3f binary_round_trip_GBps_best=%.3f"
          % (len(raw) / med / 1e9, len(raw) / times[0] / 1e9))


def large_json(port, n, reps, budget_s):
    """POST an n-element FP32 JSON tensor to /v1/activate: the server's own parse/serialize times
    give decode/encode floats/s; the wall time gives the end-to-end rate."""
    vals = [((i * 7919) % 20001 - 10000) / 997.0 for i in range(n)]
    body = json.dumps({"op": "relu", "dtype": "float32", "data": vals}).encode()
    best = None
    start = time.monotonic()
    done = 0
    for _ in range(reps):
        t0 = time.perf_counter()
        st, _, data = post(port, "/v1/activate", body, {"Content-Type": "application/json"})
        wall = time.perf_counter() - t0
        if st != 200:
            sys.exit("large JSON request failed: %d %s" % (st, data[:200]))
        res = json.loads(data)
        tm = res["timing_us"]
        got = array.array("f", res["data"][:1000])
        exp = array.array("f", [max(v, 0.0) for v in array.array("f", vals[:1000])])
        if got != exp:
            sys.exit("large JSON output differs from relu(x)")
        done += 1
        if best is None or wall < best[0]:
            best = (wall, tm["parse"], tm["serialize"])
        if time.monotonic() - start > budget_s:
            break
    wall, parse_us, ser_us = best
    print("json_n=%d json_requests=%d json_body_bytes=%d" % (n, done, len(body)))
    print("server_json_decode_floats_per_s=%.0f" % (n / (parse_us * 1e-6)))
    print("server_json_encode_floats_per_s=%.0f" % (n / (ser_us * 1e-6)))
    print("server_json_end_to_end_floats_per_s=%.0f (one request: upload, parse, relu, print, download; best wall %.3f s)"
          % (n / wall, wall))


def main():
    cmd = sys.argv[1]
    if cmd == "small-body":
        small_body(sys.argv[2])
    elif cmd == "binary":
        binary_round_trip(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "large-json":
        large_json(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
