#!/usr/bin/env python3
"""results_speed.py: bench_results_speed on SQLite (a file in a temporary folder) and on PostgreSQL (started here
by tests/support/postgres.py, as the tests start it): 1,000 stored runs, then the time of a case's history query.
Issue 16's goal: under 50 ms on both. Not a test: it prints the numbers for BENCHMARKS.md.

Usage: bench/results_speed.py [--bin build/bench/bench_results_speed] [--runs 1000] [--queries 100]"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))

from postgres import Postgres, missing  # noqa: E402


def run(binary, url, runs, queries):
    p = subprocess.run([binary, url, str(runs), str(queries)], text=True)
    if p.returncode != 0:
        sys.exit("bench_results_speed failed on %s (exit %d)" % (url, p.returncode))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bench", "bench_results_speed"))
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    a = ap.parse_args()
    if not os.access(a.bin, os.X_OK):
        sys.exit("%s is not built (cmake --build BUILD --target bench_results_speed)" % a.bin)
    if a.only != "postgresql":
        tmp = tempfile.mkdtemp(prefix="clrelu-speed-")
        try:
            run(a.bin, "sqlite:%s/results.db" % tmp, a.runs, a.queries)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    if a.only != "sqlite":
        why = missing()
        if why:
            print("PostgreSQL skipped:", why)
            return
        with Postgres() as pg:
            run(a.bin, pg.create_db("speed"), a.runs, a.queries)


if __name__ == "__main__":
    main()
