#!/usr/bin/env python3
"""test_server_model_auto.py: on the `auto` device the server runs a one-row model batch on the host and a batch past the dense crossover on the OpenCL device — the native response's ran_on and the v2 response's parameters.ran_on say which — with the same answers."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks, Server  # noqa: E402

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")


def rows(n):
    return [[((i * 4 + j) * 37 % 101) / 50.0 - 1.0 for j in range(4)] for i in range(n)]


def close(a, b, tol=1e-5):
    """Two outputs (flat, as the server writes them) agree within tol."""
    return len(a) == len(b) and all(abs(x - y) <= tol * (1 + abs(y)) for x, y in zip(a, b))


def v2_body(n):
    return {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [n, 4],
                        "data": [v for row in rows(n) for v in row]}]}


def triton_client_check(c, s, n, want):
    """tritonclient reads a response that carries parameters.ran_on: outputs as usual, the
    parameter in get_response()."""
    try:
        import numpy as np
        import tritonclient.http as httpclient
    except ImportError:
        print("tritonclient not installed: client check skipped")
        return
    client = httpclient.InferenceServerClient(s.url)
    x = np.array(rows(n), dtype=np.float32)
    inp = httpclient.InferInput("INPUT0", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=True)
    res = client.infer("example", [inp], outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=True)])
    y = res.as_numpy("OUTPUT0")
    ran_on = (res.get_response().get("parameters") or {}).get("ran_on")
    c.check(y is not None and y.shape == (n, 3) and ran_on == want,
            "tritonclient, %d rows: output %s, parameters.ran_on %r (want %r)"
            % (n, None if y is None else y.shape, ran_on, want))


def main():
    c = Checks()
    devs = json.loads(subprocess.run([BIN, "devices", "--json"], capture_output=True, text=True, check=True).stdout)
    opencl = [d["id"] for d in devs if d.get("backend") == "opencl"]
    if not opencl:
        print("SKIP: no OpenCL device: auto is the host")
        sys.exit(77)
    # measured crossover: one row of the example (a mean layer of 72 multiply-adds) is far below it
    with Server("--model-repository", MODELS, device="auto", env={"CLRELU_AUTO_HOST": "1"}) as s:
        st, r = s.json("POST", "/v1/models/example/infer", {"data": rows(1)})
        c.check(st == 200 and r["device"] in opencl and r["ran_on"] == "host",
                "one row on auto: asked of %s, ran on %s" % (r.get("device"), r.get("ran_on")))
        st, ref = s.json("POST", "/v1/models/example/infer", {"data": rows(1), "device": "host"})
        c.check(st == 200 and ref["ran_on"] == "host" and close(r["data"], ref["data"]), "one row: the host's answer")
        st, r = s.json("POST", "/v1/models/example/infer", {"data": [], "shape": [0, 4]})
        c.check(st == 200 and r["ran_on"] is None, "an empty batch ran nowhere: %d %r" % (st, r))
        # the v2 response says it in its parameters (absent for an empty batch: a KServe
        # parameter cannot be null)
        st, r = s.json("POST", "/v2/models/example/infer", v2_body(1))
        c.check(st == 200 and r.get("parameters", {}).get("ran_on") == "host",
                "v2, one row on auto: parameters %r" % r.get("parameters"))
        st, r = s.json("POST", "/v2/models/example/infer", v2_body(0))
        c.check(st == 200 and "ran_on" not in r.get("parameters", {}), "v2, an empty batch: %d %r" % (st, r))
        triton_client_check(c, s, 1, "host")
    # a set crossover of 1000: 13 rows (936) stay on the host, 14 (1008) go to the OpenCL device
    with Server("--model-repository", MODELS, device="auto",
                env={"CLRELU_AUTO_HOST": "1", "CLRELU_DENSE_CROSSOVER": "1000"}) as s:
        for n, want in ((13, "host"), (14, None), (500, None)):
            st, r = s.json("POST", "/v1/models/example/infer", {"data": rows(n)})
            want = want or r.get("device")
            c.check(st == 200 and r["ran_on"] == want and (want == "host" or want in opencl),
                    "%d rows on auto with CLRELU_DENSE_CROSSOVER=1000 ran on %s" % (n, r.get("ran_on")))
            st, ref = s.json("POST", "/v1/models/example/infer", {"data": rows(n), "device": "host"})
            c.check(st == 200 and close(r["data"], ref["data"]), "%d rows: same answers as the host" % n)
            st, r2 = s.json("POST", "/v2/models/example/infer", v2_body(n))
            c.check(st == 200 and r2.get("parameters", {}).get("ran_on") == r["ran_on"],
                    "v2, %d rows: parameters.ran_on %r, native %r" % (n, r2.get("parameters"), r["ran_on"]))
        triton_client_check(c, s, 500, r["device"])
    # CLRELU_AUTO_HOST=0: the batch stays on the device asked for
    with Server("--model-repository", MODELS, device="auto", env={"CLRELU_AUTO_HOST": "0"}) as s:
        st, r = s.json("POST", "/v1/models/example/infer", {"data": rows(1)})
        c.check(st == 200 and r["ran_on"] == r["device"] and r["device"] in opencl,
                "CLRELU_AUTO_HOST=0: one row ran on %s" % r.get("ran_on"))
    c.finish()


if __name__ == "__main__":
    main()
