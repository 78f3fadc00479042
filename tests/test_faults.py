#!/usr/bin/env python3
"""test_faults.py: the daemon under faults (loopback, bounded): injected device failures answer 503
and recover without a restart; clients that disconnect mid-upload or mid-response, slow header
senders, bytes that cannot start a request (JSON 400 and close at once), bodies over the limit, more
connections than the limit or the per-IP limit, SIGTERM under load with a sweep."""
import gzip
import json
import os
import re
import socket
import sqlite3
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_harness import Checks, Server  # noqa: E402

RELU = {"op": "relu", "data": [-1.5, 2.0, -0.0, 3.25]}


def healthy(s):
    st, b = s.json("POST", "/v1/activate", RELU)
    return st == 200 and b["data"] == [0, 2.0, 0, 3.25]


def test_no_debug_route_by_default(c):
    with Server() as s:
        st, _ = s.json("POST", "/v1/debug/faults", {"count": 1})
        c.check(st == 404, "without --fault-injection the debug route does not exist (%d)" % st)


def test_device_fault(c, s):
    st, b = s.json("POST", "/v1/debug/faults", {"count": 3})
    c.check(st == 200 and b["pending"] == 3, "3 faults armed: %r %r" % (st, b))
    dev = b["device"]
    statuses = []
    for _ in range(3):
        st, b = s.json("POST", "/v1/activate", RELU)
        statuses.append(st)
        c.check("injected device fault" in (b or {}).get("error", ""), "503 names the device fault: %r" % b)
    c.check(statuses == [503, 503, 503], "the 3 armed runs answer 503: %r" % statuses)
    c.check(healthy(s), "the next run succeeds without a restart")
    # The v2 protocol maps the device error the same way, and recovers the same way.
    s.json("POST", "/v1/debug/faults", {"device": dev, "count": 1})
    infer = {"inputs": [{"name": "INPUT0", "shape": [2], "datatype": "FP32", "data": [-1, 1]}]}
    st, _ = s.json("POST", "/v2/models/relu/infer", infer)
    c.check(st == 503, "v2 infer under a device fault: 503 (%d)" % st)
    st, b = s.json("POST", "/v2/models/relu/infer", infer)
    c.check(st == 200 and b["outputs"][0]["data"] == [0, 1], "v2 infer recovers: %r" % b)
    # Clearing, bad requests and the readiness probe while faults are pending.
    s.json("POST", "/v1/debug/faults", {"count": 100})
    c.check(s.json("GET", "/v2/health/ready")[0] == 200, "health stays 200 while the device fails")
    st, b = s.json("POST", "/v1/debug/faults", {"count": 0})
    c.check(st == 200 and b["pending"] == 0, "count 0 clears")
    c.check(healthy(s), "healthy after clearing")
    for bad in ({"count": -1}, {"count": 1.5}, {"count": "3"}, {"device": 7, "count": 1}):
        c.check(s.json("POST", "/v1/debug/faults", bad)[0] == 400, "bad fault request %r -> 400" % bad)
    c.check(s.json("POST", "/v1/debug/faults", {"device": "gpu:7", "count": 1})[0] == 404, "unknown device 404")
    # Faults under concurrency: exactly the armed number of 503s, everything else 200.
    s.json("POST", "/v1/debug/faults", {"count": 10})
    results = []
    lock = threading.Lock()

    def worker():
        for _ in range(10):
            st = s.json("POST", "/v1/activate", RELU)[0]
            with lock:
                results.append(st)

    ts = [threading.Thread(target=worker) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    c.check(results.count(503) == 10 and results.count(200) == 30,
            "4x10 concurrent requests with 10 faults: %d x 503, %d x 200" % (results.count(503), results.count(200)))


def raw(s, timeout=10):
    return socket.create_connection(("127.0.0.1", s.port), timeout=timeout)


def test_disconnects(c, s):
    body = json.dumps({"op": "relu", "data": [1.0] * 20000}).encode()
    for i in range(20):
        # Mid-upload: headers announce the whole body, a part is sent, then the client leaves.
        k = raw(s)
        k.sendall(b"POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[: len(body) // (i + 2)])
        k.close()
    c.check(healthy(s), "healthy after 20 clients left mid-upload")
    # libmicrohttpd notices a client that left mid-upload only at the idle timeout (--timeout 3
    # here): the slots must all come back by then.
    t0, left = time.time(), None
    while time.time() - t0 < 10:
        m = s.request("GET", "/metrics")[2].decode()
        left = [ln for ln in m.splitlines() if ln.startswith("clrelu_http_requests_in_flight ")]
        if left == ["clrelu_http_requests_in_flight 1"]:
            break
        time.sleep(0.25)
    c.check(left == ["clrelu_http_requests_in_flight 1"],
            "abandoned uploads released within the idle timeout (%.1f s, %r)" % (time.time() - t0, left))
    big = json.dumps({"op": "relu", "data": [-1.0] * 200000}).encode()
    for i in range(10):
        # Mid-response: a large answer, of which the client reads a few bytes and leaves.
        k = raw(s)
        k.sendall(b"POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(big) + big)
        k.recv(100 * (i + 1))
        k.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        k.close()  # RST
    c.check(healthy(s), "healthy after 10 clients left mid-response")


def test_conflicting_lengths(c, s):
    # Two different Content-Length headers: the body's end is unknown, so the request is refused
    # with a JSON 400 and the connection closed — the bytes a proxy taking the other length would
    # forward (here a second, smuggled request) are never answered (RFC 9112 §6.3).
    smuggled = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"
    body = b'{"op": "relu", "data": [1]}'
    k = raw(s)
    k.sendall(b"POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body) + len(smuggled))
              + body + smuggled)
    got = b""
    try:
        while True:
            part = k.recv(65536)
            if not part:
                break
            got += part
    except socket.timeout:
        pass
    k.close()
    c.check(got.startswith(b"HTTP/1.1 400") and b'"error"' in got and b"Content-Length" in got,
            "conflicting Content-Length: JSON 400 %r" % got[:300])
    c.check(got.count(b"HTTP/1.1 ") == 1, "the smuggled request got no answer: %r" % got[:600])
    # the same value twice is one length, and is served
    k = raw(s)
    k.sendall(b"POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
              b"Content-Length: %d\r\nContent-Length: %d\r\n\r\n" % (len(body), len(body)) + body)
    got = b""
    while True:
        part = k.recv(65536)
        if not part:
            break
        got += part
    k.close()
    c.check(got.startswith(b"HTTP/1.1 200"), "repeated equal Content-Length is served: %r" % got[:200])


def exchange(s, data, limit=1.0):
    """Send data on a fresh connection; read until the server closes it or `limit` seconds pass.
    Returns (bytes received, seconds until the close, or None while still open)."""
    k = raw(s, timeout=limit)
    t0 = time.time()
    k.sendall(data)
    got, closed = b"", None
    try:
        while True:
            part = k.recv(65536)
            if not part:
                closed = time.time() - t0
                break
            got += part
    except ConnectionResetError:
        closed = time.time() - t0
    except socket.timeout:
        pass
    k.close()
    return got, closed


def json_400(got):
    head, _, body = got.partition(b"\r\n\r\n")
    try:
        err = json.loads(body).get("error", "")
    except ValueError:
        err = ""
    return head.startswith(b"HTTP/1.1 400") and b"application/json" in head and b"Connection: close" in head and err


def test_bad_first_bytes(c, s):
    # Bytes that cannot start a request (RFC 9112: a method, a token, comes first) are answered with
    # a JSON 400 and the connection closed at once — NUL bytes alone used to wait for --timeout, a
    # NUL-prefixed line got libmicrohttpd's HTML 400.
    for data, what in ((b"\0\0\0\0", "NUL bytes only"), (b"\0\0GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n",
                        "a NUL-prefixed request line"), (b"\0\0\0\r\n", "a line of NUL bytes"),
                       (b"\x01\x02\x03", "control bytes"), (b"\x80\x81binary", "bytes over 0x7f"),
                       (b"\r\n\x00GET / HTTP/1.1\r\n\r\n", "an empty line, then NUL"),
                       (b" GET / HTTP/1.1\r\n\r\n", "a space before the method")):
        got, closed = exchange(s, data)
        err = json_400(got)
        c.check(err and "method" in err and closed is not None and closed < 1.0,
                "%s: JSON 400 and closed at once (%s s): %r" % (what, closed and "%.2f" % closed, got[:300]))
    # a line without any space is answered or closed at once (libmicrohttpd closes it)
    got, closed = exchange(s, b"HELLO\r\n")
    c.check(closed is not None and closed < 1.0, "a space-less line is closed at once (%r, %r)" % (closed, got[:200]))
    # empty lines before the request line are ignored (RFC 9112 section 2.2), even sent apart
    k = raw(s)
    k.sendall(b"\r\n")
    time.sleep(0.2)
    k.sendall(b"\r\nGET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got = k.recv(4096)
    k.close()
    c.check(got.startswith(b"HTTP/1.1 200"), "empty lines before a request are ignored: %r" % got[:100])
    got, closed = exchange(s, b"\r\n" * 600)
    c.check(json_400(got) and closed is not None, "more than 1 KiB of empty lines: JSON 400 %r" % got[:200])
    # the answers are in the access log and the metrics, and the daemon is unharmed
    logged = [ln for ln in s.stderr_lines if "route=unmatched status=400" in ln and "method=-" in ln]
    c.check(len(logged) >= 7, "the refused connections are in the access log (%d lines)" % len(logged))
    m = s.request("GET", "/metrics")[2].decode()
    c.check(re.search(r'clrelu_http_requests_total\{[^}]*status="400"[^}]*\} \d+', m) is not None,
            "counted in clrelu_http_requests_total")
    c.check(healthy(s), "healthy after the refused connections")


def test_per_ip_limit(c):
    # --per-ip-limit 2: a third connection from 127.0.0.1 is closed at once, without a byte sent;
    # once one of the two leaves, a new one is served.
    with Server("--per-ip-limit", "2", "--timeout", "5") as s:
        time.sleep(0.5)  # the harness's readiness probes have closed and are no longer counted
        a, b = raw(s), raw(s)
        for k, which in ((a, "first"), (b, "second")):
            k.sendall(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            c.check(k.recv(4096).startswith(b"HTTP/1.1 200"), "the %s connection is served" % which)
        got, closed = exchange(s, b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        c.check(got == b"" and closed is not None and closed < 1.0, "a third connection is closed (%r, %r)" % (closed, got))
        a.close()
        time.sleep(0.2)
        st, _ = s.json("GET", "/v2/health/live")
        c.check(st == 200, "served again once one left (%d)" % st)
        b.close()


def test_slow_headers(c, s):
    # One client sends its request a byte at a time (10 ms apart) while others are served.
    req = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    answer = []

    def slow():
        k = raw(s)
        for b in req:
            k.send(bytes([b]))
            time.sleep(0.01)
        answer.append(k.recv(200))
        k.close()

    t = threading.Thread(target=slow)
    t.start()
    t0 = time.time()
    served = sum(healthy(s) for _ in range(20))
    fast = time.time() - t0
    t.join(30)
    c.check(served == 20 and fast < 5, "20 requests served while a slow client dribbles (%.2f s)" % fast)
    c.check(answer and answer[0].startswith(b"HTTP/1.1 200"), "the slow client is answered: %r" % answer[:1])


def test_slowloris(c):
    # A client that stops half-way through its headers is dropped after --timeout.
    with Server("--timeout", "1") as s:
        k = raw(s)
        k.sendall(b"GET /v2/health/live HTTP/1.1\r\nHo")
        t0 = time.time()
        try:
            got = k.recv(100)
        except (ConnectionResetError, socket.timeout):
            got = b""
        took = time.time() - t0
        c.check(got == b"" and took < 5, "a stalled client is dropped after the idle timeout (%.1f s)" % took)
        k.close()
        c.check(healthy(s), "healthy after dropping it")


def test_body_limits(c):
    with Server("--max-body", "4096") as s:
        st, _ = s.json("POST", "/v1/activate", {"op": "relu", "data": [1.0] * 2000})
        c.check(st == 413, "Content-Length over the limit: 413 (%d)" % st)
        # Chunked (no Content-Length): refused while reading.
        k = raw(s)
        k.sendall(b"POST /v1/activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        chunk = b"[" + b"1," * 3000
        k.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n" + b"0\r\n\r\n")
        head = k.recv(100)
        k.close()
        c.check(head.startswith(b"HTTP/1.1 413"), "chunked body over the limit: 413 (%r)" % head[:20])
        # Compressed: small on the wire, over the limit once inflated.
        bomb = gzip.compress(json.dumps({"op": "relu", "data": [0] * 100000}).encode())
        st, _, _ = s.request("POST", "/v1/activate", bomb, {"Content-Type": "application/json",
                                                             "Content-Encoding": "gzip"})
        c.check(len(bomb) < 4096 and st == 413, "gzip body inflating over the limit: 413 (%d)" % st)
        c.check(healthy(s), "healthy after the refused bodies")


def test_connection_limit(c):
    # 20 idle connections against --max-connections 8: the daemon holds exactly 8 at a time (the
    # rest wait in the listen backlog), drops each batch after the 1 s idle timeout, and serves
    # normally once they are gone.
    with Server("--max-connections", "8", "--timeout", "1") as s:
        idle = [raw(s, timeout=3) for _ in range(20)]
        for k in idle:
            k.setblocking(False)
        t0 = time.time()
        closed_at = {}
        while len(closed_at) < 20 and time.time() - t0 < 8:
            for i, k in enumerate(idle):
                if i in closed_at:
                    continue
                try:
                    if k.recv(1) == b"":
                        closed_at[i] = time.time() - t0
                except BlockingIOError:
                    pass
                except ConnectionResetError:
                    closed_at[i] = time.time() - t0
            time.sleep(0.02)
        first = sorted(closed_at.values())[:8]
        first_batch = sum(1 for t in closed_at.values() if first and t < first[-1] + 0.5)
        c.check(len(closed_at) == 20, "all 20 idle connections were dropped (%d)" % len(closed_at))
        c.check(first_batch == 8, "the first batch dropped was exactly the limit of 8 (%d)" % first_batch)
        for k in idle:
            k.close()
        c.check(healthy(s), "healthy once the idle connections are gone")


def test_sigterm_under_load(c):
    results = tempfile.mkdtemp(prefix="clrelu-faults-")
    s = Server("--results-dir", results, "--threads", "4").start()
    st, job = s.json("POST", "/v1/benchmarks", {"devices": "host", "ops": "relu", "sizes": "1K..1M x2",
                                                  "min_time_s": 0.2, "max_samples": 100000})
    c.check(st == 202, "sweep started (%d)" % st)
    statuses, errors = [], []
    lock = threading.Lock()
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            try:
                st = s.json("POST", "/v1/activate", {"op": "gelu", "data": [0.5] * 5000})[0]
                with lock:
                    statuses.append(st)
            except (OSError, ValueError) as e:
                with lock:
                    errors.append(repr(e))
                return

    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    time.sleep(1.5)
    rc, took = s.stop()
    stop.set()
    for t in ts:
        t.join(15)
    c.check(rc == 0 and took < 10, "SIGTERM under load: exit %r after %.1f s" % (rc, took))
    c.check(len(statuses) > 20 and all(x == 200 for x in statuses),
            "every answered request under load was 200 (%d answered, others %r)"
            % (len(statuses), sorted(set(statuses) - {200})))
    # The interrupted sweep is handed back to the queue in the results store (results.db), to run
    # again on the next start or on another daemon of the fleet, not lost.
    db = os.path.join(results, "results.db")
    c.check(os.path.exists(db), "the results store is in the results directory: %r" % os.listdir(results))
    if os.path.exists(db):
        con = sqlite3.connect(db)
        try:
            parts = con.execute("SELECT state, claimed_by FROM job_parts").fetchall()
        finally:
            con.close()
        c.check(parts == [("queued", None)], "the interrupted sweep was handed back, queued: %r" % parts)


def main():
    c = Checks()
    c.run(test_no_debug_route_by_default)
    with Server("--fault-injection", "--threads", "4", "--timeout", "3") as s:
        c.run(test_device_fault, s)
        c.run(test_disconnects, s)
        c.run(test_conflicting_lengths, s)
        c.run(test_bad_first_bytes, s)
        c.run(test_slow_headers, s)
    c.run(test_slowloris)
    c.run(test_body_limits)
    c.run(test_connection_limit)
    c.run(test_per_ip_limit)
    c.run(test_sigterm_under_load)
    c.finish()


if __name__ == "__main__":
    main()
