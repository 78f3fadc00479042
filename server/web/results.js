/* results.js: the page's Results section — stored runs (GET /v1/results), machines and devices compared on
 * shared log axes (GB/s and % of copy against size, one line per device), a two-run verdict table
 * (GET /v1/results/compare) and the history of one case with its regression markers (GET /v1/results/history).
 * Everything it shows is the results store's JSON as the server returns it (docs/benchmarks.md). */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  var VERDICT_COLOR = { SAME: "#777", FASTER: "#2a7", SLOWER: "#c00" };
  var DTYPE_BYTES = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };
  var state = { runs: [], selected: {}, loaded: {} };

  function el(id) { return document.getElementById(id); }
  function tag(name, s, attrs) {
    var e = document.createElement(name);
    if (s !== undefined && s !== null) e.textContent = s;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function svg(name, attrs, s) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (s !== undefined) e.textContent = s;
    return e;
  }
  function fmt(v, digits) { return typeof v === "number" && isFinite(v) ? v.toFixed(digits) : "-"; }
  function utc(ms) { return ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) : "-"; }
  function labelsText(l) { return Object.keys(l || {}).map(function (k) { return k + "=" + l[k]; }).join(", "); }
  function machineName(m) { return !m ? "-" : typeof m === "string" ? m : (m.hostname || m.id || "-"); }
  function deviceId(d) { return !d ? "-" : typeof d === "string" ? d : (d.id || "-"); }
  function status(st, msg) { var s = el("results-status"); s.setAttribute("data-status", st); s.textContent = msg; }

  function getJSON(url) {
    return fetch(url).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) throw new Error(url.split("?")[0] + ": " + r.status + (b && b.error ? " " + b.error : ""));
        return b;
      });
    });
  }
  function query(pairs) {
    var q = new URLSearchParams();
    Object.keys(pairs).forEach(function (k) { if (pairs[k] !== "" && pairs[k] !== null && pairs[k] !== undefined) q.set(k, pairs[k]); });
    var s = q.toString();
    return s ? "?" + s : "";
  }
  function input(id, label, value, size) {
    var l = tag("label", label + " "), i = tag("input", null, { id: id, size: size || 10 });
    i.value = value || "";
    l.appendChild(i);
    return l;
  }
  function select(id, label, options) {
    var l = tag("label", label + " "), s = tag("select", null, { id: id });
    options.forEach(function (o) { var op = tag("option", o); op.value = o; s.appendChild(op); });
    l.appendChild(s);
    return l;
  }

  /* ---- the section's elements ------------------------------------------------------------------ */
  function build(root) {
    root.appendChild(tag("p", "Runs kept in the results database (clrelu bench --results-db, benchmark jobs). " +
                               "Tick runs to compare their devices; two runs also get a verdict per case."));
    var f = tag("form", null, { id: "results-filter" });
    [["results-f-machine", "machine"], ["results-f-device", "device"], ["results-f-op", "op"], ["results-f-dtype", "dtype"],
     ["results-f-label", "label k=v"]].forEach(function (p) { f.appendChild(input(p[0], p[1], "", 9)); });
    f.appendChild(tag("button", "List runs", { type: "submit", id: "results-list" }));
    root.appendChild(f);
    var t = tag("table", null, { id: "results-runs" }), head = tag("tr");
    ["", "id", "created (UTC)", "machine", "cases", "version", "devices", "labels"].forEach(function (h) { head.appendChild(tag("th", h)); });
    t.appendChild(head);
    root.appendChild(t);
    root.appendChild(tag("p", null, { id: "results-more" }));
    var c = tag("p");
    c.appendChild(input("results-op", "op", "relu", 8));
    c.appendChild(select("results-dtype", "dtype", ["float32", "float16", "bfloat16", "float64"]));
    c.appendChild(select("results-direction", "direction", ["forward", "backward"]));
    c.appendChild(select("results-placement", "placement", ["out", "in"]));
    c.appendChild(tag("button", "Compare selected", { type: "button", id: "results-compare" }));
    root.appendChild(c);
    root.appendChild(tag("div", null, { id: "results-status", "data-status": "idle" }));
    root.appendChild(tag("div", null, { id: "results-plots" }));
    root.appendChild(tag("div", null, { id: "results-verdicts" }));
    root.appendChild(tag("h3", "History of one case"));
    var h = tag("form", null, { id: "results-history-form" });
    h.appendChild(input("history-op", "op", "relu", 8));
    h.appendChild(select("history-dtype", "dtype", ["float32", "float16", "bfloat16", "float64"]));
    h.appendChild(input("history-elements", "elements", "1048576", 9));
    h.appendChild(input("history-device", "device", "", 7));
    h.appendChild(input("history-machine", "machine", "", 9));
    h.appendChild(select("history-direction", "direction", ["forward", "backward"]));
    h.appendChild(select("history-placement", "placement", ["out", "in"]));
    h.appendChild(tag("button", "Show history", { type: "submit", id: "history-show" }));
    root.appendChild(h);
    root.appendChild(tag("div", null, { id: "history-status", "data-status": "idle" }));
    root.appendChild(tag("div", null, { id: "history-plot" }));
    root.appendChild(tag("table", null, { id: "history-table" }));
    f.addEventListener("submit", function (ev) { ev.preventDefault(); listRuns(); });
    el("results-compare").addEventListener("click", compareSelected);
    h.addEventListener("submit", function (ev) { ev.preventDefault(); showHistory(); });
  }

  /* ---- the list of runs ------------------------------------------------------------------------- */
  function listRuns(cursor) {
    var q = { machine: el("results-f-machine").value, device: el("results-f-device").value, op: el("results-f-op").value,
              dtype: el("results-f-dtype").value, label: el("results-f-label").value, cursor: cursor || "" };
    return getJSON("/v1/results" + query(q)).then(function (d) {
      var t = el("results-runs");
      if (!cursor) { while (t.rows.length > 1) t.deleteRow(1); state.runs = []; }
      d.runs.forEach(function (r) {
        state.runs.push(r);
        var tr = tag("tr", null, { "data-run": r.id }), td = tag("td"), cb = tag("input", null, { type: "checkbox", id: "results-pick-" + r.id });
        cb.checked = !!state.selected[r.id];
        cb.addEventListener("change", function () { if (cb.checked) state.selected[r.id] = true; else delete state.selected[r.id]; });
        td.appendChild(cb);
        tr.appendChild(td);
        [r.id, utc(r.created_ms), machineName(r.machine), String(r.n_cases), r.clrelu_version || "-",
         (r.devices || []).map(function (x) { return x.id; }).join(", "), labelsText(r.labels)]
          .forEach(function (v) { tr.appendChild(tag("td", v)); });
        t.appendChild(tr);
      });
      var more = el("results-more");
      more.textContent = "";
      if (d.next) {
        var b = tag("button", "More runs", { type: "button", id: "results-next" });
        b.addEventListener("click", function () { listRuns(d.next); });
        more.appendChild(b);
      } else if (!state.runs.length) more.textContent = "No stored runs match.";
    }).catch(function (e) { status("error", String(e.message || e)); });
  }

  function loadRun(id) {
    if (state.loaded[id]) return Promise.resolve(state.loaded[id]);
    return getJSON("/v1/results/" + encodeURIComponent(id)).then(function (r) { state.loaded[id] = r; return r; });
  }

  /* ---- machines and devices on shared log axes --------------------------------------------------- */
  /* One series per (run, device) of the cases matching the chosen op, dtype, direction, placement. */
  function compareSeries(runs, want) {
    var out = [], multi = {};
    runs.forEach(function (run) { var m = machineName(run.machine); multi[m] = (multi[m] || 0) + 1; });
    runs.forEach(function (run) {
      var res = run.result || {}, names = {}, by = {};
      (res.devices || []).forEach(function (d) { names[d.id] = d.name; });
      (res.cases || []).forEach(function (c) {
        if (c.op !== want.op || c.dtype !== want.dtype || c.direction !== want.direction || c.placement !== want.placement) return;
        if (c.status !== "ok" || !(c.gbps_median > 0)) return;
        var m = machineName(run.machine);
        var name = m + " " + c.device + (names[c.device] ? " (" + names[c.device] + ")" : "") + (multi[m] > 1 ? " [" + run.id + "]" : "");
        if (!by[c.device]) { by[c.device] = { name: name, run: run.id, device: c.device, pts: [] }; out.push(by[c.device]); }
        by[c.device].pts.push({ x: c.elements * (DTYPE_BYTES[c.dtype] || 4), gbps: c.gbps_median, pct: c.pct_of_copy,
                                elements: c.elements });
      });
    });
    out.forEach(function (s) { s.pts.sort(function (a, b) { return a.x - b.x; }); });
    return out;
  }

  function decade(v, up) { return Math.pow(10, (up ? Math.ceil : Math.floor)(Math.log10(v) - (up ? 1e-9 : -1e-9))); }
  function range(vals) {
    var lo = decade(Math.min.apply(null, vals), false), hi = decade(Math.max.apply(null, vals), true);
    return hi > lo ? [lo, hi] : [lo, lo * 10];
  }
  /* Sizes: powers of two around the values, ticks a power of two apart (at most about 8). */
  function range2(vals) {
    var lo = Math.pow(2, Math.floor(Math.log2(Math.min.apply(null, vals)) + 1e-9));
    var hi = Math.pow(2, Math.ceil(Math.log2(Math.max.apply(null, vals)) - 1e-9));
    if (hi <= lo) hi = lo * 2;
    return [lo, hi, Math.pow(2, Math.max(1, Math.ceil(Math.log2(hi / lo) / 8)))];
  }
  function sizeLabel(b) {
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return Number(b.toPrecision(3)) + " " + u[i];
  }

  /* A log-log chart of metric ("gbps" or "pct") for the series, on the shared x range xr. */
  function logChart(id, series, metric, xr, title) {
    var W = 430, H = 320, L = 56, R = 10, T = 22, B = 40;
    var ys = [];
    series.forEach(function (s) { s.pts.forEach(function (p) { if (p[metric] > 0) ys.push(p[metric]); }); });
    var s = svg("svg", { id: id, width: W, height: H, viewBox: "0 0 " + W + " " + H, "font-size": "10", "data-metric": metric });
    s.appendChild(svg("text", { x: L, y: 12, "font-weight": "bold" }, title));
    if (!ys.length) { s.appendChild(svg("text", { x: L, y: H / 2 }, "no timed cases")); return s; }
    var yr = range(ys);
    function px(x) { return L + (Math.log10(x) - Math.log10(xr[0])) / (Math.log10(xr[1]) - Math.log10(xr[0])) * (W - L - R); }
    function py(y) { return H - B - (Math.log10(y) - Math.log10(yr[0])) / (Math.log10(yr[1]) - Math.log10(yr[0])) * (H - T - B); }
    for (var x = xr[0]; x <= xr[1] * 1.0001; x *= xr[2]) {
      s.appendChild(svg("line", { "class": "xgrid", x1: px(x), y1: T, x2: px(x), y2: H - B, stroke: "#ddd" }));
      s.appendChild(svg("text", { x: px(x), y: H - B + 13, "text-anchor": "middle" }, sizeLabel(x)));
    }
    for (var y = yr[0]; y <= yr[1] * 1.0001; y *= 10) {
      s.appendChild(svg("line", { x1: L, y1: py(y), x2: W - R, y2: py(y), stroke: "#ddd" }));
      s.appendChild(svg("text", { x: L - 4, y: py(y) + 3, "text-anchor": "end" }, String(Number(y.toPrecision(3)))));
    }
    s.appendChild(svg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "tensor size (log)"));
    s.appendChild(svg("text", { x: 12, y: (T + H - B) / 2, transform: "rotate(-90 12 " + (T + H - B) / 2 + ")", "text-anchor": "middle" },
                      metric === "gbps" ? "GB/s, median (log)" : "% of copy (log)"));
    series.forEach(function (se) {
      var pts = se.pts.filter(function (p) { return p[metric] > 0; });
      s.appendChild(svg("polyline", { "class": "device-line", "data-series": se.name, fill: "none", stroke: se.color, "stroke-width": 2,
        points: pts.map(function (p) { return px(p.x).toFixed(1) + "," + py(p[metric]).toFixed(1); }).join(" ") }));
      pts.forEach(function (p) {
        var c = svg("circle", { cx: px(p.x), cy: py(p[metric]), r: 3, fill: se.color });
        c.appendChild(svg("title", {}, se.name + ", " + p.elements + " elements: " + p[metric].toPrecision(4) + (metric === "gbps" ? " GB/s" : " % of copy")));
        s.appendChild(c);
      });
    });
    return s;
  }

  function drawCompare(runs, want) {
    var box = el("results-plots");
    box.textContent = "";
    var series = compareSeries(runs, want);
    series.forEach(function (s, i) { s.color = PALETTE[i % PALETTE.length]; });
    if (!series.length) { box.textContent = "No timed case of " + [want.op, want.dtype, want.direction, want.placement].join(" ") + " in these runs."; return 0; }
    var xs = [];
    series.forEach(function (s) { s.pts.forEach(function (p) { xs.push(p.x); }); });
    var xr = range2(xs), what = [want.op, want.dtype, want.direction, want.placement].join(" ");
    box.appendChild(logChart("results-gbps-svg", series, "gbps", xr, "GB/s: " + what));
    box.appendChild(logChart("results-pct-svg", series, "pct", xr, "% of copy: " + what));
    var legend = tag("ul", null, { id: "results-legend" });
    series.forEach(function (s) {
      var li = tag("li", null, { "data-series": s.name }), sw = tag("span", "━━ ");
      sw.style.color = s.color;
      li.appendChild(sw);
      li.appendChild(document.createTextNode(s.name));
      legend.appendChild(li);
    });
    box.appendChild(legend);
    return series.length;
  }

  /* The verdict table of two runs (B against A), from GET /v1/results/compare. */
  function drawVerdicts(d) {
    var box = el("results-verdicts");
    box.textContent = "";
    var s = d.summary || {};
    var p = tag("p", "B = " + (d.b.id || "-") + " against A = " + (d.a.id || "-") + ": " + s.same + " same, " + s.faster + " faster, " +
                     s.slower + " slower, " + s.untimed + " untimed; only in A " + d.only_a + ", only in B " + d.only_b + ".",
                { id: "results-summary", "data-slower": String(s.slower) });
    box.appendChild(p);
    var t = tag("table", null, { id: "results-compare-table" }), head = tag("tr");
    ["device", "op", "dtype", "dir", "placement", "elements", "A µs", "B µs", "A GB/s", "B GB/s", "B/A", "±", "verdict"]
      .forEach(function (h) { head.appendChild(tag("th", h)); });
    t.appendChild(head);
    d.cases.forEach(function (c) {
      var a = c.a || {}, b = c.b || {}, v = c.verdict || "untimed";
      var tr = tag("tr", null, { "data-verdict": v });
      [c.device, c.op, c.dtype, c.direction, c.placement, String(c.elements), fmt(a.median_ns / 1e3, 2), fmt(b.median_ns / 1e3, 2),
       fmt(a.gbps, 3), fmt(b.gbps, 3), c.ratio ? c.ratio.toFixed(3) + "x" : "-", c.threshold ? (100 * c.threshold).toFixed(1) + "%" : "-"]
        .forEach(function (x) { tr.appendChild(tag("td", x)); });
      var vd = tag("td", v);
      vd.style.color = VERDICT_COLOR[v] || "#000";
      if (v === "SLOWER") vd.style.fontWeight = "bold";
      tr.appendChild(vd);
      t.appendChild(tr);
    });
    box.appendChild(t);
    box.appendChild(tag("p", "Rule: " + d.rule + "."));
  }

  function compareSelected() {
    var ids = state.runs.map(function (r) { return r.id; }).filter(function (id) { return state.selected[id]; });
    Object.keys(state.selected).forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    return compareIds(ids);
  }

  function compareIds(ids) {
    var want = { op: el("results-op").value, dtype: el("results-dtype").value, direction: el("results-direction").value,
                 placement: el("results-placement").value };
    el("results-verdicts").textContent = "";
    if (!ids.length) { status("idle", "Tick one or more runs to compare."); return Promise.resolve(); }
    status("loading", "loading " + ids.length + " run(s)…");
    return Promise.all(ids.map(loadRun)).then(function (runs) {
      var n = drawCompare(runs, want);
      status("done", n + " device line(s) from " + runs.length + " run(s)");
      if (ids.length !== 2) return;
      return getJSON("/v1/results/compare" + query({ a: ids[0], b: ids[1] })).then(drawVerdicts);
    }).catch(function (e) { status("error", String(e.message || e)); });
  }

  /* ---- the history of one case ------------------------------------------------------------------- */
  function drawHistory(points) {
    var box = el("history-plot");
    box.textContent = "";
    var pts = points.filter(function (p) { return p.gbps_median > 0 && p.created_ms; });
    if (!pts.length) { box.textContent = "No stored run has this case."; return; }
    var W = 860, H = 300, L = 56, R = 220, T = 14, B = 36;
    var t0 = Math.min.apply(null, pts.map(function (p) { return p.created_ms; })), t1 = Math.max.apply(null, pts.map(function (p) { return p.created_ms; }));
    if (t1 <= t0) { t0 -= 60000; t1 += 60000; }
    var ymax = Math.max.apply(null, pts.map(function (p) { return p.gbps_median; })) * 1.15;
    function px(t) { return L + (t - t0) / (t1 - t0) * (W - L - R); }
    function py(y) { return H - B - y / ymax * (H - T - B); }
    var s = svg("svg", { id: "history-svg", width: W, height: H, viewBox: "0 0 " + W + " " + H, "font-size": "10" });
    for (var k = 0; k <= 4; k++) {
      var yv = ymax * k / 4;
      s.appendChild(svg("line", { x1: L, y1: py(yv), x2: W - R, y2: py(yv), stroke: "#ddd" }));
      s.appendChild(svg("text", { x: L - 4, y: py(yv) + 3, "text-anchor": "end" }, String(Number(yv.toPrecision(3)))));
    }
    [t0, (t0 + t1) / 2, t1].forEach(function (t) { s.appendChild(svg("text", { x: px(t), y: H - B + 13, "text-anchor": "middle" }, utc(t).slice(0, 16))); });
    s.appendChild(svg("text", { x: 12, y: (T + H - B) / 2, transform: "rotate(-90 12 " + (T + H - B) / 2 + ")", "text-anchor": "middle" }, "GB/s, median"));
    var groups = {}, order = [];
    pts.forEach(function (p) {
      var k = machineName(p.machine) + " " + deviceId(p.device);
      if (!groups[k]) { groups[k] = []; order.push(k); }
      groups[k].push(p);
    });
    order.forEach(function (k, i) {
      var color = PALETTE[i % PALETTE.length], g = groups[k];
      s.appendChild(svg("polyline", { "class": "history-line", "data-series": k, fill: "none", stroke: color, "stroke-width": 1.5,
        points: g.map(function (p) { return px(p.created_ms).toFixed(1) + "," + py(p.gbps_median).toFixed(1); }).join(" ") }));
      g.forEach(function (p) {
        var v = p.verdict || "first", x = px(p.created_ms), y = py(p.gbps_median);
        var c = svg("circle", { "class": "point", "data-run": p.run, "data-verdict": v, cx: x, cy: y, r: 3.5, fill: color });
        c.appendChild(svg("title", {}, k + " " + utc(p.created_ms) + " run " + p.run + ": " + p.gbps_median.toPrecision(4) + " GB/s" +
                                       (p.verdict ? ", " + p.verdict + (p.ratio ? " (" + p.ratio.toFixed(3) + "x time)" : "") : "")));
        s.appendChild(c);
        if (p.verdict === "SLOWER" || p.verdict === "FASTER") {
          var slow = p.verdict === "SLOWER", d = slow ? 1 : -1;
          var m = svg("path", { "class": slow ? "regression" : "improvement", "data-run": p.run, fill: VERDICT_COLOR[p.verdict],
            d: "M" + (x - 6) + "," + (y - d * 16) + " L" + (x + 6) + "," + (y - d * 16) + " L" + x + "," + (y - d * 6) + " Z" });
          m.appendChild(svg("title", {}, p.verdict + " than the run before: " + (p.ratio ? p.ratio.toFixed(3) + "x time" : "")));
          s.appendChild(m);
        }
      });
      s.appendChild(svg("line", { x1: W - R + 10, y1: T + 8 + i * 16, x2: W - R + 34, y2: T + 8 + i * 16, stroke: color, "stroke-width": 2 }));
      s.appendChild(svg("text", { x: W - R + 40, y: T + 12 + i * 16 }, k));
    });
    var ly = T + 12 + order.length * 16 + 8;
    s.appendChild(svg("path", { fill: VERDICT_COLOR.SLOWER, d: "M" + (W - R + 16) + "," + (ly - 8) + " l12,0 l-6,10 Z" }));
    s.appendChild(svg("text", { x: W - R + 40, y: ly }, "SLOWER than the run before"));
    s.appendChild(svg("path", { fill: VERDICT_COLOR.FASTER, d: "M" + (W - R + 16) + "," + (ly + 14) + " l12,0 l-6,-10 Z" }));
    s.appendChild(svg("text", { x: W - R + 40, y: ly + 14 }, "FASTER than the run before"));
    box.appendChild(s);
  }

  function historyTable(points) {
    var t = el("history-table");
    t.textContent = "";
    var head = tag("tr");
    ["created (UTC)", "run", "machine", "device", "version", "median µs", "spread %", "GB/s", "% of copy", "time ratio", "verdict"]
      .forEach(function (h) { head.appendChild(tag("th", h)); });
    t.appendChild(head);
    points.forEach(function (p) {
      var tr = tag("tr", null, { "data-verdict": p.verdict || "first" });
      [utc(p.created_ms), p.run, machineName(p.machine), deviceId(p.device), p.clrelu_version || "-", fmt(p.median_ns / 1e3, 2),
       fmt(p.spread * 100, 1), fmt(p.gbps_median, 3), fmt(p.pct_of_copy, 1), p.ratio ? p.ratio.toFixed(3) + "x" : "-", p.verdict || "-"]
        .forEach(function (x) { tr.appendChild(tag("td", x)); });
      if (p.verdict === "SLOWER") tr.style.color = VERDICT_COLOR.SLOWER;
      t.appendChild(tr);
    });
  }

  function showHistory() {
    var q = { op: el("history-op").value, dtype: el("history-dtype").value, elements: el("history-elements").value,
              device: el("history-device").value, machine: el("history-machine").value,
              direction: el("history-direction").value, placement: el("history-placement").value };
    var st = el("history-status");
    st.setAttribute("data-status", "loading");
    st.textContent = "loading…";
    return getJSON("/v1/results/history" + query(q)).then(function (d) {
      var pts = d.points || [], slower = pts.filter(function (p) { return p.verdict === "SLOWER"; }).length;
      st.setAttribute("data-status", "done");
      st.setAttribute("data-slower", String(slower));
      st.textContent = pts.length + " point(s), " + slower + " SLOWER than the run before";
      drawHistory(pts);
      historyTable(pts);
    }).catch(function (e) { st.setAttribute("data-status", "error"); st.textContent = String(e.message || e); });
  }

  /* ---- start ------------------------------------------------------------------------------------- */
  /* ?results_compare=ID,ID&results_op=relu&results_dtype=float32&results_direction=…&results_placement=…
   * compares those runs; ?history_op=relu&history_dtype=float32&history_elements=N[&history_device=…]
   * [&history_machine=…] shows that case's history. */
  function start() {
    var root = el("results");
    if (!root) return;
    build(root);
    var q = new URLSearchParams(location.search);
    ["op", "dtype", "direction", "placement"].forEach(function (k) { if (q.has("results_" + k)) el("results-" + k).value = q.get("results_" + k); });
    ["op", "dtype", "elements", "device", "machine", "direction", "placement"].forEach(function (k) {
      if (q.has("history_" + k)) el("history-" + k).value = q.get("history_" + k);
    });
    var ids = (q.get("results_compare") || "").split(",").filter(function (x) { return x; });
    ids.forEach(function (id) { state.selected[id] = true; });
    listRuns().then(function () {
      var jobs = [];
      if (ids.length) jobs.push(compareIds(ids));
      if (q.has("history_op")) jobs.push(showHistory());
      return Promise.all(jobs);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
