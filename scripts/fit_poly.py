#!/usr/bin/env python3
"""fit_poly.py: fits the polynomials of the smooth ops' vector math (backend/host/host_vmath.h, kernels/activation.cl) for the least maximum relative error.

  phi    Q(t) of Phi(-|x|) (vm_phi_neg, cm_phi_neg): erfc(a) = t Q(t) e^(-a^2), t = 1 / (1 + p a);
         Q(t) = erfcx(a) / t is smooth on t in (0, 1], so one polynomial covers every a >= 0.
         Printed halved (Phi(-|x|) = erfc / 2).
  log1p  P(u) of log1p(u) = u + u^2 P(u) on u in [0, 1] (vm_log1p01, cm_log1p01; softplus).

Lawson's iteratively reweighted least squares on Chebyshev nodes; the coefficients are rounded to
float one at a time from the highest power, the rest refitted each time. Prints the error of the
rounded coefficients evaluated in double and in float with FMA, then the coefficients, highest
power first. Needs numpy and scipy (bench/peers' virtual environment has them):

    python3 scripts/fit_poly.py phi [P [DEGREE]]     # the shipped fit: phi 0.45 9
    python3 scripts/fit_poly.py log1p [DEGREE]       # the shipped fit: log1p 9
"""
import sys

import numpy as np
from scipy.special import erfcx

kind = sys.argv[1] if len(sys.argv) > 1 else "phi"
iters = 300
if kind == "phi":
    p = float(sys.argv[2]) if len(sys.argv) > 2 else 0.45
    deg = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    lo, fixed0, halve = 1e-9, {}, True

    def target(t):
        a = (1.0 / t - 1.0) / p
        return erfcx(a) / t
elif kind == "log1p":
    deg = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    lo, fixed0, halve = 1e-12, {0: 1.0}, False  # log1p(u) / u = 1 + u P(u)

    def target(u):
        return np.log1p(u) / u
else:
    sys.exit("usage: fit_poly.py phi [P [DEGREE]] | log1p [DEGREE]")


nodes = np.clip((1 - np.cos(np.linspace(0, np.pi, 6000))) / 2, lo, 1)
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


fixed = dict(fixed0)
for k in range(deg, -1, -1):
    if k not in fixed:
        fixed[k] = float(np.float32(fit(fixed)[k]))
coef = [fixed[k] for k in range(deg + 1)]

t = np.linspace(1e-7, 1, 400001).astype(np.float32).astype(np.float64)
y = target(t)
q = np.full(t.shape, np.float32(coef[-1]), dtype=np.float32)
for k in range(deg - 1, -1, -1):  # float Horner, one rounding per step (FMA)
    q = (q.astype(np.float64) * t + coef[k]).astype(np.float32)
print("%s, degree %d: max relative error %.3g (double evaluation), %.3g (float, FMA)"
      % (kind, deg, np.max(np.abs(np.polyval(coef[::-1], t) - y) / y), np.max(np.abs(q - y) / y)))
print(", ".join("%.9g" % (np.float32(c) / (2 if halve else 1)) for c in coef[::-1]))
