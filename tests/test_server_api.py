"""test_server_api.py: every endpoint of `clrelu serve` and every error path (400/401/404/405/413/415), with real values."""
import json
import math
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402


def is_error(c, status, body, want_status, want_text, what):
    ok = c.check(status == want_status, "%s: status %s, want %s (%r)" % (what, status, want_status, body))
    if ok:
        c.check(isinstance(body, dict) and list(body) == ["error"] and want_text in body["error"],
                "%s: error body %r should mention %r" % (what, body, want_text))


def test_discovery(c, s):
    st, body = s.json("GET", "/v1/devices")
    c.check(st == 200 and body["default"] == "host", "devices default %r" % body)
    ids = [d["id"] for d in body["devices"]]
    c.check("host" in ids and all("float32" in d["dtypes"] for d in body["devices"]), "device list %r" % ids)
    st, body = s.json("GET", "/v1/ops")
    names = [o["name"] for o in body["ops"]]
    c.check(st == 200 and names[:3] == ["relu", "leaky_relu", "relu6"] and "prelu" in names, "ops %r" % names)
    lr = body["ops"][names.index("leaky_relu")]
    p = lr["params"][0]
    c.check(p["name"] == "negative_slope" and p["default"] == 0.01 and p["min"] == "-Infinity", "param desc %r" % p)
    c.check("host" in lr["dtypes"] and "float64" in lr["dtypes"]["host"], "dtypes per device")
    elu = body["ops"][names.index("elu")]["params"][0]
    c.check(elu["min"] == 0 and elu["max"] == "Infinity", "elu alpha range %r" % elu)
    st, hdrs, data = s.request("GET", "/openapi.json")
    doc = json.loads(data)
    c.check(st == 200 and doc["openapi"].startswith("3.") and "/v1/activate" in doc["paths"], "openapi")
    c.check("/v2/models/{model}/infer" in doc["paths"], "openapi documents v2 infer")
    try:  # the document is valid OpenAPI 3.0 (a client generator or validator would reject it otherwise)
        from openapi_spec_validator import validate
        validate(doc)
        c.check(True, "openapi.json is valid OpenAPI")
    except ImportError:
        c.check(False, "openapi-spec-validator is missing (tests/requirements.txt)")
    except Exception as e:
        c.check(False, "openapi.json is not valid OpenAPI: %s" % str(e)[:300])
    st, hdrs, data = s.request("GET", "/")
    c.check(st == 200 and hdrs["content-type"].startswith("text/html") and b"/v1/activate" in data, "web page")
    st, hdrs, data = s.request("HEAD", "/v2")
    c.check(st == 200 and data == b"", "HEAD answers without a body")


