#!/usr/bin/env python3
"""smooth.py: every smooth op, float32 forward, clrelu (host and PoCL) against oneDNN, numpy/scipy and PyTorch, and the copy ceiling (issue 14).

Per size, placement and op, each round runs every peer once, in a rotating order:
  clrelu   clrelu bench --devices host, then --devices cpu:0 (CLRELU_AUTO_HOST=0), each device in
           a process of its own: wall time per call (host_median_ns), and the copy ceiling the
           engine measured on the same buffers (the faster of the two devices' copies)
  onednn   bench/peers/onednn_eltwise.c: oneDNN's matching eltwise algorithm (gelu_erf,
           gelu_tanh, swish, elu, logistic, tanh, soft_relu; selu: elu with selu's alpha, no scale)
  numpy    bench/peers/py_relu.py numpy: np.tanh, scipy.special.expit, np.logaddexp(0, x)
  torch    bench/peers/py_relu.py torch: torch.nn.functional (when PyTorch is installed)
Every peer gets the same thread count (OMP_NUM_THREADS, CLRELU_HOST_THREADS,
POCL_MAX_PTHREAD_COUNT). GB/s = 8 bytes per element / the median over rounds of each round's
median wall time per call. Ratios: clrelu's faster device against each peer (> 1: clrelu ahead)
and against the copy ceiling.

Usage: bench/peers/smooth.py --clrelu BUILD/cli/clrelu [--base OLD_BUILD/cli/clrelu] [--sizes 16M,64M]
       [--rounds 3] [--reps 9] [--ops gelu,...] [--threads N] [--python VENV/bin/python]
--base: a build before a change, measured in the same rounds (host/base: the change's speed-up).
Needs libdnnl-dev (apt) for the oneDNN column; numpy/scipy/torch in the given Python (bench/peers/run.sh
makes the venv).
"""
import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SMOOTH = ["gelu", "gelu_tanh", "silu", "elu", "selu", "softplus", "sigmoid", "tanh"]
ONEDNN_NAME = {"gelu": "gelu_erf", "gelu_tanh": "gelu_tanh", "silu": "swish", "elu": "elu", "selu": "elu*",
               "softplus": "soft_relu", "sigmoid": "logistic", "tanh": "tanh"}


def elements(s):
    s = s.strip()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(s[-1:], 1)
    return int(s[:-1] if mult > 1 else s) * mult


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(f"smooth.py: {' '.join(cmd)}: exit {out.returncode}\n{out.stderr}")
        return None
    return out.stdout


def clrelu_round(args, env, op, n, inplace, binary, prefix=""):
    """{'host': ns, 'pocl': ns, 'copy': ns}, each device in a bench process of its own (keys prefixed
    for a base build). One process per device, as each peer runs alone: with both devices in one
    process the host's cases ran at 0.6-0.7 of their speed alone (16M silu, 2 cores), PoCL's
    worker threads sharing the cores."""
    res = {}
    copy = 0.0
    for dev, key in (("host", "host"), ("cpu:0", "pocl")):
        out = run([binary, "bench", "--devices", dev, "--ops", op, "--dtypes", "float32", "--sizes", str(n),
                   "--placements", "in" if inplace else "out", "--repeats", str(args.reps), "--min-time", "0",
                   "--csv", "--quiet"], env)
        if out is None:
            continue
        for r in csv.DictReader(io.StringIO(out)):
            if r["status"] != "ok" or int(r["mismatches"] or 0):
                sys.stderr.write(f"smooth.py: {r['device']} {op} {n}: {r['status']} {r['reason']}\n")
                continue
            res[prefix + key] = float(r["host_median_ns"])
            copy = max(copy, float(r["ceiling_gbps"] or 0))
    if copy > 0:
        res[prefix + "copy"] = 8.0 * n / copy
    return res


