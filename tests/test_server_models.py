"""test_server_models.py: `clrelu serve --model-repository` — MLP models over KServe v2 (JSON, binary, raw) and the native API, with analysis, against a Python reference; their Triton statistics and nv_inference_* metrics."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks, Server  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "example")


def read_npy(path):
    """A float32 C-order .npy version 1.0 file → (shape, flat list)."""
    with open(path, "rb") as f:
        data = f.read()
    hlen = struct.unpack("<H", data[8:10])[0]
    header = eval(data[10:10 + hlen].decode("latin1"))  # a dict literal written by our own script
    assert header["descr"] == "<f4" and not header["fortran_order"]
    shape = header["shape"]
    n = 1
    for d in shape:
        n *= d
    return shape, list(struct.unpack("<%df" % n, data[10 + hlen:10 + hlen + 4 * n]))


def reference(x_rows):
    """The example model in float64 from its config and weights."""
    with open(os.path.join(EXAMPLE, "config.json")) as f:
        cfg = json.load(f)
    rows = [list(r) for r in x_rows]
    for layer in cfg["layers"]:
        (out_n, in_n), w = read_npy(os.path.join(EXAMPLE, layer["weight"]))
        _, b = read_npy(os.path.join(EXAMPLE, layer["bias"]))
        slope = layer.get("params", {}).get("negative_slope", 0.01)
        nxt = []
        for r in rows:
            z = [sum(r[k] * w[j * in_n + k] for k in range(in_n)) + b[j] for j in range(out_n)]
            if layer["activation"] == "relu":
                z = [v if v > 0 else 0.0 for v in z]
            elif layer["activation"] == "leaky_relu":
                z = [v if v > 0 else v * slope for v in z]
            nxt.append(z)
        rows = nxt
    return rows


X = [[0.1, 0.2, 0.3, 0.4], [-1.0, 0.5, 0.25, 0.9], [0.7, -0.3, -0.8, 0.05]]
FLAT = [v for r in X for v in r]


def close(got, want, tol=1e-5):
    flat_w = [v for r in want for v in r]
    return len(got) == len(flat_w) and all(abs(a - b) <= tol * (1 + abs(b)) for a, b in zip(got, flat_w))


def test_metadata(c, s):
    st, m = s.json("GET", "/v2/models/example")
    c.check(st == 200 and m["name"] == "example" and m["platform"] == "clrelu_mlp", "metadata %s %r" % (st, m))
    c.check(m["inputs"] == [{"name": "INPUT0", "datatype": "FP32", "shape": [-1, 4]}] and
            m["outputs"] == [{"name": "OUTPUT0", "datatype": "FP32", "shape": [-1, 3]}], "tensor metadata %r" % m)
    st, r = s.json("GET", "/v2/models/example/ready")
    c.check(st == 200 and r == {"name": "example", "ready": True}, "ready %r" % r)
    st, r = s.json("GET", "/v2/models/example/versions/1/ready")
    c.check(st == 200, "version 1 ready")
    st, r = s.json("GET", "/v2/models/example/versions/2")
    c.check(st == 404 and "version" in r["error"], "version 2 → 404 %r" % r)
    st, cfg = s.json("GET", "/v2/models/example/config")
    c.check(st == 200 and cfg["input"][0]["dims"] == [-1, 4] and cfg["output"][0]["data_type"] == "TYPE_FP32",
            "config %r" % cfg)
    c.check(cfg["parameters"]["layers"]["string_value"].startswith("4-16-8-3 relu"), "config layers %r" % cfg["parameters"])
    st, lst = s.json("GET", "/v1/models")
    c.check(st == 200 and [m["name"] for m in lst["models"]] == ["example"] and lst["models"][0]["inputs"] == 4,
            "model list %r" % lst)
    st, r = s.json("GET", "/v2/models/relu")
    c.check(st == 200 and r["name"] == "relu", "op models still served")
    st, r = s.json("GET", "/v2/models/nosuch")
    c.check(st == 404, "unknown model 404")


def test_infer_json(c, s):
    want = reference(X)
    body = {"id": "q1", "inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [3, 4], "data": FLAT}]}
    st, r = s.json("POST", "/v2/models/example/infer", body)
    c.check(st == 200 and r["id"] == "q1" and r["model_name"] == "example", "infer %s %r" % (st, r))
    o = r["outputs"][0]
    c.check(o["name"] == "OUTPUT0" and o["shape"] == [3, 3] and close(o["data"], want), "outputs %r want %r" % (o, want))
    # the response parameters say where the batch ran, as the native response's ran_on does
    c.check(r.get("parameters") == {"ran_on": "host"}, "ran_on, and no stats unless asked: %r" % r.get("parameters"))
    # an output requested twice is refused, as Triton does ("output already requested")
    st, r = s.json("POST", "/v2/models/example/infer", dict(body, outputs=[{"name": "OUTPUT0"}, {"name": "OUTPUT0"}]))
    c.check(st == 400 and "already requested" in r.get("error", ""), "duplicate output %s %r" % (st, r))
    # one sample of shape [4] gives shape [3]; FP64 input is converted
    body = {"inputs": [{"name": "INPUT0", "datatype": "FP64", "shape": [4], "data": X[0]}]}
    st, r = s.json("POST", "/v2/models/example/infer", body)
    c.check(st == 200 and r["outputs"][0]["shape"] == [3] and close(r["outputs"][0]["data"], want[:1]), "rank-1 %r" % r)
    # stats as a request parameter: a JSON string in the response parameters
    body = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [3, 4], "data": FLAT}],
            "parameters": {"stats": True}}
    st, r = s.json("POST", "/v2/models/example/infer", body)
    stats = json.loads(r["parameters"]["stats"])
    c.check(r["parameters"]["ran_on"] == "host", "ran_on next to stats %r" % r["parameters"])
    c.check(len(stats) == 3 and 5 in stats[0]["dead_units"] and stats[0]["active_rate"][5] == 0,
            "v2 stats: layer 0 unit 5 dead %r" % stats[0])
    pa = stats[0]["pre_activation"]
    c.check(sum(pa["histogram"]) + pa["below_histogram"] + pa["above_histogram"] == 3 * 16 and pa["min"] < -99 and
            pa["below_histogram"] >= 3 and pa["histogram_min"] > -10, "v2 stats histogram over a robust range %r" % pa)
    # errors
    bad = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [2, 3], "data": [0] * 6}]}
    st, r = s.json("POST", "/v2/models/example/infer", bad)
    c.check(st == 400 and "[N, 4]" in r["error"], "wrong shape → 400 %r" % r)
    bad = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [1, 4], "data": [0] * 4}], "parameters": {"nope": 1}}
    st, r = s.json("POST", "/v2/models/example/infer", bad)
    c.check(st == 400 and "nope" in r["error"], "unknown parameter → 400 %r" % r)


def test_infer_binary(c, s):
    want = reference(X)
    header = json.dumps({"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [3, 4],
                                     "parameters": {"binary_data_size": 48}}],
                         "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]}).encode()
    body = header + struct.pack("<12f", *FLAT)
    st, hdrs, data = s.request("POST", "/v2/models/example/infer", body,
                               {"Inference-Header-Content-Length": str(len(header)),
                                "Content-Type": "application/octet-stream"})
    n = int(hdrs.get("inference-header-content-length", "0"))
    r = json.loads(data[:n])
    ys = list(struct.unpack("<9f", data[n:]))
    c.check(st == 200 and r["outputs"][0]["parameters"]["binary_data_size"] == 36 and close(ys, want),
            "binary in and out %s %r %r" % (st, r, ys))
    # raw body: the whole body is INPUT0 as FP32 rows
    st, hdrs, data = s.request("POST", "/v2/models/example/infer", struct.pack("<12f", *FLAT),
                               {"Inference-Header-Content-Length": "0", "Content-Type": "application/octet-stream"})
    n = int(hdrs.get("inference-header-content-length", "0"))
    c.check(st == 200 and close(list(struct.unpack("<9f", data[n:])), want), "raw body %s" % st)


def test_native(c, s):
    want = reference(X)
    st, devs = s.json("GET", "/v1/devices")
    ids = [d["id"] for d in devs["devices"]]
    for dev in ids:
        st, r = s.json("POST", "/v1/models/example/infer", {"data": X, "device": dev, "stats": True})
        c.check(st == 200 and r["device"] == dev and r["shape"] == [3, 3] and close(r["data"], want),
                "native on %s: %s %r" % (dev, st, r))
        if st != 200:
            continue
        l0, l1 = r["stats"][0], r["stats"][1]
        c.check(l0["samples"] == 3 and 5 in l0["dead_units"] and l0["activation"] == "relu" and len(l0["active_rate"]) == 16,
                "native stats layer 0 on %s %r" % (dev, l0))
        zeros = sum(1 for row in reference_hidden(X) for v in row if v == 0) / 48.0
        c.check(abs(l0["zero_fraction"] - zeros) < 1e-9, "zero fraction %r want %r" % (l0["zero_fraction"], zeros))
        c.check(l1["in"] == 16 and l1["out"] == 8, "layer 1 sizes")
    st, r = s.json("POST", "/v1/models/example/infer", {"data": FLAT, "shape": [3, 4]})
    c.check(st == 200 and "stats" not in r and close(r["data"], want), "flat data with shape, no stats")
    st, r = s.json("POST", "/v1/models/nosuch/infer", {"data": X})
    c.check(st == 404 and "nosuch" in r["error"], "unknown native model 404")
    st, r = s.json("POST", "/v1/models/example/infer", {"data": [[1, 2, 3]]})
    c.check(st == 400, "native wrong width 400")
    st, r = s.json("POST", "/v1/models/example/infer", {"data": X, "stats": "yes"})
    c.check(st == 400, "native stats must be a boolean")


def reference_hidden(x_rows):
    """Layer 0's relu outputs of the example model."""
    (out_n, in_n), w = read_npy(os.path.join(EXAMPLE, "w0.npy"))
    _, b = read_npy(os.path.join(EXAMPLE, "b0.npy"))
    return [[max(0.0, sum(r[k] * w[j * in_n + k] for k in range(in_n)) + b[j]) for j in range(out_n)] for r in x_rows]