def test_activate(c, s):
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1.5, 0, 2.25, -0.0, "NaN", "-Infinity", "Infinity"]})
    c.check(st == 200, "relu status %s %r" % (st, r))
    d = r["data"]
    c.check(d[:3] == [0, 0, 2.25] and d[4] == "NaN" and d[5] == 0 and d[6] == "Infinity", "relu values %r" % d)
    c.check(r["op"] == "relu" and r["device"] == "host" and r["dtype"] == "float32" and r["shape"] == [7], "meta")
    t = r["timing_us"]
    for k in ("parse", "queue", "transfer_in", "kernel", "transfer_out", "serialize", "total"):
        c.check(k in t and t[k] >= 0, "timing_us.%s" % k)
    c.check(t["total"] >= t["kernel"], "total >= kernel")
    # float32 output is exact and shortest: 0.1 comes back as 0.1 (the float nearest 0.1)
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "data": [0.1, 1e-45, 3.4028234663852886e38]})
    c.check(r["data"] == [0.1, 1e-45, 3.4028235e38], "shortest float32 round trip %r" % r["data"])
    c.check(struct.unpack("<f", struct.pack("<f", r["data"][2]))[0] == 3.4028234663852886e38, "max float exact")
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "dtype": "float64", "data": [0.1, -2, 1 / 3]})
    c.check(r["data"] == [0.1, 0, 1 / 3] and r["dtype"] == "float64", "float64 exact %r" % r["data"])
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "dtype": "float16", "data": [0.1, -2, 65504]})
    # shortest text that reads back to the same float16 (numpy prints float16(65504) as 65500 too)
    c.check(st == 200 and r["data"] == [0.1, 0, 65500], "float16 shortest %r" % r)
    st, r = s.json("POST", "/v1/activate", {"op": "hardtanh", "params": {"min_val": -2, "max_val": 0.5},
                                            "data": [[-3, -1], [0.25, 4]], "stats": True})
    c.check(r["shape"] == [2, 2] and r["data"] == [-2, -1, 0.25, 0.5], "hardtanh nested + params %r" % r)
    c.check(r["stats"] == {"count": 4, "zeros": 0, "zero_fraction": 0, "negatives": 2, "nans": 0}, "stats %r" % r["stats"])
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1, 0, 2, -3, "NaN"], "stats": True})
    c.check(r["stats"] == {"count": 5, "zeros": 3, "zero_fraction": 0.6, "negatives": 2, "nans": 1}, "sparsity %r" % r["stats"])
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "shape": [2, 3], "data": [1, -2, 3, -4, 5, -6]})
    c.check(r["shape"] == [2, 3] and r["data"] == [1, 0, 3, 0, 5, 0], "flat data with shape")
    # backward: relu' = g where y > 0
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1, 0, 2], "grad_output": [5, 6, 7]})
    c.check(r["backward"] is True and r["data"] == [0, 0, 7], "relu backward %r" % r)
    st, r = s.json("POST", "/v1/activate", {"op": "prelu", "shape": [1, 2, 2], "data": [-1, 2, -4, 8],
                                            "weight": [0.5, 0.25]})
    c.check(r["data"] == [-0.5, 2, -1, 8], "prelu %r" % r)
    st, r = s.json("POST", "/v1/activate", {"op": "prelu", "shape": [1, 2, 2], "data": [-1, 2, -4, 8],
                                            "weight": [0.5, 0.25], "grad_output": [1, 1, 1, 1]})
    c.check(r["data"] == [0.5, 1, 0.25, 1] and r["grad_weight"] == [-1, -4], "prelu backward %r" % r)
    st, r = s.json("POST", "/v1/activate", {"op": "silu", "device": "host", "data": [1.0]})
    c.check(abs(r["data"][0] - 1 / (1 + math.exp(-1))) < 1e-6, "silu %r" % r)
    st, r = s.json("POST", "/v1/activate", {"op": "relu", "data": []})
    c.check(st == 200 and r["data"] == [] and r["shape"] == [0], "empty tensor %r" % r)


