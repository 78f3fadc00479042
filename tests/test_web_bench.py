"""test_web_bench.py: headless Chromium starts a tiny sweep from the web page and sees its progress, plot, table, downloads and earlier runs."""
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from headless_page import CHROMIUM, attr, element, load  # noqa: E402
from server_harness import Checks, Server  # noqa: E402


def check_results(c, dom, what):
    series = re.findall(r'<polyline class="series" data-series="([^"]+)"', dom)
    ceilings = re.findall(r'<polyline class="ceiling" data-series="([^"]+)"', dom)
    c.check(series == ["host relu float32 forward out"], "%s: one plotted series: %r" % (what, series))
    c.check(ceilings == ["host copy float32"], "%s: the copy ceiling is plotted: %r" % (what, ceilings))
    rows = re.findall(r'<tr data-status="(\w+)">', dom)
    c.check(rows == ["ok", "ok"], "%s: results table rows %r" % (what, rows))
    c.check('id="bench-download-csv"' in dom and "?format=csv" in dom and "?format=json" in dom,
            "%s: CSV/JSON download links" % what)


def main():
    c = Checks()
    if not c.check(CHROMIUM is not None, "chromium is installed (scripts/install-deps.sh --test)"):
        c.finish()
    profile = tempfile.mkdtemp(prefix="clrelu-chromium-")
    results = tempfile.mkdtemp(prefix="clrelu-web-bench-")
    try:
        with Server("--results-dir", results, device="host") as s:
            base = "http://127.0.0.1:%d/" % s.port
            # no runs yet: a sentence, not an empty table
            dom, console = load(base, profile)
            none = re.search(r'<p id="bench-runs-none"( hidden="")?>([^<]*)</p>', dom)
            c.check(none is not None and not none.group(1) and "No earlier runs" in none.group(2),
                    "no earlier runs: the sentence is shown: %r" % (none.group(0) if none else None))
            c.check(re.search(r'<table id="bench-runs" hidden=""', dom) is not None, "and the empty table is hidden")
            q = ("?bench_devices=host&bench_ops=relu&bench_sizes=1K,4K&bench_repeats=2&bench_min_time=0.0001"
                 "&bench_autostart=1")
            dom, console = load(base + q, profile, budget=60000, timeout=180)
            c.check(console == [], "no console output: %r" % console)
            status, body = s.json("GET", "/v1/benchmarks")
            jobs = body["jobs"]
            c.check(len(jobs) == 1 and jobs[0]["request"]["sizes"] == "1K,4K" and jobs[0]["request"]["devices"] == "host",
                    "the page started the sweep it was given: %r" % jobs)
            state = attr(dom, "bench-status", "data-status")
            c.check(state in ("queued", "running", "done"), "status shown: %r" % state)
            if state == "done":
                check_results(c, dom, "after the page's own sweep")
                c.check(attr(dom, "bench-progress", "value") == "1", "progress bar full")
            job_id = jobs[0]["id"] if jobs else ""
            deadline = time.time() + 30
            while time.time() < deadline and s.json("GET", "/v1/benchmarks/" + job_id)[1]["status"] != "done":
                time.sleep(0.1)
            dom, console = load(base + "?bench_show=" + job_id, profile, budget=15000, timeout=180)
            c.check(console == [], "no console output showing a run: %r" % console)
            check_results(c, dom, "showing the finished sweep")
            runs = element(dom, "bench-runs") or ""
            c.check(job_id in runs and "done" in runs, "earlier runs list it: %r" % runs[:300])
            c.check(re.search(r'<p id="bench-runs-none" hidden=""', dom) is not None, "the no-runs sentence is hidden now")
            c.check(re.search(r'<option value="%s">' % re.escape(job_id), dom) is not None, "offered for comparison")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
