"""test_kill9.py: kill -9 at random moments never leaves a file that breaks the next start — the
server's results store (SQLite in the results directory; an interrupted sweep is queued again and
finished once), the OpenCL program cache and the tuning file (written through a temporary file +
rename), plus planted truncated entries and stray temporary files."""
import glob
import json
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks, Server  # noqa: E402

ITERATIONS = 8
SWEEP = {"devices": "host", "ops": ["relu", "gelu", "elu"], "sizes": "1K,4K,16K", "repeats": 2,
         "min_time_s": 0.0001, "max_samples": 4, "ceilings": False}


def write_npy(path, values):
    hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() +
                struct.pack("<%df" % len(values), *values))


def read_npy_f32(path):
    data = open(path, "rb").read()
    hl = struct.unpack("<H", data[8:10])[0]
    body = data[10 + hl:]
    return list(struct.unpack("<%df" % (len(body) // 4), body))


def kill9(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def store_ok(c, d, what):
    """The results store the server keeps in the directory (sqlite:<dir>/results.db) is intact."""
    path = os.path.join(d, "results.db")
    try:
        db = sqlite3.connect(path, timeout=10)
        verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
    except sqlite3.Error as e:
        verdict = repr(e)
    c.check(verdict == "ok", "%s: %s passes SQLite's integrity check (%s)" % (what, os.path.basename(path), verdict))


def test_server(c, rng):
    """kill -9 at random moments of sweeps: the store (SQLite, WAL) is never left broken, finished jobs
    keep their state and results, JSON files of the store's predecessor planted in the directory
    (truncated, garbage, stray temporary files) neither stop a start nor get listed, and every sweep
    a kill interrupted is queued again once its lease ends and finished exactly once (issue 16)."""
    d = tempfile.mkdtemp(prefix="clrelu-kill9-results.")
    planted = {"btrunc-1.json", "zz-garbage.json"}
    finished = {}  # id -> status the server reported as final before a kill
    posted = []
    env = {"CLRELU_JOB_LEASE_S": "2", "CLRELU_HEARTBEAT_S": "0.5"}
    try:
        for it in range(ITERATIONS):
            s = Server("--results-dir", d, "--no-warmup", device="host", env=env)
            try:
                s.start()
            except RuntimeError as e:
                c.check(False, "iteration %d: server starts after kill -9 (%s)" % (it, str(e)[-300:]))
                return
            st, b = s.json("GET", "/v1/benchmarks")
            c.check(st == 200 and isinstance(b.get("jobs"), list), "iteration %d: jobs listed (%s)" % (it, st))
            jobs = {j["id"]: j for j in b.get("jobs", [])}
            for jid, status in finished.items():
                c.check(jid in jobs and jobs[jid]["status"] == status,
                        "iteration %d: finished job %s kept as %s (found %s)"
                        % (it, jid, status, jobs.get(jid, {}).get("status")))
            for jid in planted:
                c.check(jid[:-5] not in jobs, "iteration %d: planted %s not listed" % (it, jid))
            for jid, j in jobs.items():
                if j.get("has_results"):
                    st, full = s.json("GET", "/v1/benchmarks/" + jid)
                    c.check(st == 200 and isinstance(full.get("results"), dict) and
                            full["results"].get("cases"), "iteration %d: %s results readable" % (it, jid))
            # a sweep that runs for a while, and kill -9 at a random moment of it
            st, b = s.json("POST", "/v1/benchmarks", SWEEP)
            c.check(st == 202, "iteration %d: sweep accepted (%s %s)" % (it, st, b))
            if st == 202:
                posted.append(b["id"])
            time.sleep(rng.uniform(0.0, 1.5))
            st, b = s.json("GET", "/v1/benchmarks")
            for j in b.get("jobs", []):
                if j["status"] in ("done", "cancelled", "failed") and (j.get("has_results") or j["status"] != "done"):
                    finished[j["id"]] = j["status"]
            kill9(s.proc)
            store_ok(c, d, "iteration %d" % it)
            if it == 0:
                # plant a truncated job file of the JSON-file era, a non-job and stray temporary files
                text = json.dumps({"id": "btrunc-1", "status": "done", "progress": {"done": 1, "total": 1}})
                with open(os.path.join(d, "btrunc-1.json"), "w") as f:
                    f.write(text[:len(text) // 2])
                with open(os.path.join(d, "zz-garbage.json"), "wb") as f:
                    f.write(b"\x00\xff not json")
                for name in ("b1-1.json.tmp.999999", "b1-1.csv.tmp.999998"):
                    with open(os.path.join(d, name), "w") as f:
                        f.write('{"id": "b1-1", "sta')
        c.check(len(finished) >= 1, "some sweeps finished between kills (%d)" % len(finished))
        # the sweeps the kills interrupted: queued again when their leases end, each finished once
        with Server("--results-dir", d, "--no-warmup", device="host", env=env) as s:
            deadline = time.time() + 120
            while time.time() < deadline:
                st, b = s.json("GET", "/v1/benchmarks")
                jobs = {j["id"]: j for j in b.get("jobs", [])} if st == 200 else {}
                if posted and all(jobs.get(i, {}).get("status") in ("done", "cancelled", "failed") for i in posted):
                    break
                time.sleep(0.2)
            c.check(all(jobs.get(i, {}).get("status") == "done" for i in posted),
                    "every interrupted sweep was run again to the end: %r" % {i: jobs.get(i, {}).get("status") for i in posted})
            for i in posted:
                st, r = s.json("GET", "/v1/results?job=" + i)
                n = len(r.get("runs", [])) if st == 200 and r else -1
                c.check(n == 1, "sweep %s has exactly one result set (%d)" % (i, n))
        store_ok(c, d, "at the end")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def opencl_cpu_present():
    r = subprocess.run([BIN, "devices", "--json"], capture_output=True, text=True)
    try:
        return any(dv.get("type") == "cpu" for dv in json.loads(r.stdout))
    except ValueError:
        return False


def run_relu(cache, inp, out, timeout=300):
    env = dict(os.environ, CLRELU_CACHE_DIR=cache)
    return subprocess.Popen([BIN, "run", "relu", inp, out, "--device", "cpu"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_program_cache(c, rng, work):
    inp, out = os.path.join(work, "in.npy"), os.path.join(work, "out.npy")
    xs = [i - 31.5 for i in range(64)]
    write_npy(inp, xs)
    want = [max(x, 0.0) for x in xs]
    cache = os.path.join(work, "cache")
    p = run_relu(cache, inp, out)
    err = p.communicate(timeout=300)[1]
    c.check(p.returncode == 0 and read_npy_f32(out) == want, "first build runs (%s)" % err[-300:])
    # how long a first build takes, to spread the kills over it: timed on a second one, because the
    # very first also filled the OpenCL implementation's own kernel cache (PoCL's), which with
    # empty caches takes far longer than every later build — its time would aim past the end
    shutil.rmtree(cache, ignore_errors=True)
    t0 = time.monotonic()
    p = run_relu(cache, inp, out)
    p.communicate(timeout=300)
    full = time.monotonic() - t0
    killed, attempts, latest = 0, 0, 0.9
    while attempts < 8 and (attempts < 4 or killed == 0):
        shutil.rmtree(cache, ignore_errors=True)
        p = run_relu(cache, inp, out)
        time.sleep(rng.uniform(0.05, latest) * full)
        if p.poll() is None:
            kill9(p)
            killed += 1
        else:
            p.communicate()
            latest /= 2  # the build ended first (a faster machine or a quieter minute): aim earlier
        if os.path.exists(out):
            os.unlink(out)
        p = run_relu(cache, inp, out)
        err = p.communicate(timeout=300)[1]
        c.check(p.returncode == 0 and read_npy_f32(out) == want,
                "program cache, kill -9 attempt %d: the next run is correct (%s)" % (attempts, err[-300:]))
        attempts += 1
    c.check(killed >= 1, "at least one kill landed during a first build (%d of %d)" % (killed, attempts))
    entries = glob.glob(os.path.join(cache, "*.clbin"))
    c.check(len(entries) >= 1, "a cache entry was written")
    # plant truncated, empty and garbage entries and a stray temporary file
    for i, e in enumerate(entries):
        data = open(e, "rb").read()
        with open(e, "wb") as f:
            f.write(data[: [len(data) // 2, 0, 17][i % 3]] if i % 3 != 2 else b"\x7fELF garbage" * 3)
    open(os.path.join(cache, "0123.clbin.tmp.999999"), "wb").write(b"half")
    os.unlink(out)
    p = run_relu(cache, inp, out)
    err = p.communicate(timeout=300)[1]
    c.check(p.returncode == 0 and read_npy_f32(out) == want,
            "truncated cache entries are rebuilt, not trusted (%s)" % err[-300:])
    rebuilt = [e for e in glob.glob(os.path.join(cache, "*.clbin")) if os.path.getsize(e) > 1000]
    c.check(len(rebuilt) >= 1, "a damaged entry was rewritten (%d sizable entries)" % len(rebuilt))
    p = run_relu(cache, inp, out)
    err = p.communicate(timeout=300)[1]
    c.check(p.returncode == 0 and read_npy_f32(out) == want, "and the rewritten entry loads (%s)" % err[-300:])


def tune(cache):
    env = dict(os.environ, CLRELU_CACHE_DIR=cache)
    return subprocess.Popen([BIN, "tune", "--device", "cpu", "--dtype", "float32", "--size", "65536"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tune_file_ok(path):
    lines = open(path).read().splitlines()
    return len(lines) >= 3 and lines[-1].startswith("end ") and len(lines[-1]) == 4 + 16


def test_tune_file(c, rng, work):
    inp, out = os.path.join(work, "in.npy"), os.path.join(work, "out.npy")
    xs = [i - 31.5 for i in range(64)]
    want = [max(x, 0.0) for x in xs]
    cache = os.path.join(work, "tcache")
    p = tune(cache)
    o, err = p.communicate(timeout=600)
    files = glob.glob(os.path.join(cache, "*.tune"))
    c.check(p.returncode == 0 and len(files) == 1 and tune_file_ok(files[0]), "tune writes a checked file (%s)" % err[-300:])
    if not files:
        return
    good = open(files[0]).read()
    # The kills aim inside a tune as long as a warm one: the first run above also compiled the
    # kernels (with empty caches much longer than a tune), so its time would aim past the end.
    t0 = time.monotonic()
    p = tune(cache)
    p.communicate(timeout=600)
    full = time.monotonic() - t0
    killed, attempts, latest = 0, 0, 0.9
    while attempts < 8 and (attempts < 4 or killed == 0):
        p = tune(cache)
        time.sleep(rng.uniform(0.05, latest) * full)
        if p.poll() is None:
            kill9(p)
            killed += 1
        else:
            p.communicate()
            latest /= 2  # the tune ended first (a faster machine or a quieter minute): aim earlier
        now = glob.glob(os.path.join(cache, "*.tune"))
        c.check(len(now) == 1 and tune_file_ok(now[0]), "tune, kill -9 attempt %d: the file is whole" % attempts)
        attempts += 1
    c.check(killed >= 1, "at least one kill landed during a tune (%d of %d)" % (killed, attempts))
    # truncated and corrupted tune files: runs stay correct, and the next tune rewrites the file
    for bad in (good[: len(good) // 2], good.replace("float32", "float33"), ""):
        with open(files[0], "w") as f:
            f.write(bad)
        open(files[0] + ".999999.tmp", "w").write(good[:10])
        if os.path.exists(out):
            os.unlink(out)
        p = run_relu(cache, inp, out)
        err = p.communicate(timeout=300)[1]
        c.check(p.returncode == 0 and read_npy_f32(out) == want,
                "a damaged tune file (%d bytes) does not break a run (%s)" % (len(bad), err[-300:]))
    p = tune(cache)
    err = p.communicate(timeout=600)[1]
    c.check(p.returncode == 0 and tune_file_ok(files[0]), "tune rewrites the damaged file (%s)" % err[-300:])


def main():
    c = Checks()
    rng = random.Random(int(os.environ.get("CLRELU_KILL9_SEED", "9")))
    c.run(test_server, rng)
    if opencl_cpu_present():
        work = tempfile.mkdtemp(prefix="clrelu-kill9.")
        try:
            c.run(test_program_cache, rng, work)
            c.run(test_tune_file, rng, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    else:
        print("no OpenCL CPU device: the program cache and tuning file parts need one and were not run")
    c.finish()


if __name__ == "__main__":
    main()
