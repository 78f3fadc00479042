"""test_web_models.py: headless Chromium runs a batch through the web page's Models section and sees per-layer sparsity, dead units, activation-rate and histogram charts that match the server's analysis."""
import html
import json
import os
import re
import shutil
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from headless_page import CHROMIUM, attr, element_html, load, text  # noqa: E402
from server_harness import Checks, Server  # noqa: E402

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
X = [[0.1, 0.2, 0.3, 0.4], [-1.0, 0.5, 0.25, 0.9], [0.7, -0.3, -0.8, 0.05]]


def tags(fragment, name):
    """Attributes of every <name ...> in fragment, as dicts."""
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m)) for m in re.findall(r"<%s\b([^>]*)>" % name, fragment or "")]


def has_attr(dom, ident, name):
    m = re.search(r'<\w+[^>]*\bid="%s"[^>]*>' % re.escape(ident), dom)
    return m is not None and re.search(r'\s%s(="[^"]*")?[\s>]' % name, m.group(0)) is not None


def check_layers(c, dom, want, what):
    """The page's per-layer blocks against the server's analysis `want` (a list of layer objects)."""
    c.check(len(re.findall(r'<div class="layer" id="layer-\d+"', dom)) == len(want), "%s: one block per layer" % what)
    for L in want:
        i = L["index"]
        sp = text(element_html(dom, "layer-%d-sparsity" % i))
        # the page prints toFixed(1), which rounds a tie like 56.25 up; Python's %.1f rounds it to even
        m = re.search(r"sparsity: ([0-9.]+)%", sp or "")
        want_pct = 100 * L["zero_fraction"]
        c.check(m is not None and abs(float(m.group(1)) - want_pct) <= 0.05 + 1e-9 and "(%d samples)" % L["samples"] in sp,
                "%s: layer %d sparsity %r want %.2f%%" % (what, i, sp, want_pct))
        dead_html = element_html(dom, "layer-%d-dead" % i) or ""
        listed = [int(u) for u in re.findall(r'<span class="dead" data-unit="(\d+)">\d+</span>', dead_html)]
        c.check(listed == L["dead_units"], "%s: layer %d dead units listed %r want %r" % (what, i, listed, L["dead_units"]))
        if not L["dead_units"]:
            c.check("none" in text(dead_html), "%s: layer %d says none are dead" % (what, i))
        bars = [t for t in tags(element_html(dom, "layer-%d-rate" % i), "rect") if t.get("class", "").startswith("unit")]
        c.check(len(bars) == L["out"], "%s: layer %d has %d unit bars" % (what, i, len(bars)))
        rates = [float(b["data-rate"]) for b in bars]
        c.check(len(rates) == len(L["active_rate"]) and
                all(abs(a - b) < 1e-5 for a, b in zip(rates, L["active_rate"])),
                "%s: layer %d bar heights are the activation rates %r want %r" % (what, i, rates, L["active_rate"]))
        red = [int(b["data-unit"]) for b in bars if b["class"] == "unit dead"]
        c.check(red == L["dead_units"], "%s: layer %d dead bars highlighted %r" % (what, i, red))
        marks = [t for t in tags(element_html(dom, "layer-%d-rate" % i), "rect") if t.get("class") == "dead-mark"]
        c.check(len(marks) == len(L["dead_units"]), "%s: layer %d dead columns shaded" % (what, i))
        bins = [int(t["data-count"]) for t in tags(element_html(dom, "layer-%d-hist" % i), "rect") if t.get("class") == "bin"]
        c.check(bins == L["pre_activation"]["histogram"], "%s: layer %d histogram %r want %r" %
                (what, i, bins, L["pre_activation"]["histogram"]))
        # the bins span the server's robust range; the values outside it are counted in a note
        pa = L["pre_activation"]
        hist_html = element_html(dom, "layer-%d-hist" % i) or ""
        ends = [text(m) for m in re.findall(r'<text class="range-(?:lo|hi)"[^>]*>([^<]*)</text>', hist_html)]
        c.check(ends == ["%g" % float("%.6g" % pa["histogram_min"]), "%g" % float("%.6g" % pa["histogram_max"])],
                "%s: layer %d histogram axis %r want [%r, %r]" % (what, i, ends, pa["histogram_min"], pa["histogram_max"]))
        outside = pa["below_histogram"] + pa["above_histogram"]
        note = element_html(dom, "layer-%d-outside" % i)
        if outside:
            c.check(note is not None and ("%d value%s outside the range" % (outside, "" if outside == 1 else "s")) in text(note) and
                    attr(dom, "layer-%d-outside" % i, "data-below") == str(pa["below_histogram"]),
                    "%s: layer %d notes %d values outside the range: %r" % (what, i, outside, text(note)))
        else:
            c.check(note is None, "%s: layer %d has no values outside the range and no note" % (what, i))
        pre = text(element_html(dom, "layer-%d-pre" % i))
        c.check("min %g" % float("%.6g" % L["pre_activation"]["min"]) in pre and
                "max %g" % float("%.6g" % L["pre_activation"]["max"]) in pre and "mean " in pre,
                "%s: layer %d min/max/mean %r want %r" % (what, i, pre, L["pre_activation"]))


