"""test_web_results.py: headless Chromium draws the page's Results section — stored runs, machines and devices on shared
log axes (GB/s and % of copy against size, one line per device), a two-run verdict table, and one case's history with
its regression markers. The documents are the results store's own (`clrelu results --json` on a SQLite store filled by
`clrelu bench --results-db`), served by a stub next to the page's files; then, when this build's server has
--results-db and GET /v1/results, the same page from the real daemon."""
import copy
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from headless_page import CHROMIUM, attr, element, load  # noqa: E402
from server_harness import BIN, Checks, Server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--repeats", "3", "--min-time", "0.0001", "--max-samples", "10", "--devices", "host", "--quiet"]


def clrelu(*args):
    env = dict(os.environ)
    env.pop("CLRELU_RESULTS_DB", None)
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=300, env=env)
    if p.returncode != 0:
        raise RuntimeError("clrelu %s: %s" % (" ".join(args), p.stderr))
    return p.stdout, p.stderr


class Stub(http.server.BaseHTTPRequestHandler):
    """The page's files from the source tree, and /v1/results* answered by `clrelu results --json` on the store."""
    db = None
    history_edit = None  # a function that may change the history document (to place a SLOWER point)

    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        u = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        if u.path in ("/", "/index.html", "/results.js"):
            name = "index.html" if u.path != "/results.js" else "results.js"
            with open(os.path.join(ROOT, "server", "web", name), "rb") as f:
                return self.answer(200, f.read(), "text/html" if name.endswith("html") else "text/javascript")
        fixed = {"/v1/devices": {"devices": [{"id": "host", "name": "host", "type": "cpu", "dtypes": ["float32"]}],
                                 "default": "host"},
                 "/v1/ops": {"ops": []}, "/v1/models": {"models": []}, "/v1/benchmarks": {"jobs": []}}
        if u.path in fixed:
            return self.answer(200, json.dumps(fixed[u.path]))
        try:
            if u.path == "/v1/results":
                args = ["list"] + sum((["--" + k, v] for k, v in q.items() if k in ("machine", "device", "op", "dtype", "label")), [])
            elif u.path == "/v1/results/compare":
                args = ["compare", q["a"], q["b"]]
            elif u.path == "/v1/results/history":
                args = ["history"] + sum((["--" + k, v] for k, v in q.items()), [])
            elif u.path.startswith("/v1/results/"):
                args = ["show", urllib.parse.unquote(u.path[len("/v1/results/"):])]
            else:
                return self.answer(404, json.dumps({"error": "no route " + u.path}))
            out, _ = clrelu("results", *args, "--results-db", self.db, "--json")
            if args[0] == "history" and Stub.history_edit:
                out = json.dumps(Stub.history_edit(json.loads(out)))
            return self.answer(200, out)
        except RuntimeError as e:
            return self.answer(400, json.dumps({"error": str(e)}))


