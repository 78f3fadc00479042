#!/usr/bin/env python3
"""make_seeds.py: write the seed corpora under fuzz/corpus/<target>/ (small, hand-picked valid and
near-valid inputs). Crash regressions live beside them as crash-*; this script never touches those."""
import gzip
import json
import os
import struct
import zlib

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(descr, shape, payload, fortran=False, major=1):
    shape_txt = "(" + "".join("%d," % s for s in shape) + ")" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"
    hdr = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, "True" if fortran else "False", shape_txt)
    field = 2 if major == 1 else 4
    pad = (64 - (8 + field + len(hdr) + 1) % 64) % 64
    hdr = hdr + " " * pad + "\n"
    length = struct.pack("<H", len(hdr)) if major == 1 else struct.pack("<I", len(hdr))
    return b"\x93NUMPY" + bytes([major, 0]) + length + hdr.encode("latin1") + payload


def main():
    put("npy", "f32_2x3", npy("<f4", (2, 3), struct.pack("<6f", -1, 0, 1, 2.5, -3, 4)))
    put("npy", "f64_1d", npy("<f8", (3,), struct.pack("<3d", 1, -2, 3)))
    put("npy", "f16_fortran", npy("<f2", (2, 2), struct.pack("<4e", 1, 2, 3, 4), fortran=True))
    put("npy", "scalar_v2", npy("<f4", (), struct.pack("<f", 7), major=2))
    put("npy", "empty", npy("<f4", (0, 5), b""))
    put("npy", "int_unsupported", npy("<i4", (1,), b"\0\0\0\0"))
    put("npy", "truncated", npy("<f4", (4,), b"\0\0"))

    put("model_json", "config", json.dumps({"name": "mlp", "layers": [
        {"in": 4, "out": 8, "activation": "relu", "bias": True},
        {"in": 8, "out": 2, "activation": "leaky_relu", "params": {"negative_slope": 0.1}}],
        "dtype": "float32", "weights": "mlp.npy"}, indent=1))
    put("model_json", "escapes", '{"s": "a\\u00e9\\ud83d\\ude00\\n\\t\\"", "n": [-0, 1e-308, 1.5E+3, null, false]}')
    put("model_json", "nested", "[" * 60 + "]" * 60)
    put("model_json", "bad", '{"a": [1, 2,], }')

    put("bench_spec", "default", "\n\n\n\n\n\n0\n0\n0\n")
    put("bench_spec", "full", "host\nrelu,leaky_relu,gelu\nfloat32,float16\n4K..1M x4,100,2MiB\nboth\nboth\n1\n5\n100\n")
    put("bench_spec", "all", "all\nall\nall\n1,2,3\nforward\nin\n-1\n1\n1\n")
    put("bench_spec", "bad", "gpu:9\nnope\nint8\n1..0 x0\nsideways\nup\n\n\n\n")

    put("tensor_json", "flat", "[1, -2.5, 3e-5, \"NaN\", \"-Infinity\", \"inf\"]")
    put("tensor_json", "nested", '{"data": [[1, 2, 3], [4, 5, 6]], "shape": [2, 3]}')
    put("tensor_json", "ragged", '{"data": [[1, 2], [3]], "shape": [2, 2]}')
    put("tensor_json", "extremes", "[1e308, -1e308, 5e-324, 65504, 65520, 3.4028235e38, 3.5e38, -0]")
    put("tensor_json", "deep", "[" * 33 + "1" + "]" * 33)

    raw = b'{"op": "relu", "data": [1, -2, 3]}'
    put("compress", "gzip", b"\xf0" + gzip.compress(raw))
    put("compress", "zlib", b"\xf1" + zlib.compress(raw))
    co = zlib.compressobj(wbits=-15)
    put("compress", "raw_deflate", b"\xf1" + co.compress(raw) + co.flush())
    put("compress", "bomb", b"\x80" + gzip.compress(b"\0" * 100000))
    put("compress", "garbage", b"\x00\x1f\x8b\x08garbage")

    def v2(model, header, binary=b"", hl=None):
        h = json.dumps(header).encode()
        hl_txt = "-" if hl is None and not binary else str(len(h) if hl is None else hl)
        return model.encode() + b"\n" + hl_txt.encode() + b"\n" + h + binary

    put("v2_infer", "json", v2("relu", {"inputs": [{"name": "INPUT0", "shape": [2, 2], "datatype": "FP32",
                                                     "data": [1, -2, 3, -4]}]}))
    put("v2_infer", "binary", v2("leaky_relu", {"inputs": [{"name": "INPUT0", "shape": [3], "datatype": "FP32",
                                                             "parameters": {"binary_data_size": 12}}],
                                                 "parameters": {"negative_slope": 0.5},
                                                 "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]},
                                  struct.pack("<3f", -1, 0, 1)))
    put("v2_infer", "fp16_backward", v2("gelu", {"inputs": [
        {"name": "INPUT0", "shape": [2], "datatype": "FP16", "parameters": {"binary_data_size": 4}},
        {"name": "GRAD_OUTPUT", "shape": [2], "datatype": "FP16", "parameters": {"binary_data_size": 4}}],
        "outputs": [{"name": "OUTPUT0", "parameters": {"binary_data": True}}]},
        struct.pack("<4e", 1, -1, 0.5, 0.5)))
    put("v2_infer", "prelu", v2("prelu", {"inputs": [
        {"name": "INPUT0", "shape": [1, 2, 2], "datatype": "FP64", "data": [1, -1, 2, -2]},
        {"name": "WEIGHT", "shape": [2], "datatype": "FP64", "data": [0.25, 0.5]}]}))
    put("v2_infer", "raw", b"relu\n0\n" + struct.pack("<2f", -1, 1))
    # bare NaN/Infinity tokens as Python's json writes them (short: cJSON path; long: the codec), and a
    # literal beyond the double range (issue 15, item 2)
    put("v2_infer", "nan_tokens", v2("relu", {"inputs": [{"name": "INPUT0", "shape": [2, 3], "datatype": "FP32",
                                                           "data": [[float("nan"), float("inf"), -1],
                                                                    [float("-inf"), 2.5, 1e300]]}]}))
    put("v2_infer", "nan_tokens_long", v2("relu", {"inputs": [{"name": "INPUT0", "shape": [20], "datatype": "FP64",
                                                                "data": [float("nan"), float("-inf")] * 10}]}))
    put("v2_infer", "out_of_range", v2("relu", {"inputs": [{"name": "INPUT0", "shape": [2], "datatype": "FP64",
                                                             "data": [1, 2]}]}).replace(b"[1, 2]", b"[1, 1e999]"))
    put("v2_infer", "bad_len", v2("relu", {"inputs": []}, b"\0" * 3, hl=999))
    put("v2_infer", "unknown_model", v2("nope", {"inputs": []}))

    put("json_numbers", "flat", "[1, -2.5, 3e-5, 0.1, 123456789012345678901234567890, -0]")
    put("json_numbers", "nested", "[[1.5, 2.25], [\"NaN\", \"-Infinity\"], [1e-320, 2.2250738585072014e-308]]")
    put("json_numbers", "extremes", "[1.7976931348623157e308, 1.8e308, 4.9e-324, 2.4e-324, 3.4028235e38, 1.1754944e-38, 1.4e-45]")
    put("json_numbers", "halfway", "[9007199254740993, 0.30000000000000004, 8.589973e9, 1.00000005960464477539]")
    put("json_numbers", "number", "-12.345e-67")
    put("json_numbers", "bits", struct.pack("<4d", 0.1, -1e-310, 1e300, 5e-324) + b"[1,2]")
    put("json_numbers", "bad", "[01, 1., .5, 1e, --1, [2], ]")

    put("model_config", "mlp", json.dumps({"name": "m", "description": "two layers", "dtype": "float32", "layers": [
        {"in": 3, "out": 2, "activation": "relu", "weight": "w2x3.npy", "bias": "v2.npy"},
        {"in": 2, "out": 2, "activation": "leaky_relu", "params": {"negative_slope": 0.1}, "weight": "w2x2.npy"}]}))
    put("model_config", "prelu", json.dumps({"dtype": "float64", "layers": [
        {"in": 2, "out": 2, "activation": "prelu", "weight": "d2x2.npy", "slope": "v2.npy", "bias": None}]}))
    put("model_config", "f16", json.dumps({"dtype": "float16", "layers": [
        {"in": 1, "out": 4, "activation": "gelu", "weight": "w4x1.npy", "bias": "v4.npy"},
        {"in": 4, "out": 1, "activation": "none", "weight": "w1x4.npy"}]}))
    put("model_config", "bad_shape", json.dumps({"layers": [{"in": 2, "out": 3, "activation": "relu", "weight": "w2x3.npy"}]}))
    put("model_config", "bad_path", json.dumps({"layers": [{"in": 2, "out": 2, "activation": "relu", "weight": "../w2x2.npy"}]}))
    put("model_config", "junk", json.dumps({"layers": [{"in": 2, "out": 2, "activation": "elu", "weight": "junk.npy",
                                                        "params": {"alpha": -1}}]}))

    put("bench_request", "empty", "{}")
    put("bench_request", "full", json.dumps({"devices": "host", "ops": ["relu", "gelu"], "dtypes": "float32,float16",
                                             "sizes": ["1K..64K x4", 100, "2MiB"], "directions": "both",
                                             "placements": ["out", "in"], "repeats": 3, "max_samples": 10,
                                             "warmup": 1, "min_time_s": 0.01, "max_seconds": 5, "max_bytes": 1e6,
                                             "ceilings": False}))
    put("bench_request", "nulls", json.dumps({"devices": None, "ops": None, "sizes": [4096], "repeats": 1}))
    put("bench_request", "all", json.dumps({"ops": "all", "dtypes": "all", "sizes": "1..1G x2"}))
    put("bench_request", "bad", json.dumps({"repeats": 1.5, "ceilings": "yes", "sizes": [-1, 1e300]}))

    put("activate", "nan_tokens", json.dumps({"op": "relu", "data": [float("nan"), float("-inf"), 1],
                                              "grad_output": [float("inf"), 1, float("nan")]}))
    put("activate", "leaky", json.dumps({"op": "leaky_relu", "params": {"negative_slope": 0.2},
                                         "dtype": "float32", "data": [[-1, 2], [3, -4]], "stats": True}))
    put("activate", "backward", json.dumps({"op": "elu", "dtype": "bfloat16", "data": [1, -1],
                                            "grad_output": [1, 1], "device": "host"}))
    put("activate", "prelu", json.dumps({"op": "prelu", "dtype": "float64", "shape": [1, 2, 1],
                                         "data": [-1, -2], "weight": [0.5, 0.25], "grad_output": [1, 1]}))
    put("activate", "hardtanh", json.dumps({"op": "hardtanh", "params": {"min_val": 1, "max_val": -1},
                                            "data": ["NaN", "Infinity"]}))
    put("activate", "bad", '{"op": 5, "data": {"x": 1}}')


if __name__ == "__main__":
    main()
