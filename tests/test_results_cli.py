"""test_results_cli.py: `clrelu bench --results-db --label` stores runs; `clrelu results list | show | compare | history |
machines` reads them back (SQLite in a temporary folder, PostgreSQL through tests/support/postgres.py when it is there,
and a server's /v1/results routes when the server has them); compare verdicts and --fail-on-regression on synthetic runs."""
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks, Server  # noqa: E402

TINY = ["--repeats", "3", "--min-time", "0.0001", "--max-samples", "10", "--devices", "host", "--no-ceilings", "--quiet"]


def clrelu(*args, env=None):
    e = dict(os.environ)
    e.pop("CLRELU_RESULTS_DB", None)
    e.update(env or {})
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=300, env=e)
    return p.returncode, p.stdout, p.stderr


def stored_id(c, err):
    m = re.search(r"stored run (\S+) in ", err)
    c.check(m is not None, "bench prints the stored run's id on stderr: %r" % err)
    return m.group(1) if m else ""


def scaled(doc, factor, spread=None):
    """A copy of a clrelu-bench/1 document whose kernel samples are multiplied by factor (and, when spread is
    given, replaced by a tight or wide set around the scaled median)."""
    d = copy.deepcopy(doc)
    for case in d["cases"]:
        if case["status"] != "ok":
            continue
        med = case["kernel_ns"]["median"] * factor
        if spread is None:
            case["samples"]["kernel_ns"] = [v * factor for v in case["samples"]["kernel_ns"]]
        else:
            case["samples"]["kernel_ns"] = [med * (1 + spread * k) for k in (-1, -0.5, 0, 0, 0.5, 1, 0)]
        case["kernel_ns"]["median"] = med
        case["gbps_median"] = case["bytes_moved"] / med
    return d


def check_store(c, db, tmp, what):
    """bench twice into db, then every results subcommand against it."""
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K,4K", "--results-db", db, "--label", "ci=yes",
                          "--label", "driver=1.0", "--json")
    c.check(rc == 0, "%s: bench --results-db exits 0: %s" % (what, err))
    c.check(json.loads(out)["schema"] == "clrelu-bench/1", "%s: --json stdout stays one JSON document" % what)
    first = stored_id(c, err)
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K,4K", "--label", "ci=no", env={"CLRELU_RESULTS_DB": db})
    c.check(rc == 0, "%s: bench with $CLRELU_RESULTS_DB exits 0: %s" % (what, err))
    second = stored_id(c, err)
    c.check(first and second and first != second, "%s: two runs, two ids" % what)

    rc, out, err = clrelu("results", "list", "--results-db", db, "--json")
    c.check(rc == 0, "%s: list --json exits 0: %s" % (what, err))
    runs = json.loads(out)["runs"] if rc == 0 else []
    c.check([r["id"] for r in runs] == [second, first], "%s: list, newest first: %r" % (what, [r["id"] for r in runs]))
    if len(runs) == 2:
        c.check(runs[1]["labels"] == {"ci": "yes", "driver": "1.0"} and runs[0]["labels"] == {"ci": "no"},
                "%s: labels kept: %r" % (what, [r["labels"] for r in runs]))
        c.check(runs[0]["n_cases"] == 2, "%s: cases counted" % what)
    rc, out, err = clrelu("results", "list", "--results-db", db, "--label", "ci=yes")
    c.check(rc == 0 and first in out and second not in out and "ci=yes,driver=1.0" in out,
            "%s: list --label filters, table shows labels: %s%s" % (what, out, err))

    rc, out, err = clrelu("results", "show", first, "--results-db", db)
    c.check(rc == 0 and ("run " + first) in out and re.search(r"host\s+relu\s+float32\s+fwd\s+out\s+1024\s+ok", out),
            "%s: show prints the run and its cases: %s%s" % (what, out, err))
    rc, out, err = clrelu("results", "show", first, "--results-db", db, "--json")
    doc = json.loads(out) if rc == 0 else {}
    c.check(doc.get("id") == first and doc.get("result", {}).get("schema") == "clrelu-bench/1",
            "%s: show --json is the run document" % what)
    rc, out, err = clrelu("results", "show", "r-no-such-run", "--results-db", db)
    c.check(rc == 1 and "r-no-such-run" in err, "%s: an unknown id exits 1 naming it: %r" % (what, err))

    rc, out, err = clrelu("results", "compare", first, second, "--results-db", db, "--json")
    c.check(rc == 0, "%s: compare exits 0: %s" % (what, err))
    cmp = json.loads(out) if rc == 0 else {}
    c.check(len(cmp.get("cases", [])) == 2 and cmp.get("only_a") == 0 and cmp.get("only_b") == 0,
            "%s: compare matches both cases" % what)
    c.check(all(x["verdict"] in ("SAME", "FASTER", "SLOWER") for x in cmp.get("cases", [])), "%s: verdicts" % what)
    c.check(cmp.get("a", {}).get("id") == first and cmp.get("b", {}).get("id") == second, "%s: sides named" % what)
    rc, out, err = clrelu("results", "compare", first, second, "--results-db", db)
    c.check(rc == 0 and "VERDICT" in out and "Rule:" in out, "%s: compare table: %s%s" % (what, out, err))

    rc, out, err = clrelu("results", "history", "--results-db", db, "--op", "relu", "--dtype", "float32",
                          "--elements", "1K", "--device", "host", "--json")
    c.check(rc == 0, "%s: history exits 0: %s" % (what, err))
    pts = json.loads(out)["points"] if rc == 0 else []
    c.check([p["run"] for p in pts] == [first, second], "%s: history oldest first: %r" % (what, pts))
    if len(pts) == 2:
        c.check(pts[0]["verdict"] is None and pts[1]["verdict"] in ("SAME", "FASTER", "SLOWER"),
                "%s: each point judged against the one before" % what)
    rc, out, err = clrelu("results", "history", "--results-db", db, "--op", "relu", "--dtype", "float32", "--elements", "1K")
    c.check(rc == 0 and first in out and second in out and "VERDICT" in out, "%s: history table: %s%s" % (what, out, err))
    rc, out, err = clrelu("results", "history", "--results-db", db, "--op", "relu")
    c.check(rc == 2 and "--elements" in err, "%s: history without the case's size is a usage error: %r" % (what, err))

    rc, out, err = clrelu("results", "machines", "--results-db", db, "--json")
    ms = json.loads(out)["machines"] if rc == 0 else []
    c.check(len(ms) == 1 and any(d["id"] == "host" for d in ms[0]["devices"]), "%s: the machine and its devices: %r" % (what, ms))
    return first, second