def check_page(c, dom, console, runs, what, slower_run=None):
    c.check(console == [], "%s: no console output: %r" % (what, console))
    listed = re.findall(r'<tr data-run="([^"]+)"', dom)
    c.check(set(runs) <= set(listed), "%s: the runs are listed: %r" % (what, listed))
    c.check(attr(dom, "results-status", "data-status") == "done", "%s: compare done: %r" % (what, element(dom, "results-status")))
    for chart in ("results-gbps-svg", "results-pct-svg"):
        lines = re.findall(r'<svg[^>]*id="%s".*?</svg>' % chart, dom, re.S)
        series = re.findall(r'<polyline class="device-line" data-series="([^"]+)"', lines[0]) if lines else []
        # two runs of one machine: a line per (run, device), told apart by the run id
        c.check(len(series) == 2 and all(" host (" in s for s in series) and any(runs[0] in s for s in series),
                "%s: %s has one line per device and run: %r" % (what, chart, series))
        xt = re.findall(r'<line class="xgrid" x1="([0-9.]+)"', lines[0]) if lines else []
        if chart == "results-gbps-svg":
            gbps_x = xt
        else:
            c.check(xt == gbps_x and len(xt) >= 2, "%s: the two charts share the x axis: %r %r" % (what, xt, gbps_x))
    c.check('data-metric="pct"' in dom and "% of copy (log)" in dom and "GB/s, median (log)" in dom, "%s: log scales" % what)
    verdicts = re.findall(r'<tr data-verdict="(\w+)"><td>host</td>', dom)
    c.check(len(verdicts) == 2 and all(v in ("SAME", "FASTER", "SLOWER") for v in verdicts),
            "%s: the verdict table has the two cases: %r" % (what, verdicts))
    c.check("Rule: per case" in (element(dom, "results-verdicts") or ""), "%s: the rule is shown" % what)
    c.check(attr(dom, "history-status", "data-status") == "done", "%s: history shown: %r" % (what, element(dom, "history-status")))
    points = re.findall(r'<circle class="point" data-run="([^"]+)" data-verdict="(\w+)"', dom)
    c.check([p[0] for p in points] == runs, "%s: one history point per run, oldest first: %r" % (what, points))
    marks = re.findall(r'<path class="regression" data-run="([^"]+)"', dom)
    if slower_run:
        c.check(marks == [slower_run], "%s: a regression marker on the SLOWER point: %r" % (what, marks))
        c.check(attr(dom, "history-status", "data-slower") == "1", "%s: one SLOWER counted" % what)
    rows = re.findall(r'<tr data-verdict="(\w+)"[^>]*><td>\d{4}-', dom)
    c.check(len(rows) == len(runs), "%s: history table rows: %r" % (what, rows))


def main():
    c = Checks()
    if not c.check(CHROMIUM is not None, "chromium is installed (scripts/install-deps.sh --test)"):
        c.finish()
    tmp = tempfile.mkdtemp(prefix="clrelu-web-results-")
    profile = os.path.join(tmp, "chromium")
    db = "sqlite:" + os.path.join(tmp, "results.db")
    runs = []
    try:
        for label in ("driver=1", "driver=2"):
            _, err = clrelu("bench", *TINY, "--sizes", "1K,16K", "--results-db", db, "--label", label)
            runs.append(re.search(r"stored run (\S+)", err).group(1))
        q = ("?results_compare=%s,%s&results_op=relu&results_dtype=float32&history_op=relu&history_dtype=float32"
             "&history_elements=16384&history_device=host" % (runs[0], runs[1]))

        def make_slower(doc):
            d = copy.deepcopy(doc)
            d["points"][-1]["verdict"], d["points"][-1]["ratio"] = "SLOWER", 1.25
            return d

        Stub.db, Stub.history_edit = db, make_slower
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            dom, console = load("http://127.0.0.1:%d/%s" % (httpd.server_address[1], q), profile, budget=20000)
            check_page(c, dom, console, runs, "stub", slower_run=runs[1])
        finally:
            httpd.shutdown()

        out, _ = clrelu("serve", "--help")
        if "--results-db" not in out:
            print("SKIP part: this build's server has no --results-db yet")
            c.finish()
        with Server("--results-db", db, "--results-dir", os.path.join(tmp, "dir"), device="host") as s:
            st, _ = s.json("GET", "/v1/results")
            if st != 200:
                print("SKIP part: this server answers %d to GET /v1/results" % st)
                c.finish()
            st, h, body = s.request("GET", "/results.js")
            c.check(st == 200 and h.get("content-type", "").startswith("text/javascript") and b"results-gbps-svg" in body,
                    "GET /results.js serves the section's script: %d %r" % (st, h.get("content-type")))
            dom, console = load("http://127.0.0.1:%d/%s" % (s.port, q), profile, budget=20000)
            check_page(c, dom, console, runs, "server")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
