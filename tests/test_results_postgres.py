#!/usr/bin/env python3
"""test_results_postgres.py: the results store on a real PostgreSQL that the test starts itself (tests/support/
postgres.py: initdb in a temporary folder, a unix socket only, stopped at the end) — test_results_store's checks
(open and migrate, machines, runs, filters, pages, history, reopen, import, upgrade of a v1 database holding data,
four openers migrating one empty database at once), then the database stopped, started and restarted under an
open store. Skips (77) only when the PostgreSQL server binaries are not installed."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "support"))

from postgres import Postgres, missing  # noqa: E402
from server_harness import Checks  # noqa: E402


def store_binary():
    b = os.environ.get("CLRELU_TEST_RESULTS_STORE")
    if b:
        return b
    cli = os.environ.get("CLRELU_BIN") or os.path.join(HERE, "..", "build", "cli", "clrelu")
    return os.path.normpath(os.path.join(os.path.dirname(cli), "..", "tests", "test_results_store"))


def same_checks(c, pg, binary):
    urls = [pg.create_db(n) for n in ("clrelu", "clrelu_v1", "clrelu_race")]
    p = subprocess.run([binary] + urls, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    print(p.stdout, end="")
    c.check(p.returncode == 0, "test_results_store on PostgreSQL passes (exit %d)" % p.returncode)
    c.check("postgresql:///clrelu?host=" in p.stdout, "it ran on the PostgreSQL URL")


def reconnect(c, pg, binary):
    url = pg.create_db("clrelu_faults")
    proc = subprocess.Popen([binary, "--reconnect", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    steps = []
    try:
        for line in proc.stdout:
            word = line.strip()
            if word in ("STOP", "START", "RESTART"):
                steps.append(word)
                {"STOP": pg.stop, "START": pg.start, "RESTART": pg.restart}[word]()
                proc.stdin.write("go\n")
                proc.stdin.flush()
            else:
                print(line, end="")
        rc = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        if not pg.running:
            pg.start()
    c.check(steps == ["STOP", "START", "RESTART", "RESTART"], "every step ran: %s" % steps)
    c.check(rc == 0, "the store survives the database stopping and restarting (exit %d)" % rc)


def main():
    why = missing()
    if why:
        print("SKIP:", why)
        sys.exit(77)
    binary = store_binary()
    c = Checks()
    if not c.check(os.access(binary, os.X_OK), "%s is built" % binary):
        c.finish()
    with Postgres() as pg:
        print("PostgreSQL from %s on %s" % (pg.bindir, pg.url("clrelu")))
        c.run(same_checks, pg, binary)
        c.run(reconnect, pg, binary)
    c.finish()


if __name__ == "__main__":
    main()