def peer_round(args, env, peer, op, n, inplace):
    if peer == "onednn":
        out = run([args.onednn, op, str(n), str(args.reps), "1" if inplace else "0"], env)
    else:
        out = run([args.python, os.path.join(HERE, "py_relu.py"), peer, str(n), str(args.reps),
                   "1" if inplace else "0", str(args.threads), op], env)
    ns = float(out.strip()) if out and out.strip() else 0.0
    return {peer: ns} if ns > 0 else {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clrelu", required=True)
    ap.add_argument("--base", default=None, help="a second clrelu binary (the build before a change), "
                    "measured in the same rounds: columns base-host, base-pocl")
    ap.add_argument("--sizes", default="16M,64M")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--ops", default=",".join(SMOOTH))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--python", default=os.path.expanduser("~/.cache/clrelu-peers-venv/bin/python"))
    ap.add_argument("--onednn", default=None, help="onednn_eltwise binary (default: built into /tmp)")
    args = ap.parse_args()

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), CLRELU_HOST_THREADS=str(args.threads),
               POCL_MAX_PTHREAD_COUNT=str(args.threads), CLRELU_AUTO_HOST="0")
    if not args.onednn:
        args.onednn = "/tmp/clrelu-peers-onednn_eltwise"
        if subprocess.run(["cc", "-O2", "-o", args.onednn, os.path.join(HERE, "onednn_eltwise.c"), "-ldnnl"]).returncode:
            sys.stderr.write("smooth.py: the oneDNN harness did not build (apt-get install libdnnl-dev); n/a\n")
            args.onednn = None
    peers = ["clrelu"] + (["base"] if args.base else []) + (["onednn"] if args.onednn else []) + ["numpy"]
    has_torch = shutil.which(args.python) and subprocess.run([args.python, "-c", "import torch"],
                                                             capture_output=True).returncode == 0
    if has_torch:
        peers.append("torch")
    ops = args.ops.split(",")
    print(f"# {args.rounds} interleaved rounds x {args.reps} reps, threads={args.threads}, float32 forward; "
          f"GB/s = 8 B/element / median wall time per call; torch {'installed' if has_torch else 'not installed'}")
    cols = (["base-host"] if args.base else []) + ["host", "pocl", "onednn", "numpy", "torch", "copy"]
    print(f"{'N':<4} {'plc':<3} {'op':<10} {'onednn alg':<10}" + "".join(f" {c:>9}" for c in cols) +
          f" {'best/dnn':>8} {'best/copy':>9} {'host/dnn':>8} {'pocl/dnn':>8} {'best/np':>7} {'best/pt':>7}" +
          (f" {'host/base':>9} {'base/dnn':>8}" if args.base else ""))
    for size in args.sizes.split(","):
        n = elements(size)
        for inplace in (False, True):
            for op in ops:
                samples = {}
                for r in range(args.rounds):
                    k = r % len(peers)
                    for peer in peers[k:] + peers[:k]:
                        if peer == "clrelu":
                            got = clrelu_round(args, env, op, n, inplace, args.clrelu)
                        elif peer == "base":
                            got = clrelu_round(args, env, op, n, inplace, args.base, "base-")
                        else:
                            got = peer_round(args, env, peer, op, n, inplace)
                        for key, ns in got.items():
                            samples.setdefault(key, []).append(ns)
                med = {k: statistics.median(v) for k, v in samples.items()}
                gbps = {k: 8.0 * n / v for k, v in med.items()}
                best = max(gbps.get("host", 0), gbps.get("pocl", 0))

                def ratio(a, b):
                    return f"{a / b:.2f}" if a > 0 and b > 0 else "n/a"
                line = f"{size:<4} {'in' if inplace else 'out':<3} {op:<10} {ONEDNN_NAME.get(op, '-'):<10}"
                line += "".join(f" {gbps[c]:9.1f}" if c in gbps else f" {'n/a':>9}" for c in cols)
                line += (f" {ratio(best, gbps.get('onednn', 0)):>8} {ratio(best, gbps.get('copy', 0)):>9}"
                         f" {ratio(gbps.get('host', 0), gbps.get('onednn', 0)):>8}"
                         f" {ratio(gbps.get('pocl', 0), gbps.get('onednn', 0)):>8}"
                         f" {ratio(best, gbps.get('numpy', 0)):>7} {ratio(best, gbps.get('torch', 0)):>7}")
                if args.base:
                    line += (f" {ratio(gbps.get('host', 0), gbps.get('base-host', 0)):>9}"
                             f" {ratio(gbps.get('base-host', 0), gbps.get('onednn', 0)):>8}")
                print(line, flush=True)


if __name__ == "__main__":
    main()
