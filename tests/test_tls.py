#!/usr/bin/env python3
"""test_tls.py: HTTPS through libmicrohttpd's GnuTLS (--tls-cert/--tls-key), checked with curl and a
self-signed certificate made by openssl; half or broken TLS configurations refuse to start."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_harness import BIN, Checks  # noqa: E402


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


def start(*args):
    """Start a daemon; returns (process, port or None, stderr lines)."""
    p = subprocess.Popen([BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--device", "host", "--no-warmup"]
                         + list(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, port = [], [None]
    ready = threading.Event()

    def read():
        for line in p.stderr:
            lines.append(line)
            m = re.search(r"listening on (https?)://[^ ]*:(\d+)", line)
            if m:
                port[0] = (m.group(1), int(m.group(2)))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(30)
    return p, port[0], lines


def curl(*args):
    r = subprocess.run(["curl", "-sS", "--max-time", "20"] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def main():
    c = Checks()
    if not shutil.which("openssl") or not shutil.which("curl"):
        print("openssl and curl are needed (scripts/install-deps.sh --test)")
        sys.exit(1)
    d = tempfile.mkdtemp(prefix="clrelu-tls-")
    cert, key = make_cert(d)
    p, got, lines = start("--tls-cert", cert, "--tls-key", key)
    try:
        c.check(got is not None and got[0] == "https", "starts and announces https: %r" % "".join(lines[-3:]))
        if got:
            url = "https://127.0.0.1:%d" % got[1]
            rc, out, err = curl("--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}", url + "/v2/health/ready")
            c.check(rc == 0 and out == "200", "curl --cacert: health 200 (%d %r %r)" % (rc, out, err))
            rc, out, err = curl("--cacert", cert, "-H", "Content-Type: application/json", "-d",
                                json.dumps({"op": "leaky_relu", "data": [-2, 3], "params": {"negative_slope": 0.5}}),
                                url + "/v1/activate")
            c.check(rc == 0 and json.loads(out or "{}").get("data") == [-1, 3], "activate over TLS: %r %r" % (out, err))
            rc, out, err = curl("--cacert", cert, "--compressed", url + "/v1/ops")
            c.check(rc == 0 and "relu" in out, "gzip response over TLS")
            rc, _, err = curl(url + "/v2/health/ready")
            c.check(rc == 60, "an untrusted certificate is refused by curl (exit %d, want 60)" % rc)
            # plain HTTP (or any first byte but a TLS handshake's 0x16) to the TLS port: a plain-text
            # JSON 400 saying so, and the connection closed at once (it used to get no answer)
            for data, what in ((b"GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n", "plain HTTP"),
                               (b"\0\0\0\0", "NUL bytes")):
                k = socket.create_connection(("127.0.0.1", got[1]), timeout=2)
                t0 = time.time()
                k.sendall(data)
                answer = b""
                try:
                    while True:
                        part = k.recv(4096)
                        if not part:
                            break
                        answer += part
                except (socket.timeout, ConnectionResetError):
                    pass
                took = time.time() - t0
                k.close()
                body = answer.partition(b"\r\n\r\n")[2]
                c.check(answer.startswith(b"HTTP/1.1 400") and b"HTTPS" in body and json.loads(body or b"{}").get("error")
                        and took < 1.0, "%s to the TLS port: JSON 400 at once (%.2f s) %r" % (what, took, answer[:200]))
            rc, out, err = curl("--cacert", cert, "--tlsv1.2", "--tls-max", "1.2", "-o", "/dev/null", "-w",
                                "%{http_code}", url + "/v2/health/live")
            c.check(rc == 0 and out == "200", "TLS 1.2 works (%d %r)" % (rc, err))
    finally:
        p.terminate()
        rc = p.wait(15)
    c.check(rc == 0, "TLS server stops cleanly on SIGTERM (%r)" % rc)

    # Broken configurations: refuse to start with a message, exit code 1.
    with open(os.path.join(d, "garbage.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    for args, what in ((["--tls-cert", cert], "only --tls-cert"),
                       (["--tls-cert", cert, "--tls-key", os.path.join(d, "missing.pem")], "a missing key file"),
                       (["--tls-cert", os.path.join(d, "garbage.pem"), "--tls-key", key], "a garbage certificate")):
        p, got, lines = start(*args)
        rc = p.wait(15)
        c.check(got is None and rc == 1, "%s: no listening, exit 1 (%r, %r)" % (what, rc, "".join(lines[-2:])))
    shutil.rmtree(d)
    c.finish()


if __name__ == "__main__":
    main()
