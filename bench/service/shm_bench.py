#!/usr/bin/env python3
"""shm_bench.py: a large FP32 relu round trip through Triton system shared memory against the binary HTTP path, both with tritonclient, interleaved in one run against one `clrelu serve`; prints each side's times and the ratio.

Usage: bench/service/shm_bench.py [--bin build-perf/cli/clrelu] [--mib 64] [--rounds 15] [--device auto]

One round trip is what a client does to get relu(x) of a numpy array x back as a numpy array:
- binary: InferInput.set_data_from_numpy(x, binary_data=True), infer with a binary OUTPUT0,
  as_numpy (x goes out over loopback HTTP, the result comes back in the response);
- shm: set_shared_memory_region (x copied into the input region), infer with the input and
  OUTPUT0 in shared memory, get_contents_as_numpy (a view of the output region). The regions are
  created and registered once, before the timed rounds, as a client using shared memory does.
Rounds alternate binary, shm, binary, shm, ... after one untimed request of each; every result
is checked against numpy. Bandwidth = tensor bytes (one direction) / round-trip time.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

import numpy as np
import tritonclient.http as httpclient
import tritonclient.utils.shared_memory as shm


def start_server(binary, device):
    proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", "--device", device,
                             "--log-level", "warn", "--max-body", "65M"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    port = []
    ready = threading.Event()

    def read():
        for line in proc.stderr:
            m = re.search(r"listening on http://[^ ]*:(\d+)", line)
            if m and not port:
                port.append(int(m.group(1)))
                print("server:", line.strip(), flush=True)
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(120) or not port:
        proc.kill()
        sys.exit("server did not start")
    return proc, port[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default="build-perf/cli/clrelu")
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--device", default="auto")
    a = ap.parse_args()

    n = a.mib * 1024 * 1024 // 4
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(np.float32)
    want = np.maximum(x, 0)
    proc, port = start_server(a.bin, a.device)
    tag = "%d" % os.getpid()
    hin = shm.create_shared_memory_region("bench_in", "/clrelu_bench_in_" + tag, x.nbytes)
    hout = shm.create_shared_memory_region("bench_out", "/clrelu_bench_out_" + tag, x.nbytes)
    client = httpclient.InferenceServerClient("127.0.0.1:%d" % port, connection_timeout=300, network_timeout=300)
    try:
        client.unregister_system_shared_memory()
        client.register_system_shared_memory("bench_in", "/clrelu_bench_in_" + tag, x.nbytes)
        client.register_system_shared_memory("bench_out", "/clrelu_bench_out_" + tag, x.nbytes)

        def binary_round():
            inp = httpclient.InferInput("INPUT0", [n], "FP32")
            inp.set_data_from_numpy(x, binary_data=True)
            r = client.infer("relu", [inp], outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=True)])
            return r.as_numpy("OUTPUT0")

        def shm_round():
            shm.set_shared_memory_region(hin, [x])
            inp = httpclient.InferInput("INPUT0", [n], "FP32")
            inp.set_shared_memory("bench_in", x.nbytes)
            out = httpclient.InferRequestedOutput("OUTPUT0")
            out.set_shared_memory("bench_out", x.nbytes)
            client.infer("relu", [inp], outputs=[out])
            return shm.get_contents_as_numpy(hout, np.float32, [n])

        times = {"binary": [], "shm": []}
        rounds = {"binary": binary_round, "shm": shm_round}
        for i in range(a.rounds + 1):
            for name, fn in rounds.items():
                shm.set_shared_memory_region(hout, [np.zeros(1, np.float32)])  # the output is really rewritten
                t0 = time.perf_counter()
                y = fn()
                dt = time.perf_counter() - t0
                if not np.array_equal(y, want):
                    sys.exit("%s round %d: the result differs from numpy" % (name, i))
                if i:  # round 0 is the warm-up
                    times[name].append(dt)
        mb = x.nbytes / 1e9
        print("%d MiB FP32 relu round trip, %d interleaved rounds each, device %s" % (a.mib, a.rounds, a.device))
        for name, ts in times.items():
            med = statistics.median(ts)
            print("  %-6s median %7.1f ms  min %7.1f ms  max %7.1f ms  -> %5.2f GB/s median, %5.2f GB/s best"
                  % (name, med * 1e3, min(ts) * 1e3, max(ts) * 1e3, mb / med, mb / min(ts)))
        ratio = statistics.median(times["binary"]) / statistics.median(times["shm"])
        pairs = sorted(b / s for b, s in zip(times["binary"], times["shm"]))
        print("  ratio binary/shm: %.2fx (median times); per round pair: min %.2fx, median %.2fx, max %.2fx"
              % (ratio, pairs[0], statistics.median(pairs), pairs[-1]))
        stats = client.get_inference_statistics("relu")["model_stats"][0]["inference_stats"]
        print("  server's relu statistics (both paths together): " + ", ".join(
            "%s %.1f ms" % (k, stats[k]["ns"] / max(stats[k]["count"], 1) / 1e6)
            for k in ("compute_input", "compute_infer", "compute_output")))
        client.unregister_system_shared_memory()
    finally:
        shm.destroy_shared_memory_region(hin)
        shm.destroy_shared_memory_region(hout)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


if __name__ == "__main__":
    main()