def metric(text, name, model):
    """The value of one nv_inference_* series for model (None when absent)."""
    m = re.search(r'^%s\{model="%s",version="1"\} (\d+)$' % (re.escape(name), re.escape(model)), text, re.M)
    return int(m.group(1)) if m else None


def device_runs(s):
    """clrelu_device_runs_total summed over the devices."""
    _, _, text = s.request("GET", "/metrics")
    return sum(int(v) for v in re.findall(r'^clrelu_device_runs_total\{device="[^"]*"\} (\d+)$', text.decode(), re.M))


def test_stats_and_metrics(c, s):
    """On a fresh server: 5 executions of 3+3+1+3+5 rows via v2 and native, 3 failures → exact counts."""
    runs0 = device_runs(s)
    st, r = s.json("GET", "/v2/models/example/stats")
    m0 = r["model_stats"][0] if st == 200 and r["model_stats"] else {}
    c.check(st == 200 and m0.get("name") == "example" and m0.get("inference_count") == 0 and
            m0.get("execution_count") == 0 and m0.get("batch_stats") == [] and m0.get("last_inference") == 0,
            "stats of an unused model: %s %r" % (st, r))
    v2 = lambda shape, data: {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": shape, "data": data}]}
    ok = [s.json("POST", "/v2/models/example/infer", v2([3, 4], FLAT))[0],
          s.json("POST", "/v2/models/example/versions/1/infer", v2([3, 4], FLAT))[0],
          s.json("POST", "/v2/models/example/infer", v2([4], X[0]))[0],
          s.json("POST", "/v1/models/example/infer", {"data": X, "stats": True})[0],
          s.json("POST", "/v1/models/example/infer", {"data": X + X[:2]})[0]]
    c.check(ok == [200] * 5, "five successful inferences %r" % ok)
    bad = [s.json("POST", "/v2/models/example/infer", v2([2, 3], [0] * 6))[0],
           s.json("POST", "/v1/models/example/infer", {"data": [[1, 2, 3]]})[0],
           s.request("POST", "/v1/models/example/infer", b"{not json", {"Content-Type": "application/json"})[0]]
    c.check(bad == [400] * 3, "three failed inferences %r" % bad)
    st, _ = s.json("POST", "/v1/models/nosuch/infer", {"data": X})
    c.check(st == 404, "unknown model is nobody's failure")
    st, _ = s.json("POST", "/v2/models/relu/infer", v2([4], [-1, 0, 1, 2]))
    c.check(st == 200, "one op model inference")

    st, r = s.json("GET", "/v2/models/example/stats")
    m = r["model_stats"][0]
    inf = m["inference_stats"]
    c.check(m["inference_count"] == 15 and m["execution_count"] == 5, "inference_count = rows (15), execution_count 5: %r" % m)
    c.check(inf["success"]["count"] == 5 and inf["fail"]["count"] == 3 and inf["success"]["ns"] > 0 and inf["fail"]["ns"] > 0,
            "success 5, fail 3: %r" % inf)
    c.check(all(inf[k]["count"] == 5 for k in ("queue", "compute_input", "compute_infer", "compute_output")),
            "queue and compute counts are executions: %r" % inf)
    c.check(inf["compute_input"]["ns"] > 0 and inf["compute_output"]["ns"] > 0 and
            inf["success"]["ns"] >= inf["compute_input"]["ns"] + inf["compute_output"]["ns"], "durations add up %r" % inf)
    c.check(m["last_inference"] > 1.6e12, "last_inference is a wall clock in ms %r" % m["last_inference"])
    batches = {b["batch_size"]: b["compute_infer"]["count"] for b in m["batch_stats"]}
    c.check(batches == {3: 3, 1: 1, 5: 1}, "batch_stats per batch size %r" % m["batch_stats"])
    st, r1 = s.json("GET", "/v2/models/example/versions/1/stats")
    c.check(st == 200 and r1["model_stats"][0]["execution_count"] == 5, "versioned stats %r" % r1)
    st, r2 = s.json("GET", "/v2/models/example/versions/2/stats")
    c.check(st == 404 and "version" in r2["error"], "version 2 stats → 404 %r" % r2)
    st, r2 = s.json("GET", "/v2/models/nosuch/stats")
    c.check(st == 404 and "nosuch" in r2["error"], "unknown model stats → 404 %r" % r2)
    st, ops = s.json("GET", "/v1/ops")
    st, allst = s.json("GET", "/v2/models/stats")
    by = {e["name"]: e for e in allst["model_stats"]}
    c.check([e["name"] for e in allst["model_stats"]] == [o["name"] for o in ops["ops"]] + ["example"],
            "all models: every op, then the MLP model %r" % list(by))
    c.check(by["example"]["inference_count"] == 15 and by["example"]["execution_count"] == 5, "example in the list")
    c.check(by["relu"]["inference_count"] == 1 and by["relu"]["execution_count"] == 1, "the op model counts apart %r" % by["relu"])

    runs = device_runs(s) - runs0
    c.check(runs == 6, "clrelu_device_runs_total: 5 model forward passes + 1 op run, got %d" % runs)
    st, _, text = s.request("GET", "/metrics")
    text = text.decode()
    want = {"nv_inference_request_success": 5, "nv_inference_request_failure": 3, "nv_inference_count": 15,
            "nv_inference_exec_count": 5}
    got = {k: metric(text, k, "example") for k in want}
    c.check(got == want, "nv_inference_* for example %r" % got)
    c.check(metric(text, "nv_inference_count", "relu") == 1 and metric(text, "nv_inference_exec_count", "relu") == 1,
            "relu series unchanged by the model")
    dur = metric(text, "nv_inference_request_duration_us", "example")
    c.check(dur is not None and dur * 1000 <= inf["success"]["ns"] + inf["fail"]["ns"] < (dur + 1) * 1000,
            "request duration (us) is success+fail ns: %r" % dur)
    for k in ("queue", "compute_input", "compute_infer", "compute_output"):
        v = metric(text, "nv_inference_%s_duration_us" % k, "example")
        c.check(v == inf[k]["ns"] // 1000, "nv_inference_%s_duration_us %r vs %r ns" % (k, v, inf[k]["ns"]))


def test_bad_repository(c):
    """A model with a broken shape stops the start with a message naming it; so does an op's name."""
    with tempfile.TemporaryDirectory() as repo:
        shutil.copytree(EXAMPLE, os.path.join(repo, "broken"))
        with open(os.path.join(repo, "broken", "config.json")) as f:
            cfg = json.load(f)
        cfg["layers"][1]["in"] = 15
        with open(os.path.join(repo, "broken", "config.json"), "w") as f:
            json.dump(cfg, f)
        p = subprocess.run([BIN, "serve", "--port", "0", "--no-opencl", "--model-repository", repo], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 1 and "broken" in p.stderr and "in = 15" in p.stderr, "broken model: %d %s" % (p.returncode, p.stderr))
        shutil.rmtree(os.path.join(repo, "broken"))
        shutil.copytree(EXAMPLE, os.path.join(repo, "relu"))
        p = subprocess.run([BIN, "serve", "--port", "0", "--no-opencl", "--model-repository", repo], capture_output=True,
                           text=True, timeout=60)
        c.check(p.returncode == 1 and "op's name" in p.stderr, "model named like an op: %d %s" % (p.returncode, p.stderr))


def main():
    c = Checks()
    with tempfile.TemporaryDirectory() as repo:
        shutil.copytree(EXAMPLE, os.path.join(repo, "example"))
        with Server("--model-repository", repo) as s:
            for t in (test_metadata, test_infer_json, test_infer_binary, test_native):
                c.run(t, s)
        with Server("--model-repository", repo) as s:  # a fresh server: the counts start at 0
            c.run(test_stats_and_metrics, s)
    c.run(test_bad_repository)
    c.finish()


if __name__ == "__main__":
    main()
