"""test_server_binary.py: Triton binary tensor data by hand (both directions, raw form, bad sizes) and gzip/deflate bodies and responses."""
import gzip
import json
import os
import struct
import sys
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server, decode  # noqa: E402


def binary_request(header, *tensors):
    h = json.dumps(header).encode()
    return h + b"".join(t.tobytes() for t in tensors), {"Inference-Header-Content-Length": str(len(h)),
                                                        "Content-Type": "application/octet-stream"}


def split_response(hdrs, data):
    n = int(hdrs["inference-header-content-length"])
    return json.loads(data[:n]), data[n:]


def bf16_bits(x):
    """float32 → bfloat16 bit patterns, round to nearest even (as the library does)."""
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return r


def test_binary_both_ways(c, s):
    x = np.array([-3.5, -0.0, 0.0, 1.25, 7.0], dtype=np.float32)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [5], "datatype": "FP32",
                                          "parameters": {"binary_data_size": 20}}],
                              "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]}, x)
    st, hdrs, data = s.request("POST", "/v2/models/relu6/infer", body, h)
    c.check(st == 200 and hdrs["content-type"] == "application/octet-stream", "binary response %s %r" % (st, hdrs))
    head, tail = split_response(hdrs, data)
    o = head["outputs"][0]
    c.check(o["parameters"] == {"binary_data_size": 20} and "data" not in o and o["shape"] == [5], "header %r" % o)
    y = np.frombuffer(tail, dtype=np.float32)
    c.check(np.array_equal(y, np.minimum(np.maximum(x, 0), 6)), "relu6 binary values %r" % y)
    # binary in, JSON out (no outputs list, no binary_data_output)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [5], "datatype": "FP32",
                                          "parameters": {"binary_data_size": 20}}]}, x)
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", body, h)
    r = json.loads(data)
    c.check(st == 200 and hdrs["content-type"] == "application/json" and r["outputs"][0]["data"] == [0, 0, 0, 1.25, 7],
            "binary in, JSON out %r" % r)
    # JSON in, binary out via request-level binary_data_output; Inference-Header-Content-Length on a pure-JSON body
    h0 = json.dumps({"parameters": {"binary_data_output": True},
                     "inputs": [{"name": "INPUT0", "shape": [2], "datatype": "FP64", "data": [-1, 2.5]}]}).encode()
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", h0, {"Inference-Header-Content-Length": str(len(h0))})
    head, tail = split_response(hdrs, data)
    c.check(np.array_equal(np.frombuffer(tail, np.float64), [0, 2.5]), "binary_data_output FP64")
    # BF16 and FP16 binary
    xb = np.array([-1.0, 0.5, 3.0, -0.25], dtype=np.float32)
    bits = bf16_bits(xb)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [4], "datatype": "BF16",
                                          "parameters": {"binary_data_size": 8}}],
                              "parameters": {"binary_data_output": True}}, bits)
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", body, h)
    head, tail = split_response(hdrs, data)
    c.check(head["outputs"][0]["datatype"] == "BF16" and list(np.frombuffer(tail, np.uint16)) == list(bf16_bits(np.maximum(xb, 0))),
            "BF16 binary round trip")
    # prelu: two binary inputs in order
    xp = np.array([[-2, 4], [-8, 1]], dtype=np.float32)
    w = np.array([0.5, 0.25], dtype=np.float32)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [2, 2], "datatype": "FP32", "parameters": {"binary_data_size": 16}},
                                         {"name": "WEIGHT", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}}],
                              "parameters": {"binary_data_output": True}}, xp, w)
    st, hdrs, data = s.request("POST", "/v2/models/prelu/infer", body, h)
    head, tail = split_response(hdrs, data)
    c.check(np.array_equal(np.frombuffer(tail, np.float32).reshape(2, 2), np.where(xp > 0, xp, xp * w)), "prelu binary")
    # backward through GRAD_OUTPUT
    g = np.ones(5, dtype=np.float32)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [5], "datatype": "FP32", "parameters": {"binary_data_size": 20}},
                                         {"name": "GRAD_OUTPUT", "shape": [5], "datatype": "FP32", "parameters": {"binary_data_size": 20}}],
                              "parameters": {"binary_data_output": True}}, x, g * 3)
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", body, h)
    head, tail = split_response(hdrs, data)
    c.check(list(np.frombuffer(tail, np.float32)) == [0, 0, 0, 3, 3], "relu backward via GRAD_OUTPUT")


