"""server_harness.py: start `clrelu serve` on a free loopback port for the integration tests, talk to it, stop it."""
import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zlib

BIN = os.environ.get("CLRELU_BIN") or os.path.join(os.path.dirname(__file__), "..", "build", "cli", "clrelu")


class Server:
    """A running daemon. Use as a context manager; stop() checks a clean exit (code 0)."""

    def __init__(self, *args, env=None, device=None):
        self.args = list(args)
        if device is None:
            device = os.environ.get("CLRELU_TEST_DEVICE", "host")
        if device:
            self.args += ["--device", device]
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.port = None
        self.stderr_lines = []
        self._reader = None

    def start(self, timeout=60):
        self.proc = subprocess.Popen([BIN, "serve", "--host", "127.0.0.1", "--port", "0"] + self.args,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.env)
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.stderr_lines.append(line)
                m = re.search(r"listening on http://[^ ]*:(\d+)", line)
                if m and self.port is None:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        if not ready.wait(timeout) or self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start:\n" + "".join(self.stderr_lines))
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.request("GET", "/v2/health/ready")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server never became ready")

    @property
    def url(self):
        return "127.0.0.1:%d" % self.port

    def request(self, method, path, body=None, headers=None, timeout=60):
        """One request on a fresh connection; returns (status, headers dict lower-cased, body bytes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                headers = dict(headers or {})
                headers.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, body=None, headers=None):
        status, hdrs, data = self.request(method, path, body, headers)
        return status, json.loads(data) if data else None

    def stop(self, timeout=10):
        """SIGTERM; returns (exit code, seconds taken)."""
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        if self._reader:
            self._reader.join(2)
        return rc, time.time() - t0

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            rc, took = self.stop()
            if exc[0] is None:
                assert rc == 0, "server exit code %r\n%s" % (rc, "".join(self.stderr_lines[-20:]))
                assert took < 10, "server took %.1f s to stop" % took


def decode(data, encoding):
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    return data


class Checks:
    """Tiny test runner: named checks, a summary line, exit code 1 on any failure."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what, flush=True)
        return cond

    def run(self, fn, *args):
        try:
            fn(self, *args)
        except Exception as e:  # a crashing test is a failed test, the others still run
            import traceback
            traceback.print_exc()
            self.check(False, "%s raised %r" % (fn.__name__, e))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)
