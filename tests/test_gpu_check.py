"""test_gpu_check.py: scripts/gpu-check.sh on PoCL's CPU device, so the GPU check cannot rot.

Runs `scripts/gpu-check.sh --device cpu --quick --build <the build of $CLRELU_BIN> --out <tmp>` (no
rebuild; in --quick the test phase runs one small program, test_special_values, through a ctest
file of the script's own, never the whole suite) and checks the markdown: the device's name, the
test phase's result, and a bench table with GB/s > 0 for every op/dtype/size/direction the quick
sweep asks for. Then a selector that matches no device: the script goes on past the failed
phases, reports them, and exits 1. Then the PyTorch side-by-side path, with a numpy stand-in for
torch on PYTHONPATH. Skips (77) without an OpenCL CPU device, python3 or ctest."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from server_harness import BIN, Checks  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "gpu-check.sh")
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(BIN)))
OPS, DTYPES = ("relu", "prelu", "gelu"), ("float32", "float16", "bfloat16")
SIZES = ("16K", "256K")


def gpu_check(out, *args):
    t = time.time()
    p = subprocess.run(["bash", SCRIPT, "--quick", "--build", BUILD, "--out", out] + list(args),
                       capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout + p.stderr, time.time() - t


def phases(md):
    """{phase: result cell} of the phase table."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| (build|devices|tests|bench|peers) \| ([^|]*) \|", md, re.M)}


def test_quick_on_pocl(c, tmp, dev):
    out = os.path.join(tmp, "quick.md")
    rc, log, secs = gpu_check(out, "--device", "cpu")
    print("quick run: %.1f s, exit %d" % (secs, rc))
    c.check(rc == 0, "exit 0 (%d):\n%s" % (rc, log[-3000:]))
    c.check(os.path.isfile(out), "markdown written to --out")
    md = open(out).read() if os.path.isfile(out) else ""
    c.check(md.startswith("## 4. Discrete GPUs"), "a BENCHMARKS.md §4 section: %r" % md[:80])
    c.check(dev["name"] in md and "`%s`" % dev["id"] in md, "names the device %s (%s)" % (dev["id"], dev["name"]))
    c.check(dev["driver_version"] in md and "commit `" in md, "driver and commit")
    ph = phases(md)
    c.check(ph.get("build", "").startswith("skipped"), "no build with --build: %r" % ph.get("build"))
    for p in ("devices", "bench"):
        c.check(ph.get(p) == "ok", "%s phase ok: %r" % (p, ph.get(p)))
    c.check(ph.get("tests", "").startswith("ok: 1 of 1 passed"), "tests phase result: %r" % ph.get("tests"))
    c.check(ph.get("peers", "").split(":")[0] in ("ok", "skipped"), "peers phase ok or skipped: %r" % ph.get("peers"))
    c.check(re.search(r"^\| test_special_values \| Passed \|", md, re.M), "the test program's row")
    # the sweep: one row per op/dtype, every cell "GB/s (ratio)" with GB/s > 0
    head = "| op | dtype |" + "".join(" %s fwd | %s bwd |" % (s, s) for s in SIZES)
    c.check(head in md, "bench table header %r" % head)
    for op in OPS:
        for dt in DTYPES:
            m = re.search(r"^\| %s \| %s \|(.*)\|$" % (op, dt), md, re.M)
            if not c.check(m, "bench row %s %s" % (op, dt)):
                continue
            cells = [x.strip() for x in m.group(1).split("|")]
            gbps = [float(re.match(r"([\d.]+) \(", x).group(1)) if re.match(r"[\d.]+ \(", x) else 0.0 for x in cells]
            c.check(len(cells) == 2 * len(SIZES) and all(g > 0 for g in gbps),
                    "%s %s: GB/s > 0 in every cell: %r" % (op, dt, cells))
    c.check(re.search(r"^\| float32 \| copy \| [\d.]+ \| [\d.]+ \|$", md, re.M), "copy ceilings listed")
    logs = out[:-3] + "-logs"
    for t in DTYPES:
        for group in ("family", "rest"):
            f = os.path.join(logs, "bench-%s-%s.json" % (group, t))
            c.check(os.path.isfile(f) and os.path.getsize(f) > 0, "raw bench JSON %s" % os.path.basename(f))


