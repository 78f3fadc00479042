"""test_web_page.py: headless Chromium loads the embedded page, lists devices and ops, round-trips the form, logs no console errors."""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from headless_page import CHROMIUM, attr, element, load  # noqa: E402
from server_harness import Checks, Server  # noqa: E402


def main():
    c = Checks()
    if not c.check(CHROMIUM is not None, "chromium is installed (scripts/install-deps.sh --test)"):
        c.finish()
    profile = tempfile.mkdtemp(prefix="clrelu-chromium-")
    try:
        with Server(device="auto") as s:
            base = "http://127.0.0.1:%d/" % s.port
            dom, console = load(base, profile)
            c.check(console == [], "no console output on load: %r" % console)
            devices = element(dom, "devices") or ""
            c.check("host" in devices and "float32" in devices, "devices table lists the devices: %r" % devices[:200])
            ops = re.findall(r'<option value="([a-z_0-9]+)"', dom)
            c.check(ops[:2] == ["relu", "leaky_relu"] and "prelu" in ops, "op list %r" % ops)
            c.check(attr(dom, "result", "data-status") == "idle", "no request without autorun")

            dom, console = load(base + "?autorun=1&op=leaky_relu&negative_slope=0.5&data=-1,2,0,-4&device=host", profile)
            c.check(console == [], "no console output on a run: %r" % console)
            c.check(attr(dom, "result", "data-status") == "200", "form round trip status %r" % attr(dom, "result", "data-status"))
            c.check((element(dom, "output") or "").strip() == "[-0.5,2,0,-2]", "result values %r" % element(dom, "output"))
            timing = element(dom, "timing") or ""
            c.check(all(k in timing for k in ("parse", "queue", "kernel", "serialize", "total")), "timing table %r" % timing)
            sp = element(dom, "sparsity") or ""
            c.check("1 of 4 outputs are zero (25.0%)" in sp and "negatives 2" in sp, "sparsity %r" % sp)
            c.check("on host" in (element(dom, "result") or ""), "device choice honoured")

            dom, console = load(base + "?autorun=1&op=relu&data=-1,3&backward=1", profile)
            c.check((element(dom, "output") or "").strip() == "[0,1]", "backward via the form %r" % element(dom, "output"))

            dom, console = load(base + "?autorun=1&op=elu&alpha=-1&data=1", profile)
            c.check(attr(dom, "result", "data-status") == "400" and "out of range" in (element(dom, "result") or ""),
                    "server error shown on the page")
            c.check((element(dom, "errors") or "").strip() == "", "no script errors on the page")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