def main():
    c = Checks()
    if not c.check(CHROMIUM is not None, "chromium is installed (scripts/install-deps.sh --test)"):
        c.finish()
    profile = tempfile.mkdtemp(prefix="clrelu-chromium-")
    try:
        with Server("--model-repository", MODELS) as s:
            base = "http://127.0.0.1:%d/" % s.port
            dom, console = load(base, profile)
            c.check(console == [], "no console output on load: %r" % console)
            c.check(not has_attr(dom, "model-form", "hidden") and has_attr(dom, "models-none", "hidden"),
                    "the Models section is shown when models are loaded")
            c.check(re.search(r'<select id="model"><option value="example">example</option></select>', dom) is not None,
                    "the model list offers example")
            c.check(attr(dom, "model-result", "data-status") == "idle", "no run without model_autorun")
            rows = json.loads(html.unescape(element_html(dom, "model-data") or "null"))
            # the page draws from [-1, 1) and rounds to 3 decimals, so 0.9996 shows as 1
            c.check(isinstance(rows, list) and len(rows) == 8 and all(len(r) == 4 and all(-1 <= v <= 1 for v in r) for r in rows),
                    "a random batch of 8 rows of 4 pre-filled: %r" % rows)
            st, r = s.json("GET", "/v2/models/example/stats")
            c.check(r["model_stats"][0]["execution_count"] == 0, "loading the page runs nothing")

            # a given batch, run by the page: the charts show what the server computes for it
            q = urllib.parse.urlencode({"model": "example", "model_data": json.dumps(X), "model_device": "host",
                                        "model_autorun": "1"})
            dom, console = load(base + "?" + q, profile)
            c.check(console == [], "no console output on a run: %r" % console)
            c.check(attr(dom, "model-result", "data-status") == "200", "run status %r" % attr(dom, "model-result", "data-status"))
            result = text(element_html(dom, "model-result"))
            c.check("example on host" in result and "[3, 3]" in result, "result line %r" % result)
            st, r = s.json("GET", "/v2/models/example/stats")
            m = r["model_stats"][0]
            c.check(m["execution_count"] == 1 and m["inference_count"] == 3, "the page's run is counted: %r" % m)
            st, want = s.json("POST", "/v1/models/example/infer", {"data": X, "device": "host", "stats": True})
            c.check(st == 200 and 5 in want["stats"][0]["dead_units"], "the server finds layer 0 unit 5 dead")
            check_layers(c, dom, want["stats"], "given batch")
            # the outputs themselves, one row per sample
            cells = [[float(v) for v in re.findall(r"<td>([^<]*)</td>", row)] for row in
                     re.findall(r"<tr>(.*?)</tr>", element_html(dom, "model-output-table") or "") if "<td>" in row]
            want_rows = [[float(i)] + want["data"][3 * i:3 * i + 3] for i in range(3)]
            c.check(len(cells) == 3 and all(len(a) == 4 and all(abs(x - y) <= 1e-5 * (1 + abs(y)) for x, y in zip(a, b))
                                            for a, b in zip(cells, want_rows)),
                    "the outputs are shown: %r want %r" % (cells, want_rows))
            # the histogram's mean label is drawn inside the chart
            for i in range(len(want["stats"])):
                hist = element_html(dom, "layer-%d-hist" % i) or ""
                lab = re.search(r'<text class="mean-label"[^>]* x="([-0-9.e]+)"[^>]*text-anchor="(start|end)"[^>]*>'
                                r'((?:\u2190 )?mean [^<]*)</text>', hist)
                c.check(lab is not None, "layer %d: a mean label" % i)
                if lab:
                    x, anchor, label = float(lab.group(1)), lab.group(2), lab.group(3)
                    width = 6.5 * len(label)  # 10px sans-serif: at most ~6.5px a character
                    left, right = (x, x + width) if anchor == "start" else (x - width, x)
                    c.check(left >= 0 and right <= 420, "layer %d: the mean label %r spans %.0f..%.0f of 420" % (i, label, left, right))
            # layer 0: dead unit 5's -100s are left out of the bins and counted, the rest spread over
            # several bins (they were squeezed into the last one), the mean (pulled below the range by
            # them) is marked at the left edge with an arrow
            pa0 = want["stats"][0]["pre_activation"]
            bins0 = [int(t["data-count"]) for t in tags(element_html(dom, "layer-0-hist"), "rect") if t.get("class") == "bin"]
            c.check(pa0["below_histogram"] >= 3 and sum(1 for n in bins0 if n) >= 4,
                    "layer 0: the bins spread the other values %r, %d below the range" % (bins0, pa0["below_histogram"]))
            c.check("outside the range" in text(element_html(dom, "layer-0-outside")),
                    "layer 0: 'values outside the range' %r" % text(element_html(dom, "layer-0-outside")))
            if pa0["mean"] < pa0["histogram_min"]:
                c.check(re.search(r'<text class="mean-label" data-side="below"[^>]*>\u2190 mean ', element_html(dom, "layer-0-hist") or "")
                        is not None, "layer 0: the mean below the range is marked at the edge")
            dead0 = element_html(dom, "layer-0-dead") or ""
            c.check('<span class="dead" data-unit="5">5</span>' in dead0, "layer 0 lists dead unit 5: %r" % dead0)
            c.check(re.search(r'<rect class="unit dead" data-unit="5" data-rate="0"[^>]*fill="#c00"', dom) is not None,
                    "layer 0 unit 5's bar is highlighted red")

            # the random batch: N rows of the model's width; unit 5 stays dead
            dom, console = load(base + "?model=example&model_rows=6&model_random=1&model_autorun=1", profile)
            c.check(console == [], "no console output on a random run: %r" % console)
            rows = json.loads(html.unescape(element_html(dom, "model-data") or "null"))
            c.check(isinstance(rows, list) and len(rows) == 6 and all(len(r) == 4 for r in rows), "6 random rows %r" % rows)
            c.check("(6 samples)" in text(element_html(dom, "layer-0-sparsity")), "the random batch ran: %r" %
                    text(element_html(dom, "layer-0-sparsity")))
            c.check('<span class="dead" data-unit="5">5</span>' in (element_html(dom, "layer-0-dead") or ""),
                    "unit 5 dead in the random batch")
            if isinstance(rows, list) and rows:
                st, want = s.json("POST", "/v1/models/example/infer", {"data": rows, "stats": True})
                check_layers(c, dom, want["stats"], "random batch")

            # one row: "dead" comes with a caveat; a batch of 8 needs none
            one = urllib.parse.urlencode({"model": "example", "model_data": json.dumps(X[:1]), "model_device": "host",
                                          "model_autorun": "1"})
            dom, console = load(base + "?" + one, profile)
            cav = text(element_html(dom, "layer-0-caveat"))
            c.check(attr(dom, "model-result", "data-status") == "200" and "Only 1 sample" in cav and "this one row" in cav,
                    "a one-row batch's dead units carry a caveat: %r" % cav)
            dom, console = load(base + "?model=example&model_rows=8&model_random=1&model_autorun=1", profile)
            c.check(attr(dom, "model-result", "data-status") == "200" and 'id="layer-0-caveat"' not in dom,
                    "8 rows: no caveat")

            # a model that does not exist is said so, and nothing runs (was: the first model ran silently)
            runs = s.json("GET", "/v2/models/example/stats")[1]["model_stats"][0]["execution_count"]
            dom, console = load(base + "?model=nope&model_autorun=1", profile)
            res = text(element_html(dom, "model-result"))
            c.check(attr(dom, "model-result", "data-status") == "invalid" and "no model \u201cnope\u201d" in res and
                    "example" in res, "?model=nope is reported: %r" % res)
            c.check(s.json("GET", "/v2/models/example/stats")[1]["model_stats"][0]["execution_count"] == runs,
                    "nothing ran for ?model=nope")
            # a batch that is not JSON is an input error, not an HTTP one
            dom, console = load(base + "?" + urllib.parse.urlencode({"model": "example", "model_data": "[[1,2,x,4]]",
                                                                      "model_autorun": "1"}), profile)
            res = text(element_html(dom, "model-result"))
            c.check(attr(dom, "model-result", "data-status") == "invalid" and "not JSON" in res and "HTTP" not in res,
                    "a typo in the batch is a validation error: %r" % res)
            # the default device is named in the model's device list
            c.check(re.search(r'<option value="">\(default: [^)]+\)</option>', dom) is not None, "the default device is named")

            # a server error is shown, not charted
            dom, console = load(base + "?" + urllib.parse.urlencode({"model": "example", "model_data": "[[1,2,3]]",
                                                                      "model_autorun": "1"}), profile)
            c.check(attr(dom, "model-result", "data-status") == "400" and "[N, 4]" in text(element_html(dom, "model-result")),
                    "a wrong width shows the server's 400: %r" % text(element_html(dom, "model-result")))
            c.check('id="layer-0"' not in dom, "no charts after an error")

        with Server() as s:  # no models: the section says so
            dom, console = load("http://127.0.0.1:%d/" % s.port, profile)
            c.check(console == [], "no console output without models: %r" % console)
            c.check(not has_attr(dom, "models-none", "hidden") and has_attr(dom, "model-form", "hidden"),
                    "without models the section says so and hides the form")
            c.check("No models loaded" in text(element_html(dom, "models-none")), "the no-models message")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    c.finish()


if __name__ == "__main__":
    main()
