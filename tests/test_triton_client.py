"""test_triton_client.py: unmodified tritonclient.http against `clrelu serve` (binary and JSON modes, FP32/FP64/FP16, metadata, config, statistics)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402

import tritonclient.http as httpclient  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402


def relu(x):
    return np.where(x < 0, np.zeros_like(x), x)


def infer(client, model, x, binary_in, binary_out, params=None, outputs=True, request_id=""):
    dt = {np.float32: "FP32", np.float64: "FP64", np.float16: "FP16"}[x.dtype.type]
    inp = httpclient.InferInput("INPUT0", list(x.shape), dt)
    inp.set_data_from_numpy(x, binary_data=binary_in)
    outs = [httpclient.InferRequestedOutput("OUTPUT0", binary_data=binary_out)] if outputs else None
    return client.infer(model, [inp], outputs=outs, parameters=params, request_id=request_id)


def test_health_and_metadata(c, client):
    c.check(client.is_server_live(), "server live")
    c.check(client.is_server_ready(), "server ready")
    c.check(client.is_model_ready("relu"), "relu ready")
    c.check(not client.is_model_ready("no_such_model"), "unknown model not ready")
    meta = client.get_server_metadata()
    c.check(meta["name"] == "clrelu" and "binary_tensor_data" in meta["extensions"], "server metadata %r" % meta)
    mm = client.get_model_metadata("leaky_relu")
    c.check(mm["name"] == "leaky_relu" and mm["versions"] == ["1"], "model metadata %r" % mm)
    c.check(mm["inputs"][0]["name"] == "INPUT0" and mm["outputs"][0]["name"] == "OUTPUT0", "tensor names")
    c.check(mm["inputs"][0]["shape"] == [-1], "variable shape")
    pm = client.get_model_metadata("prelu", "1")
    c.check([i["name"] for i in pm["inputs"]] == ["INPUT0", "WEIGHT"], "prelu inputs %r" % pm["inputs"])
    cfg = client.get_model_config("relu")
    c.check(cfg["name"] == "relu" and cfg["max_batch_size"] == 0, "config %r" % cfg)
    c.check(cfg["input"][0]["data_type"] == "TYPE_FP32" and cfg["input"][0]["dims"] == [-1], "config input")
    try:
        client.get_model_metadata("no_such_model")
        c.check(False, "unknown model metadata must raise")
    except InferenceServerException as e:
        c.check("unknown model" in str(e), "error message is read from the body: %s" % e)


def test_fp32_modes(c, client):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(1000).astype(np.float32)
    for bin_in in (True, False):
        for bin_out in (True, False):
            r = infer(client, "relu", x, bin_in, bin_out)
            y = r.as_numpy("OUTPUT0")
            c.check(y is not None and y.dtype == np.float32 and np.array_equal(y, relu(x)),
                    "relu fp32 binary_in=%s binary_out=%s" % (bin_in, bin_out))
    r = infer(client, "relu", x, True, True, outputs=False)
    c.check(np.array_equal(r.as_numpy("OUTPUT0"), relu(x)), "no outputs list → all outputs")
    x2 = rng.standard_normal((4, 5)).astype(np.float32)
    r = infer(client, "relu", x2, False, False, request_id="req-7")
    y2 = r.as_numpy("OUTPUT0")
    c.check(y2.shape == (4, 5) and np.array_equal(y2, relu(x2)), "2-D JSON shape kept")
    c.check(r.get_response()["id"] == "req-7" and r.get_response()["model_name"] == "relu", "id echoed, model_name")


def test_fp64_fp16(c, client):
    rng = np.random.default_rng(2)
    x64 = rng.standard_normal(257)
    for bin_out in (True, False):
        y = infer(client, "relu", x64, True, bin_out).as_numpy("OUTPUT0")
        c.check(y.dtype == np.float64 and np.array_equal(y, relu(x64)), "fp64 binary_out=%s" % bin_out)
    y = infer(client, "relu", x64, False, False).as_numpy("OUTPUT0")
    c.check(np.array_equal(y, relu(x64)), "fp64 JSON both ways round-trips exactly")
    x16 = rng.standard_normal(333).astype(np.float16)
    y16 = infer(client, "relu", x16, True, True).as_numpy("OUTPUT0")
    c.check(y16.dtype == np.float16 and np.array_equal(y16, relu(x16)), "fp16 binary")
    try:
        infer(client, "relu", x16, False, True)
        c.check(False, "fp16 as JSON must fail")
    except InferenceServerException as e:
        c.check("binary" in str(e), "fp16 JSON rejected: %s" % e)


def test_parameters(c, client):
    x = np.array([-2.0, -0.5, 0.0, 3.0], dtype=np.float32)
    y = infer(client, "leaky_relu", x, True, True, params={"negative_slope": 0.2}).as_numpy("OUTPUT0")
    want = np.where(x > 0, x, x * np.float32(0.2)).astype(np.float32)
    c.check(np.array_equal(y, want), "leaky_relu negative_slope=0.2: %r" % y)
    y = infer(client, "leaky_relu", x, False, False).as_numpy("OUTPUT0")
    c.check(np.array_equal(y, np.where(x > 0, x, x * np.float32(0.01)).astype(np.float32)), "default slope")
    for bad in ({"negative_slop": 0.2}, {"min_val": 1}):
        try:
            infer(client, "leaky_relu", x, True, True, params=bad)
            c.check(False, "unknown parameter %r must fail" % bad)
        except InferenceServerException as e:
            c.check("unknown parameter" in str(e), "400 for %r: %s" % (bad, e))
    try:
        infer(client, "elu", x, True, True, params={"alpha": -1.0})
        c.check(False, "out-of-range alpha must fail")
    except InferenceServerException as e:
        c.check("out of range" in str(e), "out of range: %s" % e)
    # prelu: two inputs, one slope per channel (axis 1)
    xp = np.array([[-1.0, -1.0, 2.0], [-4.0, 5.0, -6.0]], dtype=np.float32).reshape(2, 3)
    w = np.array([0.5, 0.25, 2.0], dtype=np.float32)
    i0 = httpclient.InferInput("INPUT0", [2, 3], "FP32")
    i0.set_data_from_numpy(xp)
    i1 = httpclient.InferInput("WEIGHT", [3], "FP32")
    i1.set_data_from_numpy(w)
    y = client.infer("prelu", [i0, i1]).as_numpy("OUTPUT0")
    c.check(np.array_equal(y, np.where(xp > 0, xp, xp * w)), "prelu per channel: %r" % y)


def test_statistics(c, client):
    before = client.get_inference_statistics("tanh")["model_stats"][0]
    x = np.linspace(-3, 3, 64, dtype=np.float32)
    for _ in range(3):
        y = infer(client, "tanh", x, True, True).as_numpy("OUTPUT0")
    c.check(np.allclose(y, np.tanh(x), rtol=2e-6, atol=1e-6), "tanh values")
    st = client.get_inference_statistics("tanh")["model_stats"][0]
    c.check(st["name"] == "tanh" and st["version"] == "1", "stats name/version")
    c.check(st["inference_count"] - before["inference_count"] == 3, "inference_count +3")
    c.check(st["execution_count"] - before["execution_count"] == 3, "execution_count +3")
    s = st["inference_stats"]
    for k in ("success", "fail", "queue", "compute_input", "compute_infer", "compute_output", "cache_hit", "cache_miss"):
        c.check(k in s and "count" in s[k] and "ns" in s[k], "inference_stats.%s" % k)
    c.check(s["success"]["count"] - before["inference_stats"]["success"]["count"] == 3, "success +3")
    c.check(s["success"]["ns"] > 0 and st["last_inference"] > 0, "durations and last_inference")
    allst = client.get_inference_statistics()
    c.check(len(allst["model_stats"]) >= 13, "stats of every model")


def main():
    c = Checks()
    with Server() as srv:
        for kw in ({}, {"concurrency": 4}):
            client = httpclient.InferenceServerClient(srv.url, **kw)
            for t in (test_health_and_metadata, test_fp32_modes, test_fp64_fp16, test_parameters, test_statistics):
                c.run(t, client)
            client.close()
        # compressed requests and responses through the client's own options
        client = httpclient.InferenceServerClient(srv.url)
        x = np.random.default_rng(3).standard_normal(4096).astype(np.float32)
        for alg in ("gzip", "deflate"):
            inp = httpclient.InferInput("INPUT0", [4096], "FP32")
            inp.set_data_from_numpy(x)
            r = client.infer("relu", [inp], request_compression_algorithm=alg, response_compression_algorithm=alg)
            c.check(np.array_equal(r.as_numpy("OUTPUT0"), relu(x)), "tritonclient %s both ways" % alg)
        client.close()
    c.finish()


if __name__ == "__main__":
    main()
