#!/usr/bin/env python3
"""test_access.py: access policy — the API key guards every route that costs device time or changes
state and no read (unless --protect-reads), keys are matched exactly, request names that could
become file names are validated, and the daemon binds to loopback by default."""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_harness import BIN, Checks, Server  # noqa: E402

KEY = "k3y-With.Symbols_0123456789"
RELU = {"op": "relu", "data": [-1, 1]}
INFER = {"inputs": [{"name": "INPUT0", "shape": [2], "datatype": "FP32", "data": [-1, 1]}]}
READS = ["/", "/openapi.json", "/metrics", "/v1/devices", "/v1/ops", "/v1/models", "/v1/benchmarks", "/v2",
         "/v2/models/relu", "/v2/models/relu/ready", "/v2/models/relu/config", "/v2/models/stats"]
HEALTH = ["/v2/health/live", "/v2/health/ready"]
# (method, path, body): every route that runs a device or changes state
GUARDED = [("POST", "/v1/activate", RELU), ("POST", "/v2/models/relu/infer", INFER),
           ("POST", "/v2/models/relu/versions/1/infer", INFER), ("POST", "/v1/models/m/infer", {"data": [1]}),
           ("POST", "/v1/benchmarks", {"devices": "host", "ops": "relu", "sizes": "1K", "min_time_s": 0.0001}),
           ("DELETE", "/v1/benchmarks/b-000000", None), ("POST", "/v1/debug/faults", {"count": 0})]


def status(s, method, path, body=None, headers=None):
    return s.request(method, path, body, headers)[0]


def test_policy(c):
    results = tempfile.mkdtemp(prefix="clrelu-access-")
    with Server("--api-key", KEY, "--fault-injection", "--results-dir", results) as s:
        for path in READS + HEALTH:
            c.check(status(s, "GET", path) == 200, "read %s stays open" % path)
        for method, path, body in GUARDED:
            c.check(status(s, method, path, body) == 401, "%s %s without a key: 401" % (method, path))
            st = status(s, method, path, body, {"Authorization": "Bearer " + KEY})
            c.check(st != 401, "%s %s with the key: not 401 (%d)" % (method, path, st))
        bad = ["", KEY[:-1], KEY + "x", KEY.upper(), "x" + KEY, KEY[:1], KEY + "\t", "Bearer " + KEY]  # leading blanks are not part of an HTTP header value
        for k in bad:
            c.check(status(s, "POST", "/v1/activate", RELU, {"X-API-Key": k}) == 401, "X-API-Key %r refused" % k)
            c.check(status(s, "POST", "/v1/activate", RELU, {"Authorization": "Bearer " + k}) == 401,
                    "Bearer %r refused" % k)
        for h in ({"Authorization": "Basic " + KEY}, {"Authorization": KEY}, {"X-Api-Key": KEY},
                  {"Authorization": "bearer " + KEY}):
            st = status(s, "POST", "/v1/activate", RELU, h)
            want = 200 if h.get("Authorization", "").lower().startswith("bearer ") or "X-Api-Key" in h else 401
            c.check(st == want, "%r -> %d (want %d)" % (h, st, want))
        st, hdrs, _ = s.request("POST", "/v1/activate", RELU)
        c.check(hdrs.get("www-authenticate", "").startswith("Bearer"), "401 carries WWW-Authenticate: Bearer")


def test_protect_reads(c):
    with Server("--api-key", KEY, "--protect-reads") as s:
        for path in READS:
            c.check(status(s, "GET", path) == 401, "--protect-reads: %s needs the key" % path)
            c.check(status(s, "GET", path, headers={"X-API-Key": KEY}) == 200, "%s with the key: 200" % path)
        for path in HEALTH:
            c.check(status(s, "GET", path) == 200, "--protect-reads: probe %s stays open" % path)


def test_names(c):
    with Server() as s:
        for path in ["/v2/models/.hidden", "/v2/models/..", "/v2/models/%2e%2e/config", "/v2/models/a%20b",
                     "/v2/models/-rf", "/v2/models/" + "a" * 101, "/v2/models/relu/versions/..",
                     "/v1/benchmarks/..", "/v1/benchmarks/%2e%2e", "/v1/benchmarks/a%5cb"]:
            st = status(s, "GET", path)
            c.check(st == 400, "unsafe name in %s: 400 (%d)" % (path, st))
        for path in ["/v2/models/../../etc/passwd", "/v2/models/..%2f..%2fetc/config", "/v1/benchmarks/../../x"]:
            st = status(s, "GET", path)
            c.check(st in (400, 404), "traversal %s: 400/404 (%d)" % (path, st))
        c.check(status(s, "GET", "/v2/models/no_such-model.v2") == 404, "a safe unknown name: 404")
        c.check(status(s, "GET", "/v1/benchmarks/b-123") == 404, "a safe unknown id: 404")
        c.check(status(s, "GET", "/v2/models/relu") == 200, "a real model: 200")


def test_loopback_default(c):
    p = subprocess.Popen([BIN, "serve", "--port", "0", "--device", "host", "--no-warmup"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env={k: v for k, v in os.environ.items() if k != "CLRELU_HOST"})
    line = ""
    for line in p.stderr:
        if "listening on" in line:
            break
    p.terminate()
    p.wait(15)
    c.check(re.search(r"listening on http://127\.0\.0\.1:\d+", line) is not None,
            "binds to loopback by default: %r" % line.strip())


def main():
    c = Checks()
    for t in (test_policy, test_protect_reads, test_names, test_loopback_default):
        c.run(t)
    c.finish()


if __name__ == "__main__":
    main()
