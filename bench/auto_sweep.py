#!/usr/bin/env python3
"""auto_sweep.py: `auto` against the faster of the host and the OpenCL CPU device, every op x dtype x size (issue 14).

For every op, dtype and size, one call's wall time (the bench engine's host_median_ns: what a
caller pays, launch and all) on three paths, measured in interleaved rounds:
  host   clrelu bench --devices host                (CLRELU_AUTO_HOST=0)
  pocl   clrelu bench --devices cpu:0               (CLRELU_AUTO_HOST=0: always the kernels)
  auto   clrelu bench --devices auto                (CLRELU_AUTO_HOST=1: the host below the
                                                     crossover of the op's class and dtype)
Each round runs the three in a rotating order, per dtype; the table gives, per op, dtype and size,
auto's median time over rounds divided by the faster of host's and pocl's medians (1.00: auto
chose the faster path; the goal is <= 1.2). Forward, out of place.

Whole processes run in different minutes, and on a shared machine the same path can take 1.5x
longer in one process than in the next (BENCHMARKS.md 17.5, 18.2). So each case over the goal is
then rechecked alone: --recheck pairs of processes, `auto` and the faster path in alternating
order, and its verdict is the ratio of those medians (both ratios are printed).

Usage: bench/auto_sweep.py [--clrelu BIN] [--rounds 3] [--ops all] [--dtypes all]
                           [--sizes 1K..64M x4] [--min-time 0.02] [--cache-dir DIR] [--recheck 5]
The crossovers auto uses come from the cache directory's tuning file (clrelu tune), or are
measured on first use and stored there; `clrelu tune` prints them.
"""
import argparse
import csv
import io
import os
import statistics
import subprocess
import sys

PATHS = ("host", "pocl", "auto")


def run_bench(args, path, dtype, ops=None, sizes=None):
    env = dict(os.environ)
    env["CLRELU_AUTO_HOST"] = "1" if path == "auto" else "0"
    if args.cache_dir:
        env["CLRELU_CACHE_DIR"] = args.cache_dir
    device = {"host": "host", "pocl": "cpu:0", "auto": "auto"}[path]
    cmd = [args.clrelu, "bench", "--devices", device, "--ops", ops or args.ops, "--dtypes", dtype,
           "--sizes", sizes or args.sizes,
           "--directions", "forward", "--placements", "out", "--repeats", str(args.repeats),
           "--min-time", str(args.min_time), "--no-ceilings", "--csv", "--quiet"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(f"auto_sweep: {' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}\n")
        sys.exit(1)
    rows = {}
    for r in csv.DictReader(io.StringIO(out.stdout)):
        if r["status"] != "ok" or int(r["mismatches"] or 0):
            sys.stderr.write(f"auto_sweep: {path} {r['op']} {r['dtype']} {r['elements']}: {r['status']} "
                             f"{r['reason']} mismatches={r['mismatches']}\n")
            continue
        rows[(r["op"], r["dtype"], int(r["elements"]))] = float(r["host_median_ns"])
    return rows


def fmt_us(ns):
    """nanoseconds as microseconds, three significant digits below 100 us, whole ones above"""
    us = ns / 1e3
    return f"{us:.0f}" if us >= 100 else f"{us:.3g}"


def fmt_size(n):
    for unit, div in (("M", 1 << 20), ("K", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div}{unit}"
    return str(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clrelu", default=os.path.join(os.path.dirname(__file__), "..", "build", "cli", "clrelu"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--ops", default="all")
    ap.add_argument("--dtypes", default="float32,float16,bfloat16,float64")
    ap.add_argument("--sizes", default="1K..64M x4")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--min-time", type=float, default=0.02)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--goal", type=float, default=1.2)
    ap.add_argument("--recheck", type=int, default=5, help="pairs of processes per case over the goal (0: none)")
    args = ap.parse_args()

    samples = {}  # (path, op, dtype, n) -> [ns per round]
    dtypes = args.dtypes.split(",")
    for r in range(args.rounds):
        for d, dtype in enumerate(dtypes):
            k = (r + d) % len(PATHS)
            for path in PATHS[k:] + PATHS[:k]:  # rotating order: no path always runs first
                for key, ns in run_bench(args, path, dtype).items():
                    samples.setdefault((path,) + key, []).append(ns)
            print(f"# round {r + 1}/{args.rounds} {dtype} done", file=sys.stderr, flush=True)

    keys = sorted({k[1:] for k in samples}, key=lambda k: (k[1], k[0], k[2]))
    sizes = sorted({k[2] for k in keys})
    print(f"# auto / min(host, pocl), median wall time per call over {args.rounds} interleaved rounds; "
          f"forward, out of place; '*' > {args.goal}")
    print(f"{'op':<11} {'dtype':<9}" + "".join(f" {fmt_size(n):>7}" for n in sizes))
    worst, within, total = [], 0, 0
    rows = sorted({(k[0], k[1]) for k in keys}, key=lambda k: (k[1], k[0]))
    for op, dtype in rows:
        line = f"{op:<11} {dtype:<9}"
        for n in sizes:
            med = {p: statistics.median(samples[(p, op, dtype, n)]) for p in PATHS if (p, op, dtype, n) in samples}
            if len(med) < 3:
                line += f" {'n/a':>7}"
                continue
            ratio = med["auto"] / min(med["host"], med["pocl"])
            total += 1
            within += ratio <= args.goal
            worst.append((ratio, op, dtype, n, med))
            line += f" {ratio:6.2f}{'*' if ratio > args.goal else ' '}"
        print(line)
    print(f"# {within} of {total} cases within {args.goal}x")
    for ratio, op, dtype, n, med in sorted(worst, reverse=True)[:12]:
        faster = "host" if med["host"] <= med["pocl"] else "pocl"
        print(f"#   {ratio:5.2f}  {op} {dtype} {fmt_size(n)}: auto {fmt_us(med['auto'])} us, host "
              f"{fmt_us(med['host'])} us, pocl {fmt_us(med['pocl'])} us (faster: {faster})")
    misses = [w for w in worst if w[0] > args.goal]
    if args.recheck <= 0 or not misses:
        return
    print(f"# rechecked alone: {args.recheck} pairs of processes per case, auto and the faster path alternating")
    still = 0
    for ratio, op, dtype, n, med in sorted(misses, reverse=True):
        faster = "host" if med["host"] <= med["pocl"] else "pocl"
        got = {"auto": [], faster: []}
        for i in range(args.recheck):
            for path in (("auto", faster) if i % 2 else (faster, "auto")):
                got[path] += run_bench(args, path, dtype, ops=op, sizes=str(n)).values()
        if not got["auto"] or not got[faster]:
            print(f"#   {op} {dtype} {fmt_size(n)}: no result")
            still += 1
            continue
        a, f = statistics.median(got["auto"]), statistics.median(got[faster])
        still += a / f > args.goal
        print(f"#   {op} {dtype} {fmt_size(n)}: sweep {ratio:.2f}, recheck {a / f:.2f} (auto {fmt_us(a)} us, "
              f"{faster} {fmt_us(f)} us){' *' if a / f > args.goal else ''}")
    print(f"# after the recheck: {total - still} of {total} cases within {args.goal}x")


if __name__ == "__main__":
    main()