def test_raw_single_input(c, s):
    x = np.array([-1, 2, -3, 4], dtype=np.float32)
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", x.tobytes(),
                               {"Inference-Header-Content-Length": "0", "Content-Type": "application/octet-stream"})
    head, tail = split_response(hdrs, data)
    c.check(st == 200 and head["outputs"][0]["shape"] == [4] and list(np.frombuffer(tail, np.float32)) == [0, 2, 0, 4],
            "raw single-input body")
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", b"abc", {"Inference-Header-Content-Length": "0"})
    c.check(st == 400 and "whole number" in json.loads(data)["error"], "raw body of 3 bytes")


def test_binary_errors(c, s):
    x = np.zeros(4, dtype=np.float32)
    for size, extra, want in ((12, b"", "binary_data_size must be 16"), (16, b"xx", "follow the header"),
                              (16, None, "truncated")):
        body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [4], "datatype": "FP32",
                                              "parameters": {"binary_data_size": size}}]}, x)
        if extra is None:
            body = body[:-4]
        else:
            body += extra
        st, hdrs, data = s.request("POST", "/v2/models/relu/infer", body, h)
        c.check(st == 400 and want in json.loads(data)["error"], "binary error %r: %s %r" % (want, st, data))
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", b"{}", {"Inference-Header-Content-Length": "99"})
    c.check(st == 400 and "exceeds" in json.loads(data)["error"], "header length past the body")
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", b"{}", {"Inference-Header-Content-Length": "-1"})
    c.check(st == 400, "negative header length")
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer",
                               json.dumps({"inputs": [{"name": "INPUT0", "shape": [1], "datatype": "FP16", "data": [1]}]}).encode())
    c.check(st == 400 and "binary" in json.loads(data)["error"], "FP16 in JSON is 400")


def test_compression(c, s):
    req = json.dumps({"op": "relu", "data": [-1.0, 2.0] * 200}).encode()
    for enc, fn in (("gzip", gzip.compress), ("deflate", zlib.compress),
                    ("deflate", lambda b: zlib.compress(b)[2:-4])):  # raw deflate, as some clients send it
        st, hdrs, data = s.request("POST", "/v1/activate", fn(req), {"Content-Type": "application/json", "Content-Encoding": enc})
        r = json.loads(data)
        c.check(st == 200 and r["data"][:4] == [0, 2, 0, 2], "%s request body" % enc)
    for enc in ("gzip", "deflate"):
        st, hdrs, data = s.request("POST", "/v1/activate", req, {"Content-Type": "application/json", "Accept-Encoding": enc})
        c.check(hdrs.get("content-encoding") == enc, "%s response header %r" % (enc, hdrs.get("content-encoding")))
        r = json.loads(decode(data, enc))
        c.check(r["data"][:2] == [0, 2] and len(r["data"]) == 400, "%s response body" % enc)
    st, hdrs, data = s.request("POST", "/v1/activate", req, {"Accept-Encoding": "gzip;q=0, br"})
    c.check("content-encoding" not in hdrs and json.loads(data)["data"][1] == 2, "q=0 refuses gzip")
    # binary response compressed: the header length stays the uncompressed JSON length
    x = np.arange(-500, 500, dtype=np.float32)
    body, h = binary_request({"inputs": [{"name": "INPUT0", "shape": [1000], "datatype": "FP32",
                                          "parameters": {"binary_data_size": 4000}}],
                              "parameters": {"binary_data_output": True}}, x)
    h.update({"Content-Encoding": "gzip", "Accept-Encoding": "gzip"})
    st, hdrs, data = s.request("POST", "/v2/models/relu/infer", gzip.compress(body), h)
    plain = gzip.decompress(data)
    head, tail = split_response(hdrs, plain)
    c.check(st == 200 and np.array_equal(np.frombuffer(tail, np.float32), np.maximum(x, 0)), "gzip binary both ways")
    # bad data and decompression bombs
    st, hdrs, data = s.request("POST", "/v1/activate", b"not gzip at all", {"Content-Encoding": "gzip"})
    c.check(st == 400 and "gzip" in json.loads(data)["error"], "corrupt gzip → 400")
    bomb = gzip.compress(b" " * (2 << 20))
    st, hdrs, data = s.request("POST", "/v1/activate", bomb, {"Content-Encoding": "gzip"})
    c.check(st == 413 and "decompressed" in json.loads(data)["error"], "inflated body over --max-body → 413 (%s)" % st)


def main():
    c = Checks()
    with Server("--max-body", "1M") as s:
        for t in (test_binary_both_ways, test_raw_single_input, test_binary_errors, test_compression):
            c.run(t, s)
        st, body = s.json("GET", "/v2/models/relu/stats")
        c.check(body["model_stats"][0]["inference_stats"]["fail"]["count"] >= 5, "failures counted in stats")
    c.finish()


if __name__ == "__main__":
    main()
