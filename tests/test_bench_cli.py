"""test_bench_cli.py: `clrelu bench` — table, CSV and JSON outputs, --compare ratios, --plot SVG series, bad options."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks  # noqa: E402

TINY = ["--repeats", "3", "--min-time", "0.0001", "--max-samples", "10"]


def bench(*args):
    p = subprocess.run([BIN, "bench"] + TINY + list(args), capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_table(c):
    rc, out, err = bench("--devices", "host", "--ops", "relu,gelu", "--sizes", "1K,4K")
    c.check(rc == 0, "table run exits 0 (%d): %s" % (rc, err))
    rows = [l for l in out.splitlines() if l.startswith("host ") and (" relu " in l or " gelu " in l)]
    c.check(len(rows) == 4 and all(" ok " in r for r in rows), "4 ok rows: %r" % rows)
    c.check("Ceilings (same buffers)" in out and " copy " in out and " empty " in out, "ceilings listed")
    c.check(err == "", "no progress bar when stderr is not a terminal: %r" % err)


def test_csv(c):
    rc, out, err = bench("--devices", "host", "--sizes", "1K", "--directions", "both", "--placements", "both", "--csv")
    c.check(rc == 0, "csv exits 0: %s" % err)
    rows = list(csv.DictReader(io.StringIO(out)))
    c.check(len(rows) == 4, "4 rows (fwd/bwd x out/in): %d" % len(rows))
    for r in rows:
        c.check(r["status"] == "ok" and int(r["n_samples"]) >= 3, "row ok with samples: %r" % r)
        c.check(float(r["gbps_median"]) > 0 and float(r["kernel_median_ns"]) > 0, "positive numbers")
        mult = 3 if r["direction"] == "backward" else 2
        c.check(int(r["bytes_moved"]) == mult * 1024 * 4, "bytes convention %s" % r["bytes_moved"])
    c.check({(r["direction"], r["placement"]) for r in rows} ==
            {("forward", "out"), ("forward", "in"), ("backward", "out"), ("backward", "in")}, "all combinations")


def test_json_compare_plot(c):
    tmp = tempfile.mkdtemp(prefix="clrelu-bench-cli-")
    rc, out, err = bench("--ops", "relu", "--sizes", "1K..16K x4", "--json")
    c.check(rc == 0, "json exits 0: %s" % err)
    doc = json.loads(out)
    c.check(doc["schema"] == "clrelu-bench/1", "schema")
    ndev = len(doc["devices"])
    c.check(ndev >= 2 and {"host"} <= {d["id"] for d in doc["devices"]}, "all devices by default: %r" % doc["devices"])
    c.check(len(doc["cases"]) == ndev * 3, "3 sizes per device: %d" % len(doc["cases"]))
    for k in ("platform", "driver_version", "opencl_c_version", "compute_units", "clock_mhz", "global_mem_bytes",
              "max_alloc_bytes", "timer_resolution_ns"):
        c.check(all(k in d for d in doc["devices"]), "device metadata %s" % k)
    for k in ("host", "clrelu_version", "data_pattern", "timestamp", "bytes_convention"):
        c.check(doc["meta"].get(k), "meta %s" % k)
    case = doc["cases"][0]
    c.check(len(case["samples"]["kernel_ns"]) == case["n_samples"] >= 3, "raw samples kept")
    c.check(set(case["kernel_ns"]) == {"min", "median", "mean", "p95", "max", "stddev", "cv"}, "stats keys")
    old = os.path.join(tmp, "old.json")
    with open(old, "w") as f:
        f.write(out)
    svg = os.path.join(tmp, "plot.svg")
    rc, out2, err = bench("--ops", "relu", "--sizes", "1K..16K x4", "--compare", old, "--plot", svg)
    c.check(rc == 0, "compare + plot exit 0: %s" % err)
    c.check("Compared with" in out2, "comparison printed")
    ratios = [l for l in out2.split("Compared with", 1)[-1].splitlines() if l.rstrip().endswith("x")]
    c.check(len(ratios) == ndev * 3, "one ratio per case: %r" % ratios)
    for line in ratios:
        c.check(float(line.split()[-1][:-1]) > 0, "positive ratio: %r" % line)
    tree = ET.parse(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    series = [p.get("data-series") for p in tree.getroot().iter("{http://www.w3.org/2000/svg}polyline")
              if p.get("class") == "series"]
    ceilings = [p.get("data-series") for p in tree.getroot().iter("{http://www.w3.org/2000/svg}polyline")
                if p.get("class") == "ceiling"]
    c.check(len(series) == ndev and all(" relu float32 forward out" in s for s in series), "one line per device/op: %r" % series)
    c.check(len(ceilings) == ndev and all(" copy float32" in s for s in ceilings), "copy ceiling per device: %r" % ceilings)
    pts = [p.get("points").split() for p in tree.getroot().iter("{http://www.w3.org/2000/svg}polyline")
           if p.get("class") == "series"]
    c.check(all(len(p) == 3 for p in pts), "3 points per series")
    c.check(len(tree.getroot().findall("s:g", ns)) >= 1, "axes group present")
    rc, _, err = bench("--compare", os.path.join(tmp, "missing.json"), "--devices", "host", "--sizes", "1K")
    c.check(rc == 1 and "cannot read" in err, "missing compare file is an error: %r" % err)


def test_bad_options(c):
    rc, _, err = bench("--sizes", "4K..1K")
    c.check(rc == 2 and "range" in err, "bad range: exit 2 with a message %r" % err)
    rc, _, err = bench("--ops", "nope")
    c.check(rc == 2 and "unknown op" in err, "unknown op %r" % err)
    rc, _, err = bench("--frobnicate")
    c.check(rc == 2, "unknown flag exits 2")
    rc, out, _ = bench("--help")
    c.check(rc == 0 and "--compare" in out and "--plot" in out, "help")


def test_min_time_zero(c):
    """--min-time 0 means no minimum time (it used to become the 0.05 s default silently)."""
    p = subprocess.run([BIN, "bench", "--devices", "host", "--ops", "relu", "--sizes", "1K", "--repeats", "3",
                        "--max-samples", "3", "--min-time", "0", "--json"], capture_output=True, text=True, timeout=120)
    c.check(p.returncode == 0, "exits 0: %s" % p.stderr)
    meta = json.loads(p.stdout)["meta"] if p.returncode == 0 else {}
    c.check(meta.get("min_time_s") == 0, "meta.min_time_s is 0: %r" % meta.get("min_time_s"))


def test_skips_in_table(c):
    rc, out, err = bench("--devices", "host", "--sizes", "1K,1M", "--max-bytes", "1MiB", "--no-ceilings")
    c.check(rc == 0, "skips do not fail the run: %s" % err)
    c.check("memory cap" in out and " skipped " in out, "skipped case with its reason in the table")


def main():
    c = Checks()
    for t in (test_table, test_csv, test_json_compare_plot, test_bad_options, test_skips_in_table,
              test_min_time_zero):
        c.run(t)
    c.finish()


if __name__ == "__main__":
    main()