def test_sqlite(c, tmp):
    db = "sqlite:" + os.path.join(tmp, "results.db")
    first, second = check_store(c, db, tmp, "sqlite")
    # the same documents through a server's routes, when this build's server has them
    rc, out, err = clrelu("serve", "--help")
    if "--results-db" not in out:
        print("SKIP part: this build's server has no --results-db yet")
        return
    try:
        with Server("--results-db", db, "--results-dir", os.path.join(tmp, "dir"), device="host") as s:
            st, _ = s.json("GET", "/v1/results")
            if st == 404:
                print("SKIP part: this server has no GET /v1/results yet")
                return
            base = "http://127.0.0.1:%d" % s.port
            for args in (["list"], ["show", first], ["compare", first, second],
                         ["history", "--op", "relu", "--dtype", "float32", "--elements", "1024", "--device", "host"],
                         ["machines"]):
                rc1, out1, err1 = clrelu("results", *args, "--results-db", db, "--json")
                rc2, out2, err2 = clrelu("results", *args, "--server", base, "--json")
                if rc1 == rc2 == 0 and args[0] == "machines":
                    # The daemon registers its own machine and adds liveness (alive, self,
                    # heartbeat_ms): every stored machine is in its list, field for field.
                    local = {m["id"]: m for m in json.loads(out1)["machines"]}
                    served = {m["id"]: m for m in json.loads(out2)["machines"]}
                    volatile = ("last_seen_ms", "alive", "self")
                    same = bool(local) and all(
                        i in served and {k: v for k, v in m.items() if k not in volatile} ==
                        {k: v for k, v in served[i].items() if k not in volatile} for i, m in local.items())
                else:
                    same = rc1 == rc2 == 0 and json.loads(out1) == json.loads(out2)
                c.check(same, "results %s: --server gives the --results-db document (%d %d %s %s)" %
                        (args[0], rc1, rc2, err1, err2))
                rc, out, err = clrelu("results", *args, "--server", base)
                c.check(rc == 0 and out, "results %s --server prints a table: %s" % (args[0], err))
            rc, out, err = clrelu("results", "show", "r-nope", "--server", base)
            c.check(rc == 1 and "404" in err, "--server: an unknown run exits 1 with the server's answer: %r" % err)
    except RuntimeError as e:
        c.check(False, "server with --results-db: %s" % e)


def test_postgres(c, tmp):
    support = os.path.join(os.path.dirname(__file__), "support", "postgres.py")
    if not os.path.exists(support):
        print("SKIP part: tests/support/postgres.py (the PostgreSQL fixture) is not in this tree")
        return
    sys.path.insert(0, os.path.dirname(support))
    import postgres  # noqa: E402
    why = postgres.missing()
    if why:
        print("SKIP part: PostgreSQL: %s" % why)
        return
    with postgres.Postgres() as pg:
        check_store(c, pg.create_db("clrelu_cli"), tmp, "postgresql")


