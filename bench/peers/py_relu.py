"""py_relu.py: median time of numpy maximum(x, 0, out=) or PyTorch CPU relu / relu_ on N float32 elements, for bench/peers."""
import sys
import time

import numpy as np


def median_ns(fn, reps):
    fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        fn()
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    return t[len(t) // 2]


def main():
    kind, n, reps, inplace, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
    x = ((np.arange(n, dtype=np.int64) % 2001 - 1000) / 100.0).astype(np.float32)
    if kind == "numpy":
        y = np.zeros_like(x)
        fn = (lambda: np.maximum(x, 0, out=x)) if inplace else (lambda: np.maximum(x, 0, out=y))
    else:
        import torch
        torch.set_num_threads(threads)
        tx = torch.from_numpy(x)
        # relu allocates its result (what users call); relu_ works in place
        fn = (lambda: torch.relu_(tx)) if inplace else (lambda: torch.relu(tx))
    print(median_ns(fn, reps))


if __name__ == "__main__":
    main()
