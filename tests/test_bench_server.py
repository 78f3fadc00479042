"""test_bench_server.py: /v1/benchmarks — job lifecycle, progress, CSV, cancel, delete, API key, activations during a sweep, restart persistence (the default SQLite store), SIGTERM handing a sweep back."""
import csv
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402

TINY = {"devices": "host", "ops": ["relu", "gelu"], "sizes": "1K,4K", "repeats": 2, "min_time_s": 0.0001,
        "max_samples": 5}


def wait_done(s, job_id, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = s.json("GET", "/v1/benchmarks/" + job_id)
        if body and body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.05)
    return body


def test_lifecycle(c, s):
    status, hdrs, data = s.request("POST", "/v1/benchmarks", TINY)
    c.check(status == 202, "POST answers 202 (%d %r)" % (status, data[:200]))
    import json
    job = json.loads(data)
    c.check(hdrs.get("location") == "/v1/benchmarks/" + job["id"], "Location header %r" % hdrs.get("location"))
    c.check(job["status"] in ("queued", "running", "done") and job["progress"]["total"] == 4,
            "accepted with 4 cases (a tiny sweep may finish before the answer): %r" % job)
    done = wait_done(s, job["id"])
    c.check(done["status"] == "done", "job done: %r" % done.get("status"))
    c.check(done["progress"]["done"] == done["progress"]["total"] == 4, "progress complete %r" % done["progress"])
    res = done.get("results", {})
    c.check(res.get("schema") == "clrelu-bench/1" and len(res.get("cases", [])) == 4, "results embedded")
    c.check(all(x["status"] == "ok" and x["gbps_median"] > 0 for x in res.get("cases", [])), "every case ok")
    status, hdrs, data = s.request("GET", "/v1/benchmarks/%s?format=csv" % job["id"])
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    c.check(status == 200 and hdrs.get("content-type", "").startswith("text/csv") and len(rows) == 4,
            "CSV download (%d, %r, %d rows)" % (status, hdrs.get("content-type"), len(rows)))
    status, body = s.json("GET", "/v1/benchmarks")
    c.check(status == 200 and job["id"] in [j["id"] for j in body["jobs"]], "listed")
    status, body = s.json("DELETE", "/v1/benchmarks/" + job["id"])
    c.check(status == 409, "cancelling a finished job is a conflict (%d)" % status)
    status, body = s.json("GET", "/v1/benchmarks/nope")
    c.check(status == 404, "unknown job 404")
    status, body = s.json("POST", "/v1/benchmarks", {"ops": "nope"})
    c.check(status == 400 and "unknown op" in body.get("error", ""), "bad options 400: %r" % body)
    status, body = s.json("POST", "/v1/benchmarks", {"repeats": "many"})
    c.check(status == 400, "non-numeric repeats 400")
    status, body = s.json("POST", "/v1/benchmarks", dict(TINY, max_sampls=5))
    c.check(status == 400 and "unknown field 'max_sampls'" in body.get("error", ""), "a misspelt option is refused %s %r" % (status, body))
    status, body = s.json("POST", "/v1/benchmarks", {"sizes": [1.5]})
    c.check(status == 400 and "sizes" in body.get("error", ""), "fractional size 400: %r" % body)
    status, numeric = s.json("POST", "/v1/benchmarks", dict(TINY, sizes=[1024, "2K"]))
    c.check(status == 202, "sizes as numbers and strings accepted (%d %r)" % (status, numeric))
    if status == 202:
        done = wait_done(s, numeric["id"])
        sizes = sorted({case["elements"] for case in done.get("results", {}).get("cases", [])})
        c.check(sizes == [1024, 2048], "numeric sizes sweep 1024 and 2048 elements: %r" % sizes)
    status, body = s.json("GET", "/v1/benchmarks/%s?format=xml" % job["id"])
    c.check(status == 400, "unknown format 400")
    return job["id"]


