#!/usr/bin/env python3
"""test_layering.py: the include graph keeps the architecture — every #include "..." of include/,
backend/, server/, cli/ and bench/ goes down the layers of RULES, no file outside a backend names
that backend's headers (the registry alone does), and the folders' include graph has no cycle."""
import collections
import os
import re
import sys

from server_harness import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---- the architecture, bottom to top ------------------------------------------------------------
# unit (a folder with its subfolders) -> what its files may include besides their own unit: other
# units, or single files named by path. tests/ and fuzz/ are white-box and not checked.
RULES = {
    "include":        [],                                  # the public API
    "backend/core":   ["include"],                         # context, dispatch, ops, backend.h
    "backend/host":   ["include", "backend/core"],         # backends implement core/backend.h
    "backend/opencl": ["include", "backend/core", "backend/tune"],  # + the tune cache file
    "backend/npy":    ["include", "backend/core"],
    "backend/tune":   ["include", "backend/core"],         # cache file and public tuning API
    "backend/bench":  ["include", "backend/core"],         # engines: core and the public API
    "backend/model":  ["include", "backend/core"],
    "backend/results": ["include", "backend/core"],       # the results store (libclrelu_results): errors
    "server":         ["include"],                         # the public API only
    "cli":            ["include", "server/serve.h"],       # the public API and the server's entry
    "bench":          ["include",                          # benchmark programs: the public API,
                       "server/codec/json_numbers.h"],     # + the number codec bench/service measures
}
BACKENDS = ["backend/host", "backend/opencl"]
REGISTRY = "backend/core/registry.c"  # the one table of backends: the only file naming their headers
GENERATED = {"clrelu_version.h": "include"}  # written into the build tree by CMakeLists.txt
# ---------------------------------------------------------------------------------------------------

SCANNED = ["include", "backend", "server", "cli", "bench"]
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def unit_of(rel):
    """The RULES unit holding a path (the longest matching folder), or None."""
    best = None
    for unit in RULES:
        if rel.startswith(unit + "/") and (best is None or len(unit) > len(best)):
            best = unit
    return best


def sources():
    """Repository-relative paths of every .c/.h file under the scanned folders."""
    out = []
    for top in SCANNED:
        for d, dirs, files in os.walk(os.path.join(ROOT, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), ROOT).replace(os.sep, "/"))
    return out


def resolve(rel, name):
    """The file an #include "name" of rel reads, as a compiler with our include paths would find it:
    next to rel, then under its top folder, include/, backend/, server/, the root, cli/. None if absent."""
    top = rel.split("/")[0]
    for base in [os.path.dirname(rel), top, "include", "backend", "server", "", "cli"]:
        cand = os.path.normpath(os.path.join(base, name)).replace(os.sep, "/")
        if not cand.startswith("..") and os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def includes():
    """(file, line number, included name, resolved path or None) for every quoted include."""
    out = []
    for rel in sources():
        with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
            for no, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m:
                    out.append((rel, no, m.group(1), resolve(rel, m.group(1))))
    return out


def allowed(unit, target):
    """Whether a file of unit may include target (a repository path)."""
    return any(target == a or target.startswith(a + "/") for a in [unit] + RULES[unit])


def may(unit):
    """What a unit may include, in words, for a failure message."""
    return f"{unit}/ may include only " + ", ".join([unit] + RULES[unit])


def check_edges(c, edges):
    """Layers and backend isolation; returns the folder graph {unit: {unit: example 'file:line'}}."""
    graph = collections.defaultdict(dict)
    for rel, no, name, target in edges:
        where = f"{rel}:{no} includes \"{name}\""
        src = unit_of(rel)
        c.check(src is not None, f"{where}: {rel} lies in no unit of RULES (add its folder to the table)")
        if target is None:
            if name in GENERATED:
                dst = GENERATED[name]
                c.check(src is None or allowed(src, dst), f"{where} (generated, part of {dst}/): {may(src)}")
            else:
                c.check(False, f"{where}: no such file in the tree (the check cannot place it)")
            continue
        dst = unit_of(target)
        if src is None or dst is None or dst == src:
            continue
        if dst in BACKENDS and rel != REGISTRY:
            c.check(False, f"{where} = {target}: only {REGISTRY} names a backend's headers")
        elif dst in BACKENDS:
            continue  # the registry meets the backends by design: not an edge of the folder graph
        else:
            c.check(allowed(src, target), f"{where} = {target}: {may(src)}")
        graph[src].setdefault(dst, f"{rel}:{no}")
    return graph


def cycles(graph):
    """Strongly connected components of more than one unit (Tarjan), each as a list of units."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def cycle_path(graph, comp):
    """One closed walk through a component, starting at its first unit: [a, b, ..., a]."""
    members = set(comp)
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:  # breadth-first back to start inside the component
        v = queue.pop(0)
        for w in sorted(graph.get(v, {})):
            if w not in members:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp + [start]


def check_cycles(c, graph):
    for comp in cycles(graph):
        path = cycle_path(graph, comp)
        steps = "; ".join(f"{a} -> {b} ({graph[a][b]})" for a, b in zip(path, path[1:]))
        c.check(False, f"include cycle {' -> '.join(path)}: {steps}")


def main():
    c = Checks()
    edges = includes()
    c.check(len(edges) > 50, f"found the includes ({len(edges)} under {', '.join(SCANNED)})")
    c.check(all(u in RULES for units in RULES.values() for u in units if "." not in u.split("/")[-1]),
            "RULES names only units of its own table")
    graph = check_edges(c, edges)
    check_cycles(c, graph)
    c.finish()


if __name__ == "__main__":
    main()
