#!/usr/bin/env python3
"""test_cli.py: the `clrelu` command line — devices, run (every option and error case), demo. Stdlib only."""
import ast
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

BIN = os.environ.get("CLRELU_BIN", "clrelu")
FMT = {"<f2": "e", "<f4": "f", "<f8": "d"}

passed = 0
failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg, file=sys.stderr)


def write_npy(path, descr, shape, values, version=1, fortran=False, data=None):
    """Write a .npy file by hand; `data` overrides the packed values (for malformed files)."""
    shape_txt = "()" if not shape else "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_txt)
    field = 2 if version == 1 else 4
    total = (8 + field + len(header) + 1 + 63) // 64 * 64
    header = header + " " * (total - 8 - field - len(header) - 1) + "\n"
    if data is None:
        data = struct.pack("<%d%s" % (len(values), FMT.get(descr, "f")), *values)
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]))
        f.write(struct.pack("<H" if version == 1 else "<I", len(header)))
        f.write(header.encode("latin1"))
        f.write(data)


def read_npy(path):
    """Return (descr, shape, values) of a little-endian float .npy file written in C order."""
    with open(path, "rb") as f:
        raw = f.read()
    assert raw[:6] == b"\x93NUMPY", "bad magic in output"
    if raw[6] == 1:
        hlen, start = struct.unpack("<H", raw[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", raw[8:12])[0], 12
    assert (start + hlen) % 64 == 0, "output header not 64-byte aligned"
    hdr = ast.literal_eval(raw[start:start + hlen].decode("latin1"))
    assert hdr["fortran_order"] is False
    data = raw[start + hlen:]
    n = math.prod(hdr["shape"])
    fmt = FMT[hdr["descr"]]
    assert len(data) == n * struct.calcsize(fmt), "output data size mismatch"
    return hdr["descr"], tuple(hdr["shape"]), list(struct.unpack("<%d%s" % (n, fmt), data))


def run(*args):
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


def same_bits(a, b, fmt):
    return struct.pack("<" + fmt, a) == struct.pack("<" + fmt, b)


def same_values(got, want, fmt):
    return len(got) == len(want) and all(same_bits(g, w, fmt) for g, w in zip(got, want))


def opencl_built():
    """Whether the build has the OpenCL backend, read from the CMake cache next to the binary."""
    d = os.path.dirname(os.path.abspath(BIN))
    while d != os.path.dirname(d):
        cache = os.path.join(d, "CMakeCache.txt")
        if os.path.exists(cache):
            with open(cache) as f:
                return "CLRELU_WITH_OPENCL:BOOL=ON" in f.read()
        d = os.path.dirname(d)
    return False


X = [-3.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 3.0, float("nan"), float("inf"), float("-inf")]


def relu(x):
    return 0.0 if x < 0 else x


def test_devices():
    rc, out, err = run("devices")
    check(rc == 0, "devices rc %d: %s" % (rc, err))
    check("host" in out and "Data types" in out, "devices table lacks the host device: " + out)
    rc, out, err = run("devices", "--json")
    check(rc == 0, "devices --json rc %d: %s" % (rc, err))
    devs = json.loads(out)
    check(isinstance(devs, list) and len(devs) >= 1, "devices --json is not a non-empty list")
    keys = {"index", "id", "backend", "type", "type_index", "platform", "vendor", "name", "driver_version",
            "device_version", "opencl_c_version", "compute_units", "clock_mhz", "global_mem_bytes",
            "max_alloc_bytes", "local_mem_bytes", "max_work_group_size", "fp16", "fp64",
            "host_unified_memory", "pref_vector_width_float", "pref_vector_width_half",
            "pref_vector_width_double", "timer_resolution_ns", "dtypes"}
    for d in devs:
        check(keys <= set(d), "device %s lacks keys %s" % (d.get("id"), keys - set(d)))
    host = [d for d in devs if d["id"] == "host"]
    check(len(host) == 1 and host[0]["type"] == "host" and "float32" in host[0]["dtypes"],
          "no host entry in --json")
    if opencl_built() and not os.environ.get("CLRELU_NO_OPENCL"):
        check(any(d["type"] == "cpu" and d["backend"] == "opencl" for d in devs),
              "OpenCL is built but --json has no OpenCL cpu device (PoCL)")
    rc, _, err = run("devices", "--bogus")
    check(rc == 2 and err, "devices --bogus rc %d" % rc)
    rc, out, _ = run("devices", "--help")
    check(rc == 0 and "--json" in out, "devices --help")
    return [d["id"] for d in devs]


def test_relu_every_device(tmp, ids):
    src, dst = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    write_npy(src, "<f4", [len(X)], X)
    for dev in ids:
        rc, _, err = run("run", "relu", src, dst, "--device", dev)
        check(rc == 0, "relu on %s rc %d: %s" % (dev, rc, err))
        if rc == 0:
            descr, shape, got = read_npy(dst)
            check(descr == "<f4" and shape == (len(X),), "relu on %s: dtype/shape %s %s" % (dev, descr, shape))
            check(same_values(got, [relu(x) for x in X], "f"), "relu on %s gave %s" % (dev, got))


def test_run_values(tmp):
    src, dst = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
    # leaky_relu with a parameter, float32: x * float(0.2) rounded to float
    write_npy(src, "<f4", [len(X)], X)
    rc, _, err = run("run", "leaky_relu", src, dst, "--param", "negative_slope=0.2")
    check(rc == 0, "leaky_relu rc %d: %s" % (rc, err))
    if rc == 0:
        want = [x if x > 0 else f32(x * f32(0.2)) for x in X]
        check(same_values(read_npy(dst)[2], want, "f"), "leaky_relu values %s" % read_npy(dst)[2])
    rc, _, err = run("run", "leaky_relu", src, dst, "--param=negative_slope=0.2", "--device=auto")
    check(rc == 0, "--opt=value spelling rc %d: %s" % (rc, err))

    # float16 and float64 files keep their dtype; shape (3, 4) kept
    vals = [(-1) ** i * i * 0.25 for i in range(12)]
    for descr, fmt in (("<f2", "e"), ("<f8", "d")):
        write_npy(src, descr, [3, 4], vals)
        rc, _, err = run("run", "relu", src, dst)
        check(rc == 0, "relu %s rc %d: %s" % (descr, rc, err))
        if rc == 0:
            d, shape, got = read_npy(dst)
            check(d == descr and shape == (3, 4), "relu %s kept %s %s" % (descr, d, shape))
            check(same_values(got, [relu(v) for v in vals], fmt), "relu %s values %s" % (descr, got))
    write_npy(src, "<f8", [4], [-1.0, -3.0, 0.5, 2.0])
    rc, _, err = run("run", "leaky_relu", src, dst, "--param", "negative_slope=0.1")
    check(rc == 0 and same_values(read_npy(dst)[2], [-0.1, -0.30000000000000004, 0.5, 2.0], "d"),
          "float64 leaky_relu uses the double slope: %s" % err)

    # hardtanh with two parameters
    write_npy(src, "<f4", [5], [-5, -1.5, 0.25, 1.5, 5])
    rc, _, err = run("run", "hardtanh", src, dst, "--param", "min_val=-2", "--param", "max_val=2")
    check(rc == 0 and read_npy(dst)[2] == [-2, -1.5, 0.25, 1.5, 2], "hardtanh params: %s" % err)

    # 0-d and empty arrays
    write_npy(src, "<f4", [], [-2.5])
    rc, _, err = run("run", "relu", src, dst)
    check(rc == 0 and read_npy(dst)[1:] == ((), [0.0]), "0-d relu: %s" % err)
    write_npy(src, "<f4", [2, 0], [])
    rc, _, err = run("run", "relu", src, dst)
    check(rc == 0 and read_npy(dst)[1:] == ((2, 0), []), "empty relu: %s" % err)

    # version 2.0 input, Fortran order read in logical order and written as C order
    write_npy(src, "<f4", [3], [-1, 2, -3], version=2)
    rc, _, err = run("run", "relu", src, dst)
    check(rc == 0 and read_npy(dst)[2] == [0, 2, 0], "version 2.0 input: %s" % err)
    write_npy(src, "<f4", [2, 3], [0, -3, 1, 4, -2, 5], fortran=True)  # logical [[0,1,-2],[-3,4,5]]
    rc, _, err = run("run", "relu", src, dst)
    check(rc == 0 and read_npy(dst)[1:] == ((2, 3), [0, 1, 0, 0, 4, 5]), "fortran input: %s" % err)

    # --dtype computes in another type and writes the input's dtype
    write_npy(src, "<f4", [3], [-1.0, 0.1, 3.0])
    rc, _, err = run("run", "relu", src, dst, "--dtype", "float16")
    check(rc == 0 and read_npy(dst)[0] == "<f4" and read_npy(dst)[2] == [0.0, f32(0.0999755859375), 3.0],
          "--dtype float16 rounds through half: %s %s" % (err, rc == 0 and read_npy(dst)[2]))

    # the output may replace the input: it is read completely before the output is renamed over it
    inplace = os.path.join(tmp, "inplace.npy")
    write_npy(inplace, "<f8", [3], [-1.0, 2.0, -3.0])
    rc, _, err = run("run", "relu", inplace, inplace)
    check(rc == 0 and read_npy(inplace)[2] == [0.0, 2.0, 0.0], "in-place run: %s" % err)

    # --timing
    rc, _, err = run("run", "relu", src, dst, "--timing")
    check(rc == 0 and "kernel" in err and "ms" in err, "--timing output: " + err)


def test_backward(tmp):
    src, grad, dst = (os.path.join(tmp, n) for n in ("x.npy", "g.npy", "y.npy"))
    xs = [-2.0, -0.0, 0.0, 0.5, 3.0, float("nan")]
    gs = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    write_npy(src, "<f4", [2, 3], xs)
    write_npy(grad, "<f4", [2, 3], gs)
    rc, _, err = run("run", "relu", src, dst, "--backward", grad)
    check(rc == 0, "relu backward rc %d: %s" % (rc, err))
    if rc == 0:
        want = [0.0 if x <= 0 else g for x, g in zip(xs, gs)]
        check(same_values(read_npy(dst)[2], want, "f"), "relu backward %s" % read_npy(dst)[2])
    rc, _, err = run("run", "leaky_relu", src, dst, "--backward", grad, "--param", "negative_slope=0.5")
    check(rc == 0 and read_npy(dst)[2][:3] == [5.0, 10.0, 15.0], "leaky_relu backward: %s" % err)


def test_prelu(tmp):
    src, w, grad, dst, gw = (os.path.join(tmp, n) for n in ("x.npy", "w.npy", "g.npy", "y.npy", "gw.npy"))
    shape = [2, 3, 2]
    xs = [(-1) ** i * (i + 1) * 0.5 for i in range(12)]
    gs = [1.0 + i for i in range(12)]
    slopes = [0.25, 0.5, -1.0]
    write_npy(src, "<f4", shape, xs)
    write_npy(w, "<f4", [3], slopes)
    write_npy(grad, "<f4", shape, gs)
    chan = [(i // 2) % 3 for i in range(12)]
    rc, _, err = run("run", "prelu", src, dst, "--weight", w)
    check(rc == 0, "prelu rc %d: %s" % (rc, err))
    if rc == 0:
        want = [x if x > 0 else f32(slopes[c] * x) for x, c in zip(xs, chan)]
        check(same_values(read_npy(dst)[2], want, "f"), "prelu values %s" % read_npy(dst)[2])
    rc, _, err = run("run", "prelu", src, dst, "--weight", w, "--backward", grad, "--grad-weight", gw)
    check(rc == 0, "prelu backward rc %d: %s" % (rc, err))
    if rc == 0:
        want = [g if x > 0 else f32(slopes[c] * g) for x, g, c in zip(xs, gs, chan)]
        check(same_values(read_npy(dst)[2], want, "f"), "prelu backward values %s" % read_npy(dst)[2])
        want_gw = [sum(x * g for x, g, c in zip(xs, gs, chan) if c == k and x <= 0) for k in range(3)]
        d, s, got = read_npy(gw)
        check(d == "<f4" and s == (3,), "grad weight dtype/shape %s %s" % (d, s))
        check(all(abs(a - b) <= 1e-5 * max(1, abs(b)) for a, b in zip(got, want_gw)),
              "grad weight %s, want %s" % (got, want_gw))
    # one slope for every channel, as torch.nn.PReLU(); its gradient is the sum over channels
    write_npy(w, "<f8", [1], [0.25])
    rc, _, err = run("run", "prelu", src, dst, "--weight", w, "--backward", grad, "--grad-weight", gw)
    check(rc == 0, "prelu single slope rc %d: %s" % (rc, err))
    if rc == 0:
        d, s, got = read_npy(gw)
        want = sum(x * g for x, g in zip(xs, gs) if x <= 0)
        check(d == "<f8" and s == (1,) and abs(got[0] - want) <= 1e-5 * abs(want), "single slope grad %s" % got)


def expect_error(tmp, args, code, needle, what):
    """The command fails with `code`, says why on stderr, and leaves OUT (y.npy) untouched."""
    dst = os.path.join(tmp, "y.npy")
    with open(dst, "wb") as f:
        f.write(b"sentinel")
    rc, _, err = run(*args)
    if code is None:
        check(rc != 0, "%s: rc %d" % (what, rc))
    else:
        check(rc == code, "%s: rc %d, want %d (%s)" % (what, rc, code, err.strip()))
    check(err.strip() != "", "%s: nothing on stderr" % what)
    check(needle.lower() in err.lower(), "%s: stderr lacks '%s': %s" % (what, needle, err.strip()))
    with open(dst, "rb") as f:
        check(f.read() == b"sentinel", "%s: OUT was modified" % what)
    check(not [n for n in os.listdir(tmp) if ".tmp." in n], "%s: temporary file left behind" % what)


def test_errors(tmp):
    src, grad, w, dst = (os.path.join(tmp, n) for n in ("x.npy", "g.npy", "w.npy", "y.npy"))
    bad = os.path.join(tmp, "bad.npy")
    write_npy(src, "<f4", [2, 3], [1, -2, 3, -4, 5, -6])
    write_npy(grad, "<f4", [3, 2], [1] * 6)
    write_npy(w, "<f4", [2], [0.1, 0.2])
    E = lambda args, code, needle, what: expect_error(tmp, args, code, needle, what)  # noqa: E731

    E(["run", "relu", os.path.join(tmp, "missing.npy"), dst], 1, "missing.npy", "missing input")
    with open(bad, "w") as f:
        f.write("just some text, not an array\n")
    E(["run", "relu", bad, dst], 1, "not a .npy file", "text input")
    write_npy(bad, "<i4", [2], [], data=struct.pack("<2i", 1, -1))
    E(["run", "relu", bad, dst], 1, "<i4", "int32 input")
    write_npy(bad, ">f4", [2], [], data=struct.pack(">2f", 1, -1))
    E(["run", "relu", bad, dst], 1, "big-endian", "big-endian input")
    write_npy(bad, "<f4", [4], [], data=struct.pack("<3f", 1, 2, 3))
    E(["run", "relu", bad, dst], 1, "truncated", "truncated data")
    write_npy(bad, "<f4", [2], [], data=struct.pack("<3f", 1, 2, 3))
    E(["run", "relu", bad, dst], 1, "bytes", "extra data")
    with open(bad, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f4'")
    E(["run", "relu", bad, dst], 1, "truncated", "truncated header")
    E(["run", "relu", src, dst, "--backward", grad], 1, "shape mismatch", "gradient shape mismatch")
    E(["run", "relu", src, dst, "--backward", os.path.join(tmp, "nograd.npy")], 1, "nograd.npy", "missing gradient")

    E(["run", "frobnicate", src, dst], 2, "leaky_relu", "unknown op lists the ops")
    E(["run", "leaky_relu", src, dst, "--param", "slope=0.1"], 2, "negative_slope", "unknown parameter")
    E(["run", "relu", src, dst, "--param", "alpha=1"], 2, "no parameters", "parameter for an op without any")
    E(["run", "leaky_relu", src, dst, "--param", "negative_slope=abc"], 2, "not a number", "non-numeric value")
    E(["run", "leaky_relu", src, dst, "--param", "negative_slope"], 2, "NAME=VALUE", "missing '='")
    E(["run", "elu", src, dst, "--param", "alpha=-1"], 2, "alpha", "out-of-range parameter")
    E(["run", "hardtanh", src, dst, "--param", "min_val=2"], 2, "min_val", "min_val above max_val")
    E(["run", "relu", src, dst, "--dtype", "int8"], 2, "int8", "unknown dtype")
    E(["run", "relu", src, dst, "--device", "no-such-device-xyz"], 1, "no-such-device-xyz", "unknown device")
    E(["run", "relu", src, dst, "--device", "gpu:99"], 1, "host", "absent device lists the devices")
    E(["run", "prelu", src, dst], 2, "--weight", "prelu without weight")
    E(["run", "prelu", src, dst, "--weight", w], 1, "channel", "prelu with the wrong number of slopes")
    E(["run", "relu", src, dst, "--weight", w], 2, "prelu", "weight for an op that takes none")
    E(["run", "prelu", src, dst, "--weight", w, "--grad-weight", bad], 2, "--backward", "grad-weight without backward")
    E(["run", "relu", src], 2, "OP IN.npy OUT.npy", "missing output argument")
    E(["run", "relu", src, dst, "extra"], 2, "extra", "extra argument")
    E(["run", "relu", src, dst, "--frobnicate"], 2, "--frobnicate", "unknown option")
    E(["run", "relu", src, dst, "--device"], 2, "--device", "option without a value")
    rc, _, err = run("run", "relu", src, os.path.join(tmp, "no", "such", "dir", "y.npy"))
    check(rc == 1 and "y.npy" in err, "unwritable output: rc %d %s" % (rc, err))
    rc, out, _ = run("run", "--help")
    check(rc == 0 and "--backward" in out and "prelu" in out, "run --help")


def test_demo():
    rc, out, err = run("demo")
    check(rc == 0, "demo rc %d: %s" % (rc, err))
    for i, line in enumerate(out.splitlines()):
        check("error" not in line, "demo line %d reports an error: %s" % (i, line))
    names = [line.split()[0] for line in out.splitlines() if line.split() and not line.startswith(" ")]
    for op in ("relu", "leaky_relu", "relu6", "hardtanh", "elu", "selu", "gelu", "gelu_tanh", "silu", "softplus",
               "sigmoid", "tanh", "prelu"):
        check(op in names, "demo does not show " + op)
    check(out.count("backward") >= 13, "demo lacks backward rows")
    rc, out, err = run("demo", "--device", "host", "--dtype", "float64")
    check(rc == 0 and "float64" in out, "demo on host in float64: %s" % err)
    rc, _, err = run("demo", "--device", "nope-nope")
    check(rc == 1 and "nope-nope" in err, "demo unknown device rc %d" % rc)


def main():
    if not os.path.exists(BIN) and os.sep in BIN:
        print("CLRELU_BIN %s does not exist" % BIN, file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="clrelu-test-cli-") as tmp:
        ids = test_devices()
        test_relu_every_device(tmp, ids)
        test_run_values(tmp)
        test_backward(tmp)
        test_prelu(tmp)
        test_errors(tmp)
    test_demo()
    print("test_cli: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
