#!/usr/bin/env python3
"""test_number_casts.py: no raw conversion of a client's JSON number to an integer type under
server/ — every size, count or index goes through json_to_u64/json_to_size (server/codec/json_int.c),
which range-checks the double before converting (issue 15, item 11: `(size_t)jbs->valuedouble` with
4e64 is undefined behaviour, found by UBSan in the v2_infer fuzzer). cJSON's valueint is refused too:
it saturates and truncates silently (2.5 reads as 2, 1e30 as INT_MAX)."""
import os
import re
import sys

from server_harness import Checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELPER = "server/codec/json_int.c"  # the one file allowed to convert valuedouble to an integer

INT_TYPE = r"(?:(?:unsigned|signed|long|short|int|char)\s*)+|u?int(?:8|16|32|64|max|ptr)_t|s?size_t|ptrdiff_t|off_t"
# An explicit cast applied to an expression ending in ->valuedouble: (size_t)jbs->valuedouble,
# (double)(uint64_t)it->valuedouble, (unsigned)(count->valuedouble).
CAST = re.compile(r"\(\s*(?:const\s+)?(?:" + INT_TYPE + r")\s*\)\s*\(?\s*[A-Za-z_][\w.\[\]]*(?:->|\.)valuedouble\b")
# An implicit conversion in a declaration: size_t n = v->valuedouble;
DECL = re.compile(r"\b(?:" + INT_TYPE + r")\s+\**\s*\w+\s*=\s*\(?\s*[A-Za-z_][\w.\[\]]*(?:->|\.)valuedouble\s*[;,)]")
VALUEINT = re.compile(r"(?:->|\.)valueint\b")

# The patterns proven on the lines that were in the tree before issue 15, and on lines they must let pass.
MUST_MATCH = [
    "if (!cJSON_IsNumber(jbs) || jbs->valuedouble < 0 || (size_t)jbs->valuedouble != bytes) {",
    "count->valuedouble != (double)(unsigned)count->valuedouble) {",
    "it->valuedouble == (double)(uint64_t)it->valuedouble;",
    "(integer && v->valuedouble != (double)(long long)v->valuedouble)) {",
    "(unsigned long long)it->valuedouble);",
    "x = (int) ( d->valuedouble);",
    "size_t n = v->valuedouble;",
    "int k = cJSON_GetArrayItem(a, 0)->valueint;",
]
MUST_PASS = [
    "*out = v->valuedouble;",
    "double v = cJSON_IsNumber(d) ? d->valuedouble : -1;",
    "return cJSON_IsNumber(v) ? v->valuedouble : 0.0;",
    "cJSON_AddNumberToObject(o, \"pending\", (double)n);",
    "size_t announced;",
]


def bad(line):
    return CAST.search(line) or DECL.search(line) or VALUEINT.search(line)


def test_patterns(c):
    for line in MUST_MATCH:
        c.check(bad(line), "the rule misses a raw conversion: " + line)
    for line in MUST_PASS:
        c.check(not bad(line), "the rule flags a harmless line: " + line)


def test_server_tree(c):
    scanned = 0
    for d, dirs, files in os.walk(os.path.join(ROOT, "server")):
        dirs.sort()
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(d, f), ROOT).replace(os.sep, "/")
            scanned += 1
            if rel == HELPER:
                continue
            with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as fh:
                for no, line in enumerate(fh, 1):
                    c.check(not bad(line), f"{rel}:{no}: a client number converted without json_to_u64/"
                                           f"json_to_size ({HELPER}): {line.strip()}")
    c.check(scanned > 20, f"scanned {scanned} files under server/")
    c.check(os.path.isfile(os.path.join(ROOT, HELPER)), HELPER + " exists")


if __name__ == "__main__":
    c = Checks()
    c.run(test_patterns)
    c.run(test_server_tree)
    c.finish()