def test_errors(c, s):
    st, b = s.json("POST", "/v1/activate", {"op": "nope", "data": [1]})
    is_error(c, st, b, 404, "unknown op", "unknown op")
    st, b = s.json("POST", "/v2/models/nope/infer", {"inputs": []})
    is_error(c, st, b, 404, "unknown model", "unknown model")
    st, b = s.json("GET", "/v2/models/relu/versions/2")
    is_error(c, st, b, 404, "version", "unknown version")
    st, b = s.json("GET", "/v9/nothing")
    is_error(c, st, b, 404, "no route", "unknown route")
    st, h, d = s.request("DELETE", "/v1/activate")
    is_error(c, st, json.loads(d), 405, "not allowed", "405")
    c.check(h.get("allow") == "POST", "Allow: POST (%r)" % h.get("allow"))
    st, h, d = s.request("POST", "/v1/ops", body=b"{}")
    c.check(st == 405 and h.get("allow") == "GET, HEAD", "Allow on GET route %r" % h.get("allow"))
    st, h, d = s.request("POST", "/v1/activate", body=b'{"op": "relu",\n "data": [1, 2,]}',
                         headers={"Content-Type": "application/json"})
    b = json.loads(d)
    is_error(c, st, b, 400, "byte offset", "malformed JSON")
    c.check("line 2" in b["error"], "malformed JSON names the line: %r" % b)
    st, h, d = s.request("POST", "/v1/activate", body=b'{"op":"relu","data":[1]}', headers={"Content-Type": "image/png"})
    is_error(c, st, json.loads(d), 415, "Content-Type", "415 content type")
    st, h, d = s.request("POST", "/v1/activate", body=b'{"op":"relu","data":[1]}',
                         headers={"Content-Type": "application/json", "Content-Encoding": "br"})
    is_error(c, st, json.loads(d), 415, "Content-Encoding", "415 encoding")
    st, b = s.json("POST", "/v1/activate", {"op": "leaky_relu", "params": {"slope": 1}, "data": [1]})
    is_error(c, st, b, 400, "unknown parameter 'slope'", "unknown param")
    st, b = s.json("POST", "/v1/activate", {"op": "hardtanh", "params": {"min_val": 2, "max_val": 1}, "data": [1]})
    is_error(c, st, b, 400, "min_val", "min_val >= max_val")
    st, b = s.json("POST", "/v1/activate", {"op": "softplus", "params": {"beta": 0}, "data": [1]})
    is_error(c, st, b, 400, "beta", "beta = 0 (open bound)")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [[1, 2], [3]]})
    is_error(c, st, b, 400, "ragged", "ragged nesting")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [1, "x"]})
    is_error(c, st, b, 400, "data[1]", "non-number position")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "shape": [2, 2], "data": [1, 2, 3]})
    is_error(c, st, b, 400, "shape", "shape/data mismatch")
    # a shape whose element count overflows is refused for what it is (the count was read
    # uninitialized into the message before)
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "shape": [4294967296, 4294967296, 16], "data": [1]})
    is_error(c, st, b, 400, "more elements than a tensor can hold", "overflowing shape")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "shape": [3, 2], "data": [[1, 2, 3], [4, 5, 6]]})
    is_error(c, st, b, 400, "nested", "nested disagrees with shape")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": list(range(101))})
    is_error(c, st, b, 400, "max-elements", "too many elements")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "dtype": "int8", "data": [1]})
    is_error(c, st, b, 400, "dtype", "bad dtype")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "device": "gpu:7", "data": [1]})
    is_error(c, st, b, 400, "unknown device", "bad device")
    st, b = s.json("POST", "/v1/activate", {"op": "prelu", "shape": [1, 2], "data": [1, 2], "weight": [1]})
    is_error(c, st, b, 400, "channels", "prelu weight count")
    st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [1], "grad_output": [1, 2]})
    is_error(c, st, b, 400, "grad_output", "grad_output count")
    st, b = s.json("POST", "/v1/activate", [1, 2])
    is_error(c, st, b, 400, "object", "body not an object")
    st, h, d = s.request("POST", "/v1/activate", body=b"", headers={"Content-Type": "application/json"})
    is_error(c, st, json.loads(d), 400, "empty", "empty body")
    # 413: the Content-Length is refused before the body is read (max-body is 4096 here)
    big = json.dumps({"op": "relu", "data": [1.0] * 2000}).encode()
    st, h, d = s.request("POST", "/v1/activate", body=big, headers={"Content-Type": "application/json"})
    is_error(c, st, json.loads(d), 413, "exceeds", "413 by Content-Length")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "INPUT0", "shape": [2], "datatype": "FP32", "data": [1, 2]}],
                    "parameters": {"negative_slope": 0.5}})
    is_error(c, st, b, 400, "unknown parameter", "v2 param for the wrong op")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "INPUT0", "shape": [3], "datatype": "FP32", "data": [1, 2]}]})
    is_error(c, st, b, 400, "shape describes 3", "v2 count mismatch")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "INT32", "data": [1]}]})
    is_error(c, st, b, 400, "datatype", "v2 datatype")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "X", "shape": [1], "datatype": "FP32", "data": [1]}]})
    is_error(c, st, b, 400, "unexpected input", "v2 input name")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "FP32", "data": [1]}],
                    "outputs": [{"name": "OUT"}]})
    is_error(c, st, b, 400, "unknown output", "v2 output name")
    st, b = s.json("POST", "/v2/models/relu/infer",
                   {"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "FP32", "data": [1]}],
                    "outputs": [{"name": "OUTPUT0"}, {"name": "OUTPUT0"}]})
    is_error(c, st, b, 400, "already requested", "v2 output requested twice (Triton refuses it)")
    st, b = s.json("POST", "/v2/models/relu/infer", {"inputs": "x"})
    is_error(c, st, b, 400, "inputs", "v2 inputs not an array")


