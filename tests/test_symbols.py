#!/usr/bin/env python3
"""test_symbols.py: every global symbol that libclrelu.a and libclrelu_results.a (the results store,
backend/results) define starts with clrelu_ (public API) or clr_ (internal), so that the static
libraries cannot clash with an embedder's own names (nor with SQLite's, libpq's or cJSON's).
Reads `nm -g --defined-only` of the libraries next to $CLRELU_BIN; skips (77) when nm is missing."""
import os
import shutil
import subprocess
import sys

from server_harness import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIXES = ("clrelu_", "clr_")
# Names the toolchain makes for instrumented globals (GCC's AddressSanitizer ODR indicators): they
# follow the global's own name, which is checked by itself.
TOOLCHAIN = ("__odr_asan.", "__odr_asan_gen_")
UNDEFINED = set("Uwv")  # never listed with --defined-only, but never ours either


def libraries():
    """(path, least API symbols) of the libraries of the build whose CLI is $CLRELU_BIN
    (build/cli/clrelu): build/backend/libclrelu.a and build/backend/results/libclrelu_results.a."""
    binary = os.environ.get("CLRELU_BIN") or os.path.join(ROOT, "build", "cli", "clrelu")
    backend = os.path.normpath(os.path.join(os.path.dirname(binary), "..", "backend"))
    return [(os.path.join(backend, "libclrelu.a"), 50),
            (os.path.join(backend, "results", "libclrelu_results.a"), 10)]


def defined_globals(lib):
    """(object file, nm type letter, name) of every defined global symbol of an archive."""
    out = subprocess.run(["nm", "-g", "--defined-only", lib], capture_output=True, text=True, check=True).stdout
    member, syms = "?", []
    for line in out.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.endswith(":") and " " not in line:  # "context.c.o:" opens an archive member
            member = line[:-1]
            continue
        parts = line.split()
        if len(parts) >= 2 and len(parts[-2]) == 1 and parts[-2] not in UNDEFINED:
            syms.append((member, parts[-2], parts[-1]))
    return syms


def check_library(c, lib, least):
    syms = defined_globals(lib)
    ours = [s for s in syms if s[2].startswith(PREFIXES)]
    c.check(len(ours) > least, f"nm lists {os.path.basename(lib)}'s API ({len(ours)} clrelu_/clr_ symbols of {len(syms)})")
    bad = sorted(s for s in syms if not s[2].startswith(PREFIXES) and not s[2].startswith(TOOLCHAIN))
    for member, kind, name in bad:
        c.check(False, f"{member}: {kind} {name} has neither prefix {' nor '.join(PREFIXES)}")
    if bad:
        print(f"{len(bad)} unprefixed global symbols in {len({m for m, _, _ in bad})} object files of {lib}")


def main():
    if shutil.which("nm") is None:
        print("SKIP: nm (binutils) is not installed")
        sys.exit(77)
    c = Checks()
    for lib, least in libraries():
        if c.check(os.path.isfile(lib), f"{lib} exists (built next to CLRELU_BIN's cli/)"):
            check_library(c, lib, least)
    c.finish()


if __name__ == "__main__":
    main()
