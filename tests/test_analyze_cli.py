"""test_analyze_cli.py: `clrelu analyze` on the example model — text and JSON reports, every device, and its errors."""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

BIN = os.environ.get("CLRELU_BIN", "clrelu")
EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "example")
SAMPLE = os.path.join(EXAMPLE, "sample_input.npy")

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg, flush=True)


def run(*args):
    return subprocess.run([BIN, "analyze"] + list(args), capture_output=True, text=True, timeout=120)


def write_npy(path, shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    header += " " * ((64 - (11 + len(header)) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack("<%df" % len(values), *values))


def main():
    devices = json.loads(subprocess.run([BIN, "devices", "--json"], capture_output=True, text=True).stdout)
    ids = [d["id"] for d in (devices["devices"] if isinstance(devices, dict) else devices)]
    reports = {}
    for dev in ids:
        p = run(EXAMPLE, SAMPLE, "--device", dev, "--json")
        check(p.returncode == 0, "analyze --json on %s: %d %s" % (dev, p.returncode, p.stderr))
        if p.returncode:
            continue
        r = json.loads(p.stdout)
        reports[dev] = r
        check(r["model"] == "example" and r["batch"] == 8 and r["device"] == dev and len(r["layers"]) == 3,
              "report header %r" % {k: r[k] for k in ("model", "batch", "device")})
        l0 = r["layers"][0]
        check(5 in l0["dead_units"] and l0["active_rate"][5] == 0 and l0["in"] == 4 and l0["out"] == 16,
              "layer 0 unit 5 dead on %s: %r" % (dev, l0["dead_units"]))
        pa = l0["pre_activation"]
        check(sum(pa["histogram"]) + pa["below_histogram"] + pa["above_histogram"] == 8 * 16 and pa["min"] < -99,
              "layer 0 histogram and the values outside its range count every value %r" % pa)
        # the bins span a robust range: dead unit 5's -100s lie below it instead of squeezing the rest into one bin
        check(pa["below_histogram"] >= 8 and pa["histogram_min"] > -10 and pa["histogram_max"] == pa["max"] and
              sum(1 for n in pa["histogram"] if n) >= 8,
              "layer 0 histogram over a robust range %r" % pa)
        zeros = sum(round(rate * 8) for rate in l0["active_rate"])
        check(abs(l0["zero_fraction"] - (1 - zeros / 128.0)) < 1e-9, "zero fraction agrees with the activation rates")
        check(r["layers"][2]["zero_fraction"] == 0 and r["layers"][2]["dead_units"] == [], "linear output layer has no zeros")
    if len(reports) > 1:
        a, b = list(reports.values())[:2]
        check([l["dead_units"] for l in a["layers"]] == [l["dead_units"] for l in b["layers"]] and
              [l["zero_fraction"] for l in a["layers"]] == [l["zero_fraction"] for l in b["layers"]],
              "devices agree on dead units and sparsity")
    p = run(EXAMPLE, SAMPLE, "--device", "host")
    check(p.returncode == 0 and "dead units    1 of 16: 5" in p.stdout and "layer 2: 8 -> 3, none" in p.stdout,
          "text report:\n" + p.stdout + p.stderr)
    check(p.returncode == 0 and re.search(r"\n +\d+ below, 0 above the range\n", p.stdout) is not None,
          "text report counts the values outside the histogram's range:\n" + p.stdout)
    p = run("--help")
    check(p.returncode == 0 and "MODEL_DIR IN.npy" in p.stdout, "--help")
    p = run(EXAMPLE)
    check(p.returncode == 2, "missing IN.npy is a usage error")
    p = run(EXAMPLE, SAMPLE, "--bogus")
    check(p.returncode == 2 and "--bogus" in p.stderr, "unknown option")
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.npy")
        write_npy(bad, [2, 3], [0.0] * 6)
        p = run(EXAMPLE, bad, "--device", "host")
        check(p.returncode == 1 and "[N, 4]" in p.stderr, "wrong input width: %s" % p.stderr)
        one = os.path.join(d, "one.npy")
        write_npy(one, [4], [0.5, -0.5, 0.25, 1.0])
        p = run(EXAMPLE, one, "--device", "host", "--json")
        check(p.returncode == 0 and json.loads(p.stdout)["batch"] == 1, "one sample of shape [4]")
        p = run(d, one)
        check(p.returncode == 1 and "config.json" in p.stderr, "folder without config.json: %s" % p.stderr)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
