#!/usr/bin/env python3
"""make_example_model.py: write models/example (a tiny 4-16-8-3 ReLU classifier) deterministically, stdlib only."""
import json
import os
import struct
import sys


def write_npy(path, rows, shape):
    """Write a float32 C-order .npy (format 1.0) by hand: magic, version, padded header dict, data."""
    flat = [v for r in rows for v in r] if len(shape) == 2 else list(rows)
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % (
        ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else ""))
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        f.write(struct.pack("<%df" % len(flat), *flat))


class Lcg:
    """A fixed linear congruential generator, so every run writes the same bytes."""

    def __init__(self, seed):
        self.state = seed

    def uniform(self, lo, hi):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return lo + (hi - lo) * ((self.state >> 11) / float(2**53))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "models", "example")
    os.makedirs(out, exist_ok=True)
    rng = Lcg(20240601)
    sizes = [(4, 16, "relu", {}), (16, 8, "leaky_relu", {"negative_slope": 0.0}), (8, 3, "none", {})]
    layers = []
    for i, (n_in, n_out, act, params) in enumerate(sizes):
        w = [[round(rng.uniform(-1.0, 1.0) / n_in ** 0.5, 4) for _ in range(n_in)] for _ in range(n_out)]
        b = [round(rng.uniform(-0.1, 0.1), 4) for _ in range(n_out)]
        if i == 0:
            b[5] = -100.0  # unit 5 of layer 0 never fires on inputs in [-1, 1]: a dead unit to find
        write_npy(os.path.join(out, "w%d.npy" % i), w, (n_out, n_in))
        write_npy(os.path.join(out, "b%d.npy" % i), b, (n_out,))
        layer = {"in": n_in, "out": n_out, "activation": act, "weight": "w%d.npy" % i, "bias": "b%d.npy" % i}
        if params:
            layer["params"] = params
        layers.append(layer)
    config = {"name": "example", "description": "tiny 4-16-8-3 ReLU classifier (scripts/make_example_model.py); "
              "layer 0 unit 5 is dead by construction", "dtype": "float32", "layers": layers}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    sample = [[round(rng.uniform(-1.0, 1.0), 4) for _ in range(4)] for _ in range(8)]
    write_npy(os.path.join(out, "sample_input.npy"), sample, (8, 4))


if __name__ == "__main__":
    main()