def test_compare_files(c, tmp):
    """Verdicts and --fail-on-regression on synthetic runs, compared from files (no store)."""
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K,4K,16K", "--json")
    c.check(rc == 0, "bench --json: %s" % err)
    base = json.loads(out)
    paths = {}
    for name, doc in {"a": scaled(base, 1.0, 0.005), "same": scaled(base, 1.0, 0.005),
                      "slower": scaled(base, 1.2, 0.005), "faster": scaled(base, 0.8, 0.005),
                      "noisy_a": scaled(base, 1.0, 0.3), "noisy_b": scaled(base, 1.2, 0.3)}.items():
        paths[name] = os.path.join(tmp, name + ".json")
        with open(paths[name], "w") as f:
            json.dump(doc, f)
    want = {"same": ("SAME", 0), "slower": ("SLOWER", 1), "faster": ("FASTER", 0)}
    for name, (verdict, code) in want.items():
        rc, out, err = clrelu("results", "compare", paths["a"], paths[name], "--json")
        doc = json.loads(out) if rc == 0 else {}
        got = {x["verdict"] for x in doc.get("cases", [])}
        c.check(rc == 0 and got == {verdict}, "%s: every case %s: %r %s" % (name, verdict, got, err))
        rc, out, err = clrelu("results", "compare", paths["a"], paths[name], "--fail-on-regression")
        c.check(rc == code, "--fail-on-regression on %s exits %d: %d %s" % (name, code, rc, err))
        c.check((verdict == "SLOWER") == ("SLOWER: failing" in err), "the failure says why: %r" % err)
    rc, out, err = clrelu("results", "compare", paths["noisy_a"], paths["noisy_b"], "--json", "--fail-on-regression")
    doc = json.loads(out) if out else {}
    c.check(rc == 0 and {x["verdict"] for x in doc.get("cases", [])} == {"SAME"},
            "20 %% slower inside a 30 %% spread: SAME, exit 0: %d %r" % (rc, [x.get("verdict") for x in doc.get("cases", [])]))
    # unmatched cases are counted on each side
    fewer = copy.deepcopy(base)
    fewer["cases"] = [x for x in fewer["cases"] if x["elements"] != 16384]
    p = os.path.join(tmp, "fewer.json")
    with open(p, "w") as f:
        json.dump(fewer, f)
    rc, out, err = clrelu("results", "compare", paths["a"], p, "--json")
    doc = json.loads(out) if rc == 0 else {}
    c.check(doc.get("only_a") == 1 and doc.get("only_b") == 0 and len(doc.get("cases", [])) == 2,
            "unmatched counted: %r" % {k: doc.get(k) for k in ("only_a", "only_b")})
    # a file against a stored run
    db = "sqlite:" + os.path.join(tmp, "mixed.db")
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K,4K,16K", "--results-db", db)
    run = stored_id(c, err)
    rc, out, err = clrelu("results", "compare", paths["a"], run, "--results-db", db, "--json")
    doc = json.loads(out) if rc == 0 else {}
    c.check(rc == 0 and len(doc.get("cases", [])) == 3 and doc["b"]["id"] == run,
            "a file against a stored run: %d %s" % (rc, err))
    rc, out, err = clrelu("results", "compare", paths["a"], "not-a-file-or-run")
    c.check(rc == 2 and "--results-db" in err, "an id without a store is a usage error: %r" % err)


def test_errors(c, tmp):
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K", "--label", "a=b")
    c.check(rc == 2 and "--results-db" in err, "--label without a store: usage error: %r" % err)
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K", "--results-db", "sqlite:" + tmp, "--label", "bad key=x")
    c.check(rc == 2 and "--label" in err, "a bad label key is refused before the sweep: %r" % err)
    bad = "sqlite:" + os.path.join(tmp, "no", "such", "dir", "r.db")
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K", "--results-db", bad)
    c.check(rc == 1 and out == "" and "r.db" in err, "an unusable store stops bench before the sweep: %d %r" % (rc, err))
    rc, out, err = clrelu("bench", *TINY, "--sizes", "1K", "--results-db", "postgresql://u:secret@127.0.0.1:1/db")
    c.check(rc == 1 and "secret" not in err and "127.0.0.1" in err, "unreachable PostgreSQL: named, password hidden: %r" % err)
    rc, out, err = clrelu("results", "list")
    c.check(rc == 2 and "--results-db" in err, "no store: usage error naming the options: %r" % err)
    rc, out, err = clrelu("results", "list", "--server", "https://example.invalid")
    c.check(rc == 1 and "https" in err, "https is refused with a reason: %r" % err)
    rc, out, err = clrelu("results", "list", "--server", "http://127.0.0.1:1")
    c.check(rc == 1 and "127.0.0.1:1" in err, "an unreachable server is named: %r" % err)
    rc, out, err = clrelu("results", "frobnicate", "--results-db", "sqlite:" + os.path.join(tmp, "e.db"))
    c.check(rc == 2 and "frobnicate" in err, "unknown subcommand: %r" % err)
    rc, out, err = clrelu("results", "list", "--since", "yesterday", "--results-db", "sqlite:" + os.path.join(tmp, "e.db"))
    c.check(rc == 2 and "--since" in err, "a bad time: %r" % err)
    rc, out, err = clrelu("results", "--help")
    c.check(rc == 0 and "compare A B" in out and "--fail-on-regression" in out, "--help")


def main():
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="clrelu-results-cli-")
    try:
        for t in (test_sqlite, test_postgres, test_compare_files, test_errors):
            c.run(t, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
