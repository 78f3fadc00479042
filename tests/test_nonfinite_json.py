#!/usr/bin/env python3
"""test_nonfinite_json.py: NaN, Infinity and -Infinity as Python's json and tritonclient write them
(bare tokens) in KServe v2 and native tensor data, the output form of each API, literals outside the
double range refused with the element's index, and tensor JSON nested up to 100 levels as Triton
allows (issue 15, items 2 and 7)."""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402

NAN, INF = float("nan"), float("inf")


def same(a, b):
    """Element-wise equality with NaN == NaN and the sign of zero ignored."""
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


def relu(xs):
    return [x if math.isnan(x) or x > 0 else 0.0 for x in xs]


def v2_body(data, shape, datatype="FP32"):
    return {"inputs": [{"name": "INPUT0", "shape": shape, "datatype": datatype, "data": data}]}


def post_raw(srv, path, text):
    st, _, body = srv.request("POST", path, text.encode(), {"Content-Type": "application/json"})
    return st, body


def test_v2_bare_tokens(c, srv):
    short = [NAN, INF, -INF, -1.0, 2.0]                      # under the codec's packing size: cJSON path
    long_ = [NAN, INF, -INF] + [0.5 * i - 20 for i in range(60)]  # the fast codec path
    for name, xs in (("short", short), ("long", long_)):
        text = json.dumps(v2_body(xs, [len(xs)]))
        c.check("NaN" in text and '"NaN"' not in text, "python's json writes bare tokens")
        for dt in ("FP32", "FP64"):
            st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(xs, [len(xs)], dt)))
            if not c.check(st == 200, "%s %s bare NaN/Infinity accepted: %d %r" % (name, dt, st, body[:200])):
                continue
            # the v2 response writes bare tokens, as Triton does: Python's json reads them as floats
            c.check(b"NaN" in body and b'"NaN"' not in body and b"Infinity" in body,
                    "%s %s response spells non-finite values as bare tokens: %r" % (name, dt, body[:200]))
            out = json.loads(body)["outputs"][0]["data"]
            c.check(all(isinstance(v, (int, float)) for v in out), "%s %s: json.loads gives numbers" % (name, dt))
            c.check(same(out, relu(xs)), "%s %s relu(NaN)=NaN, relu(inf)=inf, relu(-inf)=0: %r" % (name, dt, out[:5]))
    # nested, and in a second-level array
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body([[NAN, -INF], [INF, -3.0]], [2, 2])))
    c.check(st == 200 and same(json.loads(body)["outputs"][0]["data"], [NAN, 0.0, INF, 0.0]),
            "nested bare tokens: %d %r" % (st, body[:200]))
    # the strings stay accepted
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(["NaN", "-Infinity", 1], [3])))
    c.check(st == 200 and same(json.loads(body)["outputs"][0]["data"], [NAN, 0.0, 1.0]), "strings still accepted")
    # an error elsewhere in an array with bare tokens still names its position, not a byte offset
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body([[NAN, 1.0], [2.0]], [2, 2])))
    c.check(st == 400 and b"ragged" in body, "ragged data with NaN: %d %r" % (st, body))
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body([NAN, "x"], [2])))
    c.check(st == 400 and b"data[1]" in body, "a non-number beside NaN named by index: %d %r" % (st, body))
    # a bare token outside tensor data is still malformed JSON with its byte offset
    text = '{"id": NaN, "inputs": [{"name": "INPUT0", "shape": [1], "datatype": "FP32", "data": [1]}]}'
    st, body = post_raw(srv, "/v2/models/relu/infer", text)
    c.check(st == 400 and b"byte offset 7" in body, "bare NaN outside tensor data: %d %r" % (st, body))
    # a malformed token beside a good one
    st, body = post_raw(srv, "/v2/models/relu/infer", text.replace('"id": NaN, ', '').replace("[1]}", "[NaN, Nan]}"))
    c.check(st == 400 and b"malformed JSON" in body, "misspelt token refused: %d %r" % (st, body))


def test_out_of_range_literals(c, srv):
    for lit in ("1e999", "-1e999", "1.8e308"):
        for n in (3, 40):  # the cJSON path and the codec path
            vals = ["1.5"] * n
            vals[2] = lit
            text = '{"inputs": [{"name": "INPUT0", "shape": [%d], "datatype": "FP64", "data": [%s]}]}' % (n, ", ".join(vals))
            st, body = post_raw(srv, "/v2/models/relu/infer", text)
            c.check(st == 400 and b"inputs[INPUT0].data[2]" in body and b"outside the range" in body,
                    "v2 %s at index 2 of %d: %d %r" % (lit, n, st, body))
            st, body = post_raw(srv, "/v1/activate", '{"op": "relu", "data": [%s]}' % ", ".join(vals))
            c.check(st == 400 and b"data[2]" in body and b"outside the range" in body,
                    "native %s at index 2 of %d: %d %r" % (lit, n, st, body))
    st, body = post_raw(srv, "/v1/activate", '{"op": "relu", "data": [[1, 2], [3, 1e999]]}')
    c.check(st == 400 and b"data[1][1]" in body, "nested out-of-range literal named by its index: %d %r" % (st, body))
    # the largest double and an underflow to zero are fine
    st, body = post_raw(srv, "/v1/activate", '{"op": "relu", "dtype": "float64", "data": [1.7976931348623157e308, 1e-999]}')
    c.check(st == 200 and json.loads(body)["data"] == [1.7976931348623157e308, 0], "DBL_MAX and 1e-999: %d %r" % (st, body))