def test_v2_json(c, s):
    st, b = s.json("GET", "/v2")
    c.check(st == 200 and b["name"] == "clrelu" and "statistics" in b["extensions"], "/v2 %r" % b)
    c.check(s.json("GET", "/v2/health/live") == (200, {"live": True}), "live body")
    c.check(s.json("GET", "/v2/health/ready") == (200, {"ready": True}), "ready body")
    st, b = s.json("GET", "/v2/models/relu/versions/1/ready")
    c.check(st == 200 and b["ready"] is True, "model ready")
    st, b = s.json("GET", "/v2/models/relu6/versions/1/config")
    c.check(st == 200 and b["name"] == "relu6" and b["output"][0]["name"] == "OUTPUT0", "versioned config")
    st, b = s.json("POST", "/v2/models/relu6/versions/1/infer",
                   {"id": "", "model_name": "relu6",
                    "inputs": [{"name": "INPUT0", "shape": [2, 2], "datatype": "FP64", "data": [[-1, 7], [3.5, 6.5]]}]})
    c.check(st == 200 and "id" not in b and b["model_name"] == "relu6", "empty id not echoed, unknown keys ignored")
    o = b["outputs"][0]
    c.check(o == {"name": "OUTPUT0", "datatype": "FP64", "shape": [2, 2], "data": [0, 6, 3.5, 6]}, "flat output %r" % o)
    st, b = s.json("GET", "/v2/models/relu6/stats")
    c.check(b["model_stats"][0]["inference_count"] >= 1, "per-model stats")
    st, b = s.json("GET", "/v2/models/relu6/versions/1/stats")
    c.check(st == 200 and len(b["model_stats"]) == 1 and "batch_stats" in b["model_stats"][0], "versioned stats")
    # the native route counts in the op model's statistics too (gelu_tanh is used nowhere else here)
    st, b = s.json("GET", "/v2/models/gelu_tanh/stats")
    before = b["model_stats"][0]
    for data in ([-1, 0.5], [[2, -2], [0, 1]]):
        st, _ = s.json("POST", "/v1/activate", {"op": "gelu_tanh", "data": data})
        c.check(st == 200, "gelu_tanh activate %d" % st)
    st, _ = s.json("POST", "/v1/activate", {"op": "gelu_tanh", "data": [1, "x"]})
    c.check(st == 400, "bad data 400")
    st, b = s.json("GET", "/v2/models/gelu_tanh/stats")
    after = b["model_stats"][0]
    c.check(after["inference_count"] - before["inference_count"] == 2
            and after["execution_count"] - before["execution_count"] == 2
            and after["inference_stats"]["success"]["count"] - before["inference_stats"]["success"]["count"] == 2
            and after["inference_stats"]["fail"]["count"] - before["inference_stats"]["fail"]["count"] == 1,
            "/v1/activate counted in the op model's stats: %r -> %r" % (before, after))


def test_metrics(c, s):
    st, h, d = s.request("GET", "/metrics")
    text = d.decode()
    c.check(st == 200 and h["content-type"].startswith("text/plain"), "metrics content type")
    c.check('clrelu_http_requests_total{route="/v1/activate",status="200"}' in text, "requests by route/status")
    c.check('clrelu_http_requests_total{route="/v1/activate",status="413"} 1' in text, "413 counted")
    c.check('clrelu_http_request_duration_seconds_bucket{route="/v1/activate",le="+Inf"}' in text, "histogram")
    # The gauge counts the /metrics request itself. An earlier request may still be finishing on
    # the server after its client had the reply (slow under TSan/valgrind), so the gauge reads
    # at least 1 every time and exactly 1 once those have finished.
    seen, deadline = [], time.monotonic() + 20
    while True:
        m = re.search(r"^clrelu_http_requests_in_flight (\d+)$", text, re.M)
        seen.append(int(m.group(1)) if m else None)
        if seen[-1] is None or seen[-1] < 1 or seen[-1] == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
        text = s.request("GET", "/metrics")[2].decode()
    c.check(seen[-1] == 1 and all(v is not None and v >= 1 for v in seen),
            "in-flight gauge counts this request (readings %s)" % seen[-8:])
    c.check('clrelu_device_kernel_seconds_total{device="host"}' in text, "device kernel time")
    runs = [line for line in text.splitlines() if line.startswith('clrelu_device_runs_total{device="host"}')]
    c.check(runs and int(runs[0].split()[-1]) > 10, "device run count %r" % runs)
    for fam in ("nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count",
                "nv_inference_exec_count", "nv_inference_request_duration_us", "nv_inference_queue_duration_us",
                "nv_inference_compute_infer_duration_us"):
        c.check('%s{model="relu6",version="1"}' % fam in text, fam)
    c.check('nv_inference_request_success{model="relu6",version="1"} 1' in text, "relu6 success count")
    c.check('nv_inference_request_failure{model="relu",version="1"} ' in text and
            'nv_inference_request_failure{model="relu",version="1"} 0' not in text, "relu failures counted")
    c.check("clrelu_http_request_bytes_total" in text and "clrelu_http_response_bytes_total" in text, "bytes")


def test_api_key(c):
    with Server("--api-key", "s3cret") as s:
        st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [1]})
        is_error(c, st, b, 401, "API key", "missing key")
        st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [1]}, headers={"X-API-Key": "wrong"})
        is_error(c, st, b, 401, "API key", "wrong key")
        st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1]}, headers={"Authorization": "Bearer s3cret"})
        c.check(st == 200 and b["data"] == [0], "bearer key accepted")
        st, b = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1]}, headers={"X-API-Key": "s3cret"})
        c.check(st == 200, "X-API-Key accepted")
        c.check(s.json("GET", "/v2/health/ready")[0] == 200, "health stays open")


def main():
    c = Checks()
    with Server("--max-body", "4096", "--max-elements", "100") as s:
        for t in (test_discovery, test_activate, test_errors, test_v2_json, test_metrics):
            c.run(t, s)
    c.run(test_api_key)
    c.finish()


if __name__ == "__main__":
    main()