def test_cancel_and_activations(c, s):
    # 5 cases of at least 0.4 s: sizes where max_samples (100,000) does not end a case first
    long = dict(TINY, sizes="64K..1M x2", min_time_s=0.4, max_samples=100000, ops="relu")
    status, first = s.json("POST", "/v1/benchmarks", long)
    status2, second = s.json("POST", "/v1/benchmarks", long)
    c.check(status == 202 and status2 == 202, "two jobs queued")
    # one at a time: while the first runs, the second waits
    deadline = time.time() + 20
    while time.time() < deadline and s.json("GET", "/v1/benchmarks/" + first["id"])[1]["status"] != "running":
        time.sleep(0.02)
    c.check(s.json("GET", "/v1/benchmarks/" + second["id"])[1]["status"] == "queued", "second waits for the first")
    st, body = s.json("POST", "/v1/activate", {"op": "relu", "data": [-1, 2], "device": "host"})
    c.check(st == 200 and body.get("data", body.get("output")) is not None, "activations are served during a sweep: %r" % body)
    deadline = time.time() + 20
    while time.time() < deadline:
        status, running = s.json("GET", "/v1/benchmarks/" + first["id"])
        if running["progress"]["done"] >= 1:
            break
        time.sleep(0.05)
    c.check(running["progress"]["done"] >= 1 and running["progress"]["eta_s"] is not None,
            "progress and ETA while running: %r" % running["progress"])
    status, body = s.json("DELETE", "/v1/benchmarks/" + second["id"])
    c.check(status == 202 and body["status"] == "cancelled", "queued job cancelled at once: %r" % body)
    status, body = s.json("DELETE", "/v1/benchmarks/" + first["id"])
    c.check(status == 202, "running job cancel accepted")
    done = wait_done(s, first["id"], 20)
    c.check(done["status"] == "cancelled", "running job ends cancelled: %r" % done["status"])
    cases = done.get("results", {}).get("cases", [])
    c.check(any(x["reason"] == "cancelled" for x in cases), "remaining cases skipped as cancelled")


def test_min_time_zero(c, s):
    """min_time_s 0 (allowed by the OpenAPI document) means no minimum time: only the sample counts."""
    status, job = s.json("POST", "/v1/benchmarks", dict(TINY, min_time_s=0))
    c.check(status == 202, "min_time_s 0 accepted (%d %r)" % (status, job))
    if status != 202:
        return
    done = wait_done(s, job["id"])
    meta = done.get("results", {}).get("meta", {})
    c.check(done["status"] == "done" and meta.get("min_time_s") == 0, "done with no minimum time: %r %r" %
            (done.get("status"), meta.get("min_time_s")))


def test_api_key(c):
    with Server("--api-key", "sekret", "--results-dir", tempfile.mkdtemp(prefix="clrelu-bench-key-")) as s:
        status, body = s.json("POST", "/v1/benchmarks", TINY)
        c.check(status == 401, "POST without key 401 (%d)" % status)
        status, body = s.json("GET", "/v1/benchmarks")
        c.check(status == 200, "listing needs no key")
        status, job = s.json("POST", "/v1/benchmarks", TINY, {"Authorization": "Bearer sekret"})
        c.check(status == 202, "POST with key 202")
        status, body = s.json("DELETE", "/v1/benchmarks/" + job["id"])
        c.check(status == 401, "DELETE without key 401")
        status, body = s.json("DELETE", "/v1/benchmarks/" + job["id"], None, {"X-API-Key": "sekret"})
        c.check(status in (202, 409), "DELETE with key accepted (%d)" % status)
        wait_done(s, job["id"])
        # DELETE ?purge deletes a finished job with its results
        status, body = s.json("DELETE", "/v1/benchmarks/%s?purge" % job["id"])
        c.check(status == 401, "purge without key 401 (%d)" % status)
        status, body = s.json("DELETE", "/v1/benchmarks/%s?purge" % job["id"], None, {"X-API-Key": "sekret"})
        c.check(status == 200 and body == {"id": job["id"], "deleted": True}, "purge deletes it: %s %r" % (status, body))
        status, body = s.json("GET", "/v1/benchmarks/" + job["id"])
        c.check(status == 404, "a purged job is gone (%d)" % status)
        status, body = s.json("GET", "/v1/results?job=" + job["id"])
        c.check(status == 200 and body["runs"] == [], "and so are its runs: %r" % body)
        status, live = s.json("POST", "/v1/benchmarks", dict(TINY, sizes="1K..1M x2", min_time_s=0.5, max_samples=100000),
                              {"X-API-Key": "sekret"})
        status, body = s.json("DELETE", "/v1/benchmarks/%s?purge=1" % live["id"], None, {"X-API-Key": "sekret"})
        c.check(status == 409 and "cancel it first" in body.get("error", ""), "a live job is not purged: %s %r" % (status, body))
        s.json("DELETE", "/v1/benchmarks/" + live["id"], None, {"X-API-Key": "sekret"})
        wait_done(s, live["id"])


