#!/usr/bin/env python3
"""fit_phi_poly.py: fits Q(t), the polynomial of the host's and kernels' Phi(-|x|) (vm_phi_neg in backend/host/host_vmath.h, cm_phi_neg in kernels/activation.cl).

erfc(a) = t Q(t) e^(-a^2) with t = 1 / (1 + p a): Q(t) = erfcx(a) / t is smooth on t in (0, 1], so
one polynomial covers every a >= 0. The fit minimises the largest relative error (Lawson's
iteratively reweighted least squares on Chebyshev nodes), rounding the coefficients to float one
at a time from the highest power and refitting the rest, and prints the error of the rounded
coefficients evaluated in double and in float with FMA, then the coefficients halved (Phi(-|x|) =
erfc / 2), highest power first. Needs numpy and scipy (bench/peers' virtual environment has them):

    python3 scripts/fit_phi_poly.py [P [DEGREE [ITERATIONS]]]     # the shipped fit: 0.45 9 300
"""
import sys

import numpy as np
from scipy.special import erfcx

p = float(sys.argv[1]) if len(sys.argv) > 1 else 0.45
deg = int(sys.argv[2]) if len(sys.argv) > 2 else 9
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 300


def target(t):
    a = (1.0 / t - 1.0) / p
    return erfcx(a) / t


nodes = np.clip((1 - np.cos(np.linspace(0, np.pi, 6000))) / 2, 1e-9, 1)
want = target(nodes)
vander = np.vander(nodes, deg + 1, increasing=True)


def fit(fixed):
    """least maximum relative error with the powers in `fixed` held at their values"""
    free = [k for k in range(deg + 1) if k not in fixed]
    rest = want - sum(vander[:, k] * v for k, v in fixed.items())
    w = np.ones(len(nodes))
    for _ in range(iters):
        sw = np.sqrt(w) / want
        c, *_ = np.linalg.lstsq(vander[:, free] * sw[:, None], rest * sw, rcond=None)
        err = np.abs(vander[:, free] @ c - rest) / want
        w = w * err
        w /= w.sum()
    out = dict(fixed)
    out.update(zip(free, c))
    return [out[k] for k in range(deg + 1)]


fixed = {}
for k in range(deg, -1, -1):
    fixed[k] = float(np.float32(fit(fixed)[k]))
coef = [fixed[k] for k in range(deg + 1)]

t = np.linspace(1e-7, 1, 400001).astype(np.float32).astype(np.float64)
y = target(t)
q = np.full(t.shape, np.float32(coef[-1]), dtype=np.float32)
for k in range(deg - 1, -1, -1):  # float Horner, one rounding per step (FMA)
    q = (q.astype(np.float64) * t + coef[k]).astype(np.float32)
print("p %g, degree %d: max relative error %.3g (double evaluation), %.3g (float, FMA)"
      % (p, deg, np.max(np.abs(np.polyval(coef[::-1], t) - y) / y), np.max(np.abs(q - y) / y)))
print(", ".join("%.9g" % (np.float32(c) / 2) for c in coef[::-1]))
