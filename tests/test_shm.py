"""test_shm.py: Triton's system shared-memory extension with unmodified tritonclient (utils.shared_memory + http): register, status, unregister, op and MLP models with inputs and outputs in shared memory, and the refusals — bad keys, ranges, a region shrunk after registration (400, the daemon alive), the API key, the caps, descriptors released."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import Checks, Server  # noqa: E402

import tritonclient.http as httpclient  # noqa: E402
import tritonclient.utils.shared_memory as shm  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
PID = os.getpid()


def key(tag):
    return "/clrelu_test_%d_%s" % (PID, tag)


def relu(x):
    return np.where(x < 0, np.zeros_like(x), x)


def error_of(fn, *args, **kw):
    """The message of the InferenceServerException fn raises, or None when it succeeds."""
    try:
        fn(*args, **kw)
    except InferenceServerException as e:
        return str(e)
    return None


class Regions:
    """Shared-memory objects created for one test, destroyed at the end."""

    def __init__(self):
        self.handles = []

    def create(self, name, tag, size):
        h = shm.create_shared_memory_region(name, key(tag), size)
        self.handles.append(h)
        return h

    def destroy(self):
        for h in self.handles:
            shm.destroy_shared_memory_region(h)
        self.handles = []


def shm_infer(client, model, x, in_region, out_region, out_size, in_offset=0, out_offset=0, headers=None):
    inp = httpclient.InferInput("INPUT0", list(x.shape), "FP32")
    inp.set_shared_memory(in_region, x.nbytes, offset=in_offset)
    out = httpclient.InferRequestedOutput("OUTPUT0", binary_data=True)
    out.set_shared_memory(out_region, out_size, offset=out_offset)
    return client.infer(model, [inp], outputs=[out], headers=headers)


def test_advertised(c, s, client):
    meta = client.get_server_metadata()
    c.check("system_shared_memory" in meta["extensions"], "extension advertised %r" % meta["extensions"])
    c.check(client.get_system_shared_memory_status() == [], "no regions at start")


def test_op_round_trip(c, s, client):
    rs = Regions()
    try:
        x = np.random.default_rng(1).standard_normal(10000).astype(np.float32)
        hin = rs.create("in", "in", x.nbytes + 256)
        hout = rs.create("out", "out", x.nbytes + 256)
        shm.set_shared_memory_region(hin, [x], offset=64)
        client.register_system_shared_memory("in", key("in"), x.nbytes + 256)
        client.register_system_shared_memory("out", key("out"), x.nbytes + 256)
        st = client.get_system_shared_memory_status()
        c.check(sorted(r["name"] for r in st) == ["in", "out"], "status lists both %r" % st)
        one = client.get_system_shared_memory_status("in")
        c.check(one == [{"name": "in", "key": key("in"), "offset": 0, "byte_size": x.nbytes + 256}],
                "one region's status, Triton's shape %r" % one)
        r = shm_infer(client, "relu", x, "in", "out", x.nbytes + 256, in_offset=64, out_offset=128)
        y = shm.get_contents_as_numpy(hout, np.float32, [x.size], offset=128)
        c.check(np.array_equal(y, relu(x)), "relu through shared memory, with offsets")
        o = r.get_output("OUTPUT0")
        c.check(o["shape"] == [x.size] and o["datatype"] == "FP32" and "data" not in o, "output metadata %r" % o)
        p = o.get("parameters", {})
        c.check(p.get("shared_memory_region") == "out" and p.get("shared_memory_byte_size") == x.nbytes
                and p.get("shared_memory_offset") == 128 and "binary_data_size" not in p, "output parameters %r" % p)
        # the raw response: JSON only, no binary section
        body = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [x.size],
                            "parameters": {"shared_memory_region": "in", "shared_memory_byte_size": x.nbytes,
                                           "shared_memory_offset": 64}}],
                "outputs": [{"name": "OUTPUT0", "parameters": {"shared_memory_region": "out",
                                                               "shared_memory_byte_size": x.nbytes}}]}
        st, hdrs, raw = s.request("POST", "/v2/models/relu/infer", body)
        c.check(st == 200 and "inference-header-content-length" not in hdrs and len(raw) < 400
                and "data" not in json.loads(raw)["outputs"][0], "no output bytes in the response: %s %r" % (st, raw[:200]))
        # the input region is left as it was (the op ran on a copy)
        c.check(np.array_equal(shm.get_contents_as_numpy(hin, np.float32, [x.size], offset=64), x), "input untouched")

        # shared-memory input, binary output; binary input, shared-memory output; JSON input
        inp = httpclient.InferInput("INPUT0", [x.size], "FP32")
        inp.set_shared_memory("in", x.nbytes, offset=64)
        r = client.infer("relu", [inp], outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=True)])
        c.check(np.array_equal(r.as_numpy("OUTPUT0"), relu(x)), "shm input, binary output")
        r = client.infer("relu", [inp], outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=False)])
        c.check(np.array_equal(r.as_numpy("OUTPUT0"), relu(x)), "shm input, JSON output")
        x2 = -x
        for binary in (True, False):
            inp2 = httpclient.InferInput("INPUT0", [x.size], "FP32")
            inp2.set_data_from_numpy(x2, binary_data=binary)
            out = httpclient.InferRequestedOutput("OUTPUT0")
            out.set_shared_memory("out", x.nbytes)
            client.infer("leaky_relu", [inp2], outputs=[out], parameters={"negative_slope": 0.5})
            y = shm.get_contents_as_numpy(hout, np.float32, [x.size])
            c.check(np.allclose(y, np.where(x2 < 0, 0.5 * x2, x2)), "binary=%s input, shm output (leaky_relu)" % binary)

        # unregister one, then all; a request naming an unregistered region is a 400
        client.unregister_system_shared_memory("in")
        c.check([r["name"] for r in client.get_system_shared_memory_status()] == ["out"], "one unregistered")
        e = error_of(shm_infer, client, "relu", x, "in", "out", x.nbytes)
        c.check(e is not None and "Unable to find shared memory region: 'in'" in e, "unregistered region: %s" % e)
        e = error_of(client.get_system_shared_memory_status, "in")
        c.check(e is not None and "Unable to find system shared memory region" in e, "status of unknown: %s" % e)
        c.check(error_of(client.unregister_system_shared_memory, "in") is None, "unregistering twice is no error")
        client.unregister_system_shared_memory()
        c.check(client.get_system_shared_memory_status() == [], "all unregistered")
    finally:
        rs.destroy()


def test_mlp(c, s, client):
    rs = Regions()
    try:
        x = np.random.default_rng(2).standard_normal((64, 4)).astype(np.float32)
        inp = httpclient.InferInput("INPUT0", list(x.shape), "FP32")
        inp.set_data_from_numpy(x, binary_data=True)
        want = client.infer("example", [inp]).as_numpy("OUTPUT0")
        hin = rs.create("mlp_in", "mlp_in", x.nbytes)
        hout = rs.create("mlp_out", "mlp_out", 64 * 3 * 4)
        shm.set_shared_memory_region(hin, [x])
        client.register_system_shared_memory("mlp_in", key("mlp_in"), x.nbytes)
        client.register_system_shared_memory("mlp_out", key("mlp_out"), 64 * 3 * 4)
        r = shm_infer(client, "example", x, "mlp_in", "mlp_out", 64 * 3 * 4)
        y = shm.get_contents_as_numpy(hout, np.float32, [64, 3])
        c.check(want is not None and np.array_equal(y, want), "MLP through shared memory equals the binary path")
        c.check(r.get_output("OUTPUT0")["shape"] == [64, 3], "MLP output shape %r" % r.get_output("OUTPUT0"))
        e = error_of(shm_infer, client, "example", x, "mlp_in", "mlp_out", 64 * 3 * 4 - 4)
        c.check(e is not None and "should be at least 768 bytes" in e, "MLP output region too small: %s" % e)
        client.unregister_system_shared_memory()
    finally:
        rs.destroy()


def test_refusals(c, s, client):
    rs = Regions()
    try:
        h = rs.create("r", "r", 4096)
        shm.set_shared_memory_region(h, [np.arange(1024, dtype=np.float32)])
        for bad in ["no_slash", "/a/b", "/", "/..", "/" + "k" * 300, "/../etc/passwd", "/a b"]:
            e = error_of(client.register_system_shared_memory, "bad", bad, 16)
            c.check(e is not None and "invalid shared memory key" in e, "key %r refused: %s" % (bad[:20], e))
        e = error_of(client.register_system_shared_memory, "r", key("missing"), 16)
        c.check(e is not None and "Unable to open shared memory region" in e, "missing object: %s" % e)
        e = error_of(client.register_system_shared_memory, "r", key("r"), 16, offset=4090)
        c.check(e is not None and "invalid args" in e, "offset past the end: %s" % e)
        e = error_of(client.register_system_shared_memory, "r", key("r"), 4097)
        c.check(e is not None and "invalid args" in e, "byte_size past the end: %s" % e)
        e = error_of(client.register_system_shared_memory, "r", key("r"), 0)
        c.check(e is not None and "invalid args" in e, "byte_size 0: %s" % e)
        e = error_of(client.register_system_shared_memory, "bad/name", key("r"), 16)
        c.check(e is not None, "a region name with '/' is refused: %s" % e)
        st, body = s.json("POST", "/v2/systemsharedmemory/region/r/register", {"key": key("r"), "byte_size": -1})
        c.check(st == 400 and "whole numbers" in body["error"], "negative byte_size %s %r" % (st, body))
        st, body = s.json("POST", "/v2/systemsharedmemory/region/r/register", {"key": key("r"), "byte_size": 4e64})
        c.check(st == 400, "huge byte_size %s %r" % (st, body))
        client.register_system_shared_memory("r", key("r"), 4096)
        e = error_of(client.register_system_shared_memory, "r", key("r"), 4096)
        c.check(e is not None and "already in manager" in e, "same name twice: %s" % e)

        x = np.arange(1024, dtype=np.float32) - 512
        # the tensor needs 4096 bytes: a smaller byte_size, a range past the region, an output too small
        inp = httpclient.InferInput("INPUT0", [1024], "FP32")
        inp.set_shared_memory("r", 2048)
        e = error_of(client.infer, "relu", [inp])
        c.check(e is not None and "unexpected total byte size 2048" in e, "byte_size too small for the tensor: %s" % e)
        inp.set_shared_memory("r", 4096, offset=16)
        e = error_of(client.infer, "relu", [inp])
        c.check(e is not None and "Invalid offset + byte size" in e, "range past the region: %s" % e)
        inp.set_shared_memory("r", 4096, offset=8192)
        e = error_of(client.infer, "relu", [inp])
        c.check(e is not None and "Invalid offset" in e, "offset past the region: %s" % e)
        e = error_of(shm_infer, client, "relu", x, "r", "r", 4092)
        c.check(e is not None and "should be at least 4096 bytes" in e, "output too small: %s" % e)
        # region and byte size come together; data and a region together are refused
        body = {"inputs": [{"name": "INPUT0", "datatype": "FP32", "shape": [4],
                            "parameters": {"shared_memory_region": "r"}}]}
        st, r = s.json("POST", "/v2/models/relu/infer", body)
        c.check(st == 400 and "together" in r["error"], "region without byte size %s %r" % (st, r))
        body["inputs"][0]["parameters"]["shared_memory_byte_size"] = 16
        body["inputs"][0]["data"] = [1, 2, 3, 4]
        st, r = s.json("POST", "/v2/models/relu/infer", body)
        c.check(st == 400 and "also carries" in r["error"], "region and data %s %r" % (st, r))
        # the same region for input and output: in place, as the client asked
        shm.set_shared_memory_region(h, [x])
        shm_infer(client, "relu", x, "r", "r", 4096)
        c.check(np.array_equal(shm.get_contents_as_numpy(h, np.float32, [1024]), relu(x)), "same region in and out")
        client.unregister_system_shared_memory()
    finally:
        rs.destroy()


def test_shrunk(c, s, client):
    """A client truncates its object after registering it: every use answers 400, nothing faults."""
    rs = Regions()
    try:
        n = 1 << 20
        x = np.random.default_rng(3).standard_normal(n // 4).astype(np.float32)
        h = rs.create("shrink", "shrink", n)
        shm.set_shared_memory_region(h, [x])
        client.register_system_shared_memory("shrink", key("shrink"), n)
        r = shm_infer(client, "relu", x, "shrink", "shrink", n)
        c.check(r.get_output("OUTPUT0") is not None, "works before the shrink")
        fd = os.open("/dev/shm" + key("shrink"), os.O_RDWR)
        try:
            os.ftruncate(fd, 4096)
        finally:
            os.close(fd)
        e = error_of(shm_infer, client, "relu", x, "shrink", "shrink", n)
        c.check(e is not None and "truncated" in e, "input from a shrunk object: %s" % e)
        # input small enough to still be there, output past the new end
        x_small = x[:512]
        inp = httpclient.InferInput("INPUT0", [512], "FP32")
        inp.set_shared_memory("shrink", 2048)
        out = httpclient.InferRequestedOutput("OUTPUT0")
        out.set_shared_memory("shrink", x_small.nbytes, offset=n // 2)
        e = error_of(client.infer, "relu", [inp], outputs=[out])
        c.check(e is not None and "truncated" in e, "output into a shrunk object: %s" % e)
        st, _ = s.json("GET", "/v2/health/live")
        c.check(st == 200 and s.proc.poll() is None, "the daemon is alive after the shrink")
        # shrunk to nothing: status still answers, unregister releases it
        c.check(client.get_system_shared_memory_status("shrink")[0]["byte_size"] == n, "status keeps the registration")
        client.unregister_system_shared_memory("shrink")
    finally:
        # the Python mapping is past the object's end now; close it without touching the bytes
        rs.destroy()


def shm_fds(pid, tag):
    """Descriptors of process pid open on the object key(tag)."""
    d = "/proc/%d/fd" % pid
    out = []
    for fd in os.listdir(d):
        try:
            if os.readlink(os.path.join(d, fd)).startswith("/dev/shm" + key(tag)):
                out.append(fd)
        except OSError:
            pass
    return out


def test_descriptors_released(c, s, client):
    rs = Regions()
    try:
        rs.create("fd", "fd", 4096)
        for i in range(5):
            client.register_system_shared_memory("fd%d" % i, key("fd"), 4096)
        c.check(len(shm_fds(s.proc.pid, "fd")) == 5, "one descriptor per registered region")
        client.unregister_system_shared_memory("fd0")
        c.check(len(shm_fds(s.proc.pid, "fd")) == 4, "unregister closes its descriptor")
        client.unregister_system_shared_memory()
        c.check(shm_fds(s.proc.pid, "fd") == [], "unregister all closes every descriptor")
    finally:
        rs.destroy()


def test_unregister_during_use(c, s, client):
    """Regions unregistered and registered again while other requests use them: every request
    answers 200 or 'Unable to find', and no descriptor is left behind."""
    import threading
    rs = Regions()
    try:
        x = np.random.default_rng(4).standard_normal(1 << 18).astype(np.float32)
        h = rs.create("race", "race", x.nbytes)
        shm.set_shared_memory_region(h, [x])
        client.register_system_shared_memory("race", key("race"), x.nbytes)
        stop = threading.Event()
        seen = {"ok": 0, "gone": 0, "other": []}

        def use():
            cl = httpclient.InferenceServerClient(s.url)
            while not stop.is_set():
                inp = httpclient.InferInput("INPUT0", [x.size], "FP32")
                inp.set_shared_memory("race", x.nbytes)
                try:
                    cl.infer("relu", [inp], outputs=[httpclient.InferRequestedOutput("OUTPUT0", binary_data=True)])
                    seen["ok"] += 1
                except InferenceServerException as e:
                    if "Unable to find shared memory region" in str(e):
                        seen["gone"] += 1
                    else:
                        seen["other"].append(str(e))

        threads = [threading.Thread(target=use) for _ in range(2)]
        for t in threads:
            t.start()
        for _ in range(100):
            client.unregister_system_shared_memory("race")
            client.register_system_shared_memory("race", key("race"), x.nbytes)
        stop.set()
        for t in threads:
            t.join()
        print("unregister/register race: %d requests answered 200, %d 'Unable to find'" % (seen["ok"], seen["gone"]))
        c.check(seen["ok"] > 0 and not seen["other"], "requests during unregister/register: %d ok, %d gone, other %r"
                % (seen["ok"], seen["gone"], seen["other"][:3]))
        client.unregister_system_shared_memory()
        c.check(shm_fds(s.proc.pid, "race") == [], "no descriptor left after the race")
    finally:
        rs.destroy()


def test_api_key(c):
    rs = Regions()
    try:
        rs.create("k", "k", 4096)
        with Server("--api-key", "sekrit", "--no-warmup") as s:
            client = httpclient.InferenceServerClient(s.url)
            e = error_of(client.register_system_shared_memory, "k", key("k"), 4096)
            c.check(e is not None, "register without the key refused: %s" % e)
            st, _, _ = s.request("GET", "/v2/systemsharedmemory/status")
            c.check(st == 401, "status without the key: %s" % st)
            st, _, _ = s.request("POST", "/v2/systemsharedmemory/unregister")
            c.check(st == 401, "unregister without the key: %s" % st)
            auth = {"Authorization": "Bearer sekrit"}
            client.register_system_shared_memory("k", key("k"), 4096, headers=auth)
            c.check(len(client.get_system_shared_memory_status(headers=auth)) == 1, "with the key")
            client.unregister_system_shared_memory(headers=auth)
    finally:
        rs.destroy()


def test_caps(c):
    rs = Regions()
    try:
        rs.create("cap", "cap", 1 << 20)
        with Server("--shm-max-regions", "2", "--shm-max-bytes", "1M", "--no-warmup") as s:
            client = httpclient.InferenceServerClient(s.url)
            client.register_system_shared_memory("a", key("cap"), 4096)
            client.register_system_shared_memory("b", key("cap"), 4096)
            e = error_of(client.register_system_shared_memory, "c", key("cap"), 4096)
            c.check(e is not None and "--shm-max-regions" in e, "region cap: %s" % e)
            client.unregister_system_shared_memory("b")
            e = error_of(client.register_system_shared_memory, "c", key("cap"), (1 << 20) - 4095)
            c.check(e is not None and "--shm-max-bytes" in e, "byte cap: %s" % e)
            client.register_system_shared_memory("c", key("cap"), (1 << 20) - 4096)
            c.check(len(client.get_system_shared_memory_status()) == 2, "up to the caps")
        with Server("--shm-max-regions", "0", "--no-warmup") as s:
            client = httpclient.InferenceServerClient(s.url)
            c.check("system_shared_memory" not in client.get_server_metadata()["extensions"], "off: not advertised")
            e = error_of(client.register_system_shared_memory, "a", key("cap"), 4096)
            c.check(e is not None and "disabled" in e, "off: register refused: %s" % e)
            x = np.ones(4, dtype=np.float32)
            e = error_of(shm_infer, client, "relu", x, "a", "a", 16)
            c.check(e is not None and "Unable to find" in e, "off: infer naming a region refused: %s" % e)
    finally:
        rs.destroy()


def main():
    c = Checks()
    with Server("--model-repository", MODELS, "--no-warmup") as s:
        client = httpclient.InferenceServerClient(s.url)
        for t in (test_advertised, test_op_round_trip, test_mlp, test_refusals, test_shrunk, test_descriptors_released,
                  test_unregister_during_use):
            c.run(t, s, client)
        st, body = s.json("GET", "/v2/health/live")
        c.check(st == 200, "alive at the end")
    c.run(test_api_key)
    c.run(test_caps)
    c.finish()


if __name__ == "__main__":
    main()