def test_failed_phases_reported(c, tmp):
    out = os.path.join(tmp, "bad.md")
    rc, log, secs = gpu_check(out, "--device", "nosuchdevice", "--budget", "120")
    print("no-device run: %.1f s, exit %d" % (secs, rc))
    c.check(rc == 1, "exit 1 when a phase failed (%d):\n%s" % (rc, log[-2000:]))
    md = open(out).read() if os.path.isfile(out) else ""
    ph = phases(md)
    c.check(ph.get("devices", "").startswith("**failed**") and "no device matches" in ph.get("devices", ""),
            "devices phase failed with its reason: %r" % ph.get("devices"))
    c.check(ph.get("tests", "").startswith("ok"), "the next phases still ran: tests %r" % ph.get("tests"))
    c.check(ph.get("bench", "").startswith("**failed**"), "bench failed: %r" % ph.get("bench"))
    c.check("no such device" in md, "the header says so")


# A stand-in for PyTorch (numpy underneath, only what gpu-check.sh's torch peer and bench/peers/py_relu.py
# call), so that the side-by-side path — normally run only where CUDA torch is installed — runs here too.
TORCH_STUB = """
import numpy as np
__version__ = "0.0-stub"
int64, float32 = np.int64, np.float32
class device:
    def __init__(self, s): self.type = s.split(":")[0]
class version: cuda = None
class Tensor:
    def __init__(self, a): self.a = a
    def __mod__(self, k): return Tensor(self.a % k)
    def __sub__(self, k): return Tensor(self.a - k)
    def __truediv__(self, k): return Tensor(self.a / k)
    def to(self, d): return Tensor(self.a.astype(d)) if isinstance(d, type) else self
    def copy_(self, o): self.a[...] = o.a; return self
def arange(n, dtype): return Tensor(np.arange(n, dtype=dtype))
def relu(t): return Tensor(np.maximum(t.a, 0))
def relu_(t): np.maximum(t.a, 0, out=t.a); return t
def empty_like(t): return Tensor(np.empty_like(t.a))
def from_numpy(a): return Tensor(a)
def set_num_threads(n): pass
class cuda:
    @staticmethod
    def is_available(): return False
"""


def test_torch_side_by_side(c, tmp):
    stub = os.path.join(tmp, "stub")
    os.makedirs(stub, exist_ok=True)
    with open(os.path.join(stub, "torch.py"), "w") as f:
        f.write(TORCH_STUB)
    env = dict(os.environ, PYTHONPATH=stub, GPU_CHECK_TORCH_DEVICE="cpu")
    out = os.path.join(tmp, "torch.md")
    t = time.time()
    p = subprocess.run(["bash", SCRIPT, "--quick", "--build", BUILD, "--out", out, "--device", "cpu"],
                       capture_output=True, text=True, timeout=300, env=env)
    print("torch-stub run: %.1f s, exit %d" % (time.time() - t, p.returncode))
    md = open(out).read() if os.path.isfile(out) else ""
    if phases(md).get("peers", "").startswith("skipped"):
        print("note: no python with numpy here; the side-by-side path was not exercised")
        return
    c.check(p.returncode == 0, "exit 0 with the stub (%d):\n%s" % (p.returncode, (p.stdout + p.stderr)[-2000:]))
    c.check("PyTorch 0.0-stub on `cpu`" in md, "the side-by-side section names torch and its device")
    for pl in ("out", "in"):
        m = re.search(r"^\| 1M \| %s \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \| ([\d.]+) \| ([\d.]+) \| [\d.]+ \|$" % pl, md, re.M)
        c.check(m and all(float(g) > 0 for g in m.groups()), "side-by-side row 1M %s with numbers" % pl)
    m = re.search(r"^\| 1M \| out \| [^|]+ \| [^|]+ \| [^|]+ \| ([\d.]+) \|", md, re.M)
    c.check(m and float(m.group(1)) > 0, "run.sh's torch column filled when torch imports")


def main():
    if not shutil.which("python3") or not shutil.which("ctest"):
        print("skip: gpu-check.sh needs python3 and ctest")
        sys.exit(77)
    devs = json.loads(subprocess.run([BIN, "devices", "--json"], capture_output=True, text=True, check=True).stdout)
    cpu = [d for d in devs if d.get("type") == "cpu" and d.get("backend") == "opencl"]
    if not cpu:
        print("skip: no OpenCL CPU device (PoCL) to run gpu-check.sh --device cpu on")
        sys.exit(77)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="clrelu-gpu-check-")
    c.run(test_quick_on_pocl, tmp, cpu[0])
    c.run(test_failed_phases_reported, tmp)
    c.run(test_torch_side_by_side, tmp)
    if not c.failed:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("outputs kept in", tmp)
    c.finish()


if __name__ == "__main__":
    main()