def main():
    c = Checks()
    results = tempfile.mkdtemp(prefix="clrelu-bench-results-")
    job_id = None
    with Server("--results-dir", results) as s:
        try:
            job_id = test_lifecycle(c, s)
        except Exception as e:
            import traceback
            traceback.print_exc()
            c.check(False, "lifecycle raised %r" % e)
        c.run(test_cancel_and_activations, s)
        c.run(test_min_time_zero, s)
    files = sorted(os.listdir(results))
    c.check("results.db" in files, "results saved in the default store, sqlite:<results dir>/results.db: %r" % files)
    c.check(not any(".tmp" in f for f in files), "no temporary files left: %r" % files)
    # restart with the same directory: the finished job is listed with its results
    with Server("--results-dir", results) as s:
        status, body = s.json("GET", "/v1/benchmarks")
        ids = [j["id"] for j in body["jobs"]]
        c.check(job_id in ids and len(ids) == 5, "jobs reloaded after restart: %r" % ids)
        status, job = s.json("GET", "/v1/benchmarks/" + str(job_id))
        c.check(status == 200 and job["status"] == "done" and len(job["results"]["cases"]) == 4,
                "reloaded job has its results")
        status, hdrs, data = s.request("GET", "/v1/benchmarks/%s?format=csv" % job_id)
        c.check(status == 200 and data.decode().count("\n") == 5, "reloaded CSV")
    # SIGTERM during a sweep: exit 0 within 10 s, and the sweep is handed back to the queue (issue 16:
    # another replica, or this one restarted, runs it), not lost
    with Server("--results-dir", results) as s:
        status, job = s.json("POST", "/v1/benchmarks", dict(TINY, sizes="1K..1M x2", min_time_s=0.5, max_samples=100000))
        time.sleep(0.5)
        rc, took = s.stop()
        c.check(rc == 0 and took < 10, "SIGTERM during a sweep: exit %r after %.1f s" % (rc, took))
        c.check(any("handed back" in line for line in s.stderr_lines), "the part was handed back: %s"
                % "".join(s.stderr_lines[-5:]))
    with Server("--results-dir", results) as s:
        status, body = s.json("GET", "/v1/benchmarks/" + job["id"])
        c.check(status == 200 and body["status"] in ("queued", "running"),
                "the interrupted sweep is queued again and resumed after the restart: %r" % body.get("status"))
        status, body = s.json("DELETE", "/v1/benchmarks/" + job["id"])
        done = wait_done(s, job["id"], 30)
        c.check(done["status"] == "cancelled" and "results" in done,
                "and cancelled there, with its results so far: %r" % done.get("status"))
    c.run(test_api_key)
    c.finish()


if __name__ == "__main__":
    main()
