"""py_relu.py: median time of numpy/scipy or PyTorch CPU relu (or a smooth op) on N float32 elements, for bench/peers.

usage: py_relu.py numpy|torch N REPS INPLACE(0|1) THREADS [OP]; prints the median nanoseconds per
call, or 0 when that library has no single function for OP (numpy: relu as maximum(x, 0), tanh,
sigmoid as scipy.special.expit, softplus as logaddexp(0, x); PyTorch: every op, in place where it
has an in-place form).
"""
import sys
import time

import numpy as np


def median_ns(fn, reps, restore=None):
    fn()
    t = []
    for _ in range(reps):
        if restore:  # in place: the same input every time, as clrelu's bench engine does (untimed)
            restore()
        t0 = time.perf_counter_ns()
        fn()
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    return t[len(t) // 2]


def numpy_fn(op, x, out):
    """One numpy/scipy ufunc call for op writing out, or None."""
    if op == "relu":
        return lambda: np.maximum(x, 0, out=out)
    if op == "tanh":
        return lambda: np.tanh(x, out=out)
    if op == "softplus":
        return lambda: np.logaddexp(np.float32(0), x, out=out)
    if op == "sigmoid":
        try:
            from scipy.special import expit
        except ImportError:
            return None
        return lambda: expit(x, out=out)
    return None


def torch_fn(op, tx, inplace):
    """PyTorch's function for op (allocating its result, as users call it) or its in-place form, or None."""
    import torch
    import torch.nn.functional as F
    if inplace:
        table = {"relu": torch.relu_, "sigmoid": torch.sigmoid_, "tanh": torch.tanh_,
                 "silu": lambda t: F.silu(t, inplace=True), "elu": lambda t: F.elu(t, inplace=True),
                 "selu": lambda t: F.selu(t, inplace=True)}
    else:
        table = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu, "elu": F.elu,
                 "selu": F.selu, "gelu": F.gelu, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
                 "softplus": F.softplus}
    f = table.get(op)
    return (lambda: f(tx)) if f else None


def main():
    kind, n, reps, inplace, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
    op = sys.argv[6] if len(sys.argv) > 6 else "relu"
    x = ((np.arange(n, dtype=np.int64) % 2001 - 1000) / 100.0).astype(np.float32)
    x0 = x.copy() if inplace else None
    restore = (lambda: np.copyto(x, x0)) if inplace else None
    if kind == "numpy":
        fn = numpy_fn(op, x, x if inplace else np.zeros_like(x))
    else:
        import torch
        torch.set_num_threads(threads)
        fn = torch_fn(op, torch.from_numpy(x), inplace)
    print(median_ns(fn, reps, restore) if fn else 0)


if __name__ == "__main__":
    main()
