#!/usr/bin/env python3
"""run.py: runs one test program with Oclgrind registered as an extra OpenCL platform and fails it
on any Oclgrind diagnostic in its stderr (Oclgrind's exit code never says), or when the program
never names the Oclgrind device in its output (nothing ran there).

Usage: run.py --vendors DIR [--allow REGEX]... [--expect REGEX]... [--timeout S] PROGRAM [ARGS...]

  --vendors DIR   an OpenCL vendors directory holding oclgrind.icd (and the system's ICDs);
                  it becomes OCL_ICD_VENDORS, so /etc/OpenCL/vendors is never touched
  --allow REGEX   a diagnostic the program provokes on purpose (e.g. importing a garbage binary):
                  printed, counted, not a failure
  --expect REGEX  the runner's own check: pass only if a diagnostic matching REGEX was found
                  (tests/oclgrind/bad_kernels.c's run proves these patterns match this Oclgrind)

The program runs with OCLGRIND_CHECK_API=1 (API misuse), OCLGRIND_DATA_RACES=1, CLRELU_AUTO_HOST=0
(every call reaches the device) and CLRELU_TEST_QUICK=1 (the device tests' reduced sizes: every
op, dtype, direction and placement, with tails and chunk boundaries, at sizes Oclgrind simulates
in minutes). The Uninitialized plugin stays off: Oclgrind 21.10 aborts on LLVM's freeze
instruction there ("Unsupported instruction: freeze"). Otherwise the program's exit code is
passed through (77: skipped)."""
import argparse
import os
import re
import shutil
import subprocess
import sys

# Oclgrind 21.10's diagnostics, each starting a line of stderr:
#  - API checks (runtime.cpp notifyAPIError, with OCLGRIND_CHECK_API=1);
#  - fatal errors: an unsupported instruction or intrinsic, failures creating a kernel;
#  - the Logger's own lines, e.g. "Oclgrind: 1000 errors generated - suppressing further errors".
LINE_DIAGNOSTICS = (
    re.compile(r"^Oclgrind - OpenCL runtime error detected"),
    re.compile(r"^OCLGRIND FATAL ERROR"),
    re.compile(r"^Oclgrind: "),
)
# Every kernel diagnostic (Context::Message: invalid reads and writes, data races, work-group
# divergence, uninitialized values, static array bounds, arithmetic exceptions, fatal errors while
# running a kernel) is a headline followed by an indented "Kernel: <name>" line; the headline is
# the diagnostic.
KERNEL_LINE = re.compile(r"^\tKernel: +(\S+)")
# Headlines known by name, so that one is still caught if the Kernel line ever changes.
HEADLINES = re.compile(
    r"^(Invalid (read|write)|(Read-write|Write-write) data race|Work-group divergence detected|"
    r"Uninitiali[sz]ed (value|address)|Undefined behaviour|Index \(.*\) exceeds static array size)"
)
OCLGRIND_DEVICE = re.compile(r"Oclgrind", re.IGNORECASE)


def diagnostics(stderr):
    """The Oclgrind diagnostics in stderr, as (headline, kernel or None), in order. A block is a
    line that is not indented, up to two more such lines (a fatal error's message), then the
    indented lines that follow (Kernel, Entity, location; an API error's Function and Error)."""
    found = []
    lines = stderr.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.startswith("\t"):
            i += 1
            continue
        j = i + 1
        more = []
        while j < len(lines) and j <= i + 2 and lines[j].strip() and not lines[j].startswith("\t"):
            more.append(lines[j].strip())
            j += 1
        indented = []
        while j < len(lines) and lines[j].startswith("\t"):
            indented.append(lines[j].strip())
            j += 1
        kernel = next((m.group(1) for m in map(KERNEL_LINE.match, ["\t" + x for x in indented]) if m), None)
        if kernel:
            found.append((" ".join([line.strip()] + more), kernel))
        elif any(p.match(line) for p in LINE_DIAGNOSTICS) or HEADLINES.match(line):
            detail = re.sub(r"\s+", " ", " ".join(indented)).strip()[:300]
            found.append((line.strip() + (": " + detail if detail else ""), None))
        else:
            i += 1  # an ordinary line of the program's: look again from the next one
            continue
        i = j
    return found


