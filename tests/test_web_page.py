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

            # the default device is marked in the table and in the list
            dom, console = load(base, profile)
            st, devs = s.json("GET", "/v1/devices")
            default_row = element(dom, "device-default") or ""
            c.check(default_row.strip().startswith(devs["default"] + " (default)"),
                    "the default device's row is marked: %r" % default_row)
            c.check(re.search(r'<option value="%s" selected="">%s \(default\)</option>' % (re.escape(devs["default"]),
                                                                                         re.escape(devs["default"])), dom)
                    is not None or ('value="%s"' % devs["default"] in dom and "%s (default)</option>" % devs["default"] in dom),
                    "the device list marks the default")
            c.check(devs["default"] in (element(dom, "devices-default") or ""), "a sentence names the default device")

            # an op the server does not have: said so, nothing sent (was: an empty op, "HTTP 404: unknown op ''")
            before = s.json("GET", "/v2/models/stats")[1]
            dom, console = load(base + "?autorun=1&op=nosuchop&data=1,2", profile)
            res = element(dom, "result") or ""
            c.check(attr(dom, "result", "data-status") == "invalid" and "nosuchop" in res and "HTTP" not in res,
                    "?op=nosuchop is reported as such: %r" % res)
            c.check(s.json("GET", "/v2/models/stats")[1] == before, "nothing was sent for ?op=nosuchop")
            dom, console = load(base + "?autorun=1&op=relu&device=nosuchdevice&data=1", profile)
            c.check(attr(dom, "result", "data-status") == "invalid" and "nosuchdevice" in (element(dom, "result") or ""),
                    "an unknown ?device= is reported: %r" % element(dom, "result"))

            # a typo in the data is an input error, not "HTTP 0: not a number: x"
            dom, console = load(base + "?autorun=1&op=relu&data=1,x,3", profile)
            res = element(dom, "result") or ""
            c.check(attr(dom, "result", "data-status") == "invalid" and "not a number" in res and "HTTP" not in res
                    and "\u201cx\u201d" in res, "a typo in the data is a validation error: %r" % res)
        # with --api-key every section sends the page's one key field: "Run an op" too (was: 401)
        with Server("--api-key", "sekret", device="host") as s:
            base = "http://127.0.0.1:%d/" % s.port
            dom, console = load(base, profile)
            c.check(len(re.findall(r'<input id="[a-z-]*key"', dom)) == 1 and 'id="api-key"' in dom,
                    "one API key field on the page: %r" % re.findall(r'<input id="([a-z-]*key)"', dom))
            dom, console = load(base + "?autorun=1&op=relu&data=-1,2", profile)
            c.check(attr(dom, "result", "data-status") == "401", "without the key the op is refused: %r" %
                    attr(dom, "result", "data-status"))
            dom, console = load(base + "?api_key=sekret&autorun=1&op=relu&data=-1,2", profile)
            c.check(attr(dom, "result", "data-status") == "200" and (element(dom, "output") or "").strip() == "[0,2]",
                    "with the key the op runs: %r %r" % (attr(dom, "result", "data-status"), element(dom, "result")))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