def test_native(c, srv):
    xs = [NAN, INF, -INF, -1.0, 2.0]
    for data in (xs, xs * 12, [xs[:2], xs[2:4]]):
        st, r = srv.json("POST", "/v1/activate", {"op": "relu", "data": data})
        flat = list(np.ravel(np.array(data, dtype=object)).astype(float))
        if not c.check(st == 200, "native bare tokens accepted: %d %r" % (st, r)):
            continue
        # the native API keeps valid JSON (the page reads it with JSON.parse): strings
        out = r["data"]
        c.check("NaN" in out and "Infinity" in out, "native response spells non-finite values as strings: %r" % out[:5])
        c.check(same([float(v) for v in out], relu(flat)), "native relu of NaN/inf: %r" % out[:5])
    st, r = srv.json("POST", "/v1/activate", {"op": "relu", "data": [1.0, -2.0], "grad_output": [NAN, INF]})
    c.check(st == 200, "bare tokens in grad_output: %d %r" % (st, r))
    st, r = srv.json("POST", "/v1/activate", {"op": "prelu", "data": [[-1.0, -2.0]], "weight": [INF, 0.5]})
    c.check(st == 200 and [float(v) for v in r["data"]] == [-INF, -1.0], "bare tokens in weight: %d %r" % (st, r))


def test_tritonclient_json_mode(c, srv):
    try:
        import tritonclient.http as httpclient
    except ImportError:
        print("tritonclient not installed: JSON-mode client check skipped")
        return
    client = httpclient.InferenceServerClient(srv.url)
    x = np.array([NAN, INF, -INF, -1.5, 0.0, 3.25] * 10, dtype=np.float32)
    for dt, npdt in (("FP32", np.float32), ("FP64", np.float64)):
        inp = httpclient.InferInput("INPUT0", [x.size], dt)
        inp.set_data_from_numpy(x.astype(npdt), binary_data=False)
        out = httpclient.InferRequestedOutput("OUTPUT0", binary_data=False)
        y = client.infer("relu", [inp], outputs=[out]).as_numpy("OUTPUT0")
        want = np.where(np.isnan(x) | (x > 0), x, 0).astype(npdt)
        c.check(y is not None and y.dtype == npdt and np.array_equal(y, want, equal_nan=True),
                "tritonclient JSON mode %s round trip of NaN/inf: %r" % (dt, y[:6] if y is not None else None))
    client.close()


def nest(x, depth):
    for _ in range(depth):
        x = [x]
    return x


def test_nesting(c, srv):
    # Triton accepts tensor JSON nested 100 deep; the rank limit is the same 100
    for depth in (33, 100):
        st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(nest(-2.5, depth), [1] * depth)))
        c.check(st == 200 and json.loads(body)["outputs"][0]["data"] == [0] and
                json.loads(body)["outputs"][0]["shape"] == [1] * depth, "v2 data nested %d deep: %d %r" % (depth, st, body[:120]))
        st, r = srv.json("POST", "/v1/activate", {"op": "relu", "data": nest(3.0, depth)})
        c.check(st == 200 and r["data"] == [3] and r["shape"] == [1] * depth, "native data nested %d deep: %d" % (depth, st))
    # a rank-100 tensor of more than one element, nested 100 deep, through both parsers
    data = nest([[1.0, -1.0], [NAN, -INF]], 98)
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(data, [1] * 98 + [2, 2])))
    c.check(st == 200 and same(json.loads(body)["outputs"][0]["data"], [1.0, 0.0, NAN, 0.0]), "rank 100 [..,2,2]: %d" % st)
    st, r = srv.json("POST", "/v1/activate", {"op": "prelu", "data": nest([[-1.0, -2.0], [-3.0, 4.0]], 98),
                                              "weight": [0.5]})
    c.check(st == 200 and r["data"] == [-0.5, -1, -1.5, 4], "prelu on a rank-100 tensor: %d %r" % (st, r))
    # deeper than 100: refused with the limit named
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(nest(1.0, 101), [1] * 100)))
    c.check(st == 400 and b"100" in body, "v2 data nested 101 deep refused naming the limit: %d %r" % (st, body))
    st, body = post_raw(srv, "/v2/models/relu/infer", json.dumps(v2_body(nest(1.0, 101), [1] * 101)))
    c.check(st == 400 and b"more than 100 dimensions" in body, "a rank-101 shape refused naming the limit: %d %r" % (st, body))
    st, body = post_raw(srv, "/v1/activate", json.dumps({"op": "relu", "data": nest(1.0, 101)}))
    c.check(st == 400 and b"nested more than 100 deep" in body, "native data nested 101 deep: %d %r" % (st, body))


def main():
    c = Checks()
    with Server() as srv:
        for t in (test_v2_bare_tokens, test_out_of_range_literals, test_native, test_tritonclient_json_mode, test_nesting):
            c.run(t, srv)
    c.finish()


if __name__ == "__main__":
    main()