def summarize(found):
    """Distinct diagnostics with counts, addresses folded so repeats group together."""
    counts = {}
    for headline, kernel in found:
        key = (re.sub(r"0x[0-9a-fA-F]+", "0x...", headline), kernel)
        counts[key] = counts.get(key, 0) + 1
    return [f"  {n} x {h}" + (f" (kernel {k})" if k else "") for (h, k), n in counts.items()]


def oclgrind_registered(vendors, env):
    """None when clinfo lists the Oclgrind platform under this vendors directory, else why not."""
    icd = os.path.join(vendors, "oclgrind.icd")
    if not os.path.isfile(icd):
        return f"{icd} does not exist (is oclgrind installed? scripts/install-deps.sh --test)"
    with open(icd, encoding="utf-8") as f:
        lib = f.read().strip()
    if not os.path.isfile(lib):
        return f"{icd} names {lib}, which does not exist (is oclgrind installed?)"
    clinfo = shutil.which("clinfo")
    if not clinfo:
        return None  # the program's own output is still checked below
    out = subprocess.run([clinfo, "-l"], env=env, capture_output=True, text=True, check=False).stdout
    if not OCLGRIND_DEVICE.search(out):
        return f"clinfo -l with OCL_ICD_VENDORS={vendors} lists no Oclgrind platform:\n{out}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vendors", required=True)
    ap.add_argument("--allow", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=None)
    ap.add_argument("program", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if not args.program:
        ap.error("no program to run")
    name = os.path.basename(args.program[0])

    env = dict(os.environ)
    env.update(
        {
            "OCL_ICD_VENDORS": os.path.abspath(args.vendors),
            "OCLGRIND_CHECK_API": "1",
            "OCLGRIND_DATA_RACES": "1",
            "CLRELU_AUTO_HOST": "0",
            "CLRELU_TEST_QUICK": "1",
        }
    )
    env.pop("OCL_ICD_FILENAMES", None)  # only the vendors directory decides the platforms
    env.pop("OCLGRIND_UNINITIALIZED", None)
    env.pop("OCLGRIND_LOG", None)  # diagnostics must reach stderr, where they are read

    why = oclgrind_registered(args.vendors, env)
    if why:
        print(f"run.py: {name}: Oclgrind is not registered: {why}", file=sys.stderr)
        return 1

    proc = subprocess.Popen(args.program, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace")
    timed_out = False
    try:
        out, err = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    if timed_out:
        print(f"run.py: {name} ran past {args.timeout:g} s and was killed", file=sys.stderr)
        return 1

    found = diagnostics(err)
    allowed = [d for d in found if any(re.search(a, d[0]) for a in args.allow)]
    found = [d for d in found if d not in allowed]
    if allowed:
        print(f"run.py: {name}: {len(allowed)} diagnostic(s) provoked on purpose (--allow):", file=sys.stderr)
        print("\n".join(summarize(allowed)), file=sys.stderr)
    if args.expect:
        missing = [e for e in args.expect if not any(re.search(e, h) for h, _ in found)]
        print(f"run.py: {name}: {len(found)} Oclgrind diagnostic(s) found", file=sys.stderr)
        print("\n".join(summarize(found)), file=sys.stderr)
        if missing:
            print(f"run.py: {name}: expected diagnostics not recognised: {missing}", file=sys.stderr)
            return 1
        return 0
    if found:
        print(f"run.py: FAIL {name}: {len(found)} Oclgrind diagnostic(s):", file=sys.stderr)
        print("\n".join(summarize(found)), file=sys.stderr)
        return 1
    if proc.returncode < 0:
        print(f"run.py: {name} was killed by signal {-proc.returncode}", file=sys.stderr)
        return 1
    if proc.returncode == 0 and not OCLGRIND_DEVICE.search(out):
        print(f"run.py: FAIL {name}: its output never names the Oclgrind device, so nothing ran there "
              "(each device test prints the devices it tests)", file=sys.stderr)
        return 1
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
