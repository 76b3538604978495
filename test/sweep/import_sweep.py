#!/usr/bin/python3
"""Import sweep: imports and verifies every ONNX model of the conformance data
and of ../shared/bench/cases, then prints `imported N/M` and the failures
grouped by reason.

    import_sweep.py --whittle build/bin/whittle [--min-rate 0.99] [DIR ...]

Exit status 1 when the success rate is under --min-rate or a model listed in
--must-pass fails.
"""
import argparse
import collections
import concurrent.futures
import os
import re
import subprocess
import sys

DEFAULT_DIRS = [
    "/usr/share/libonnx-testdata/data/node",
    "/usr/share/libonnx-testdata/data/pytorch-converted",
    "/usr/share/libonnx-testdata/data/pytorch-operator",
    "/usr/share/libonnx-testdata/data/simple",
]


def find_models(dirs):
    models = []
    for d in dirs:
        for root, _, files in os.walk(d):
            if "model.onnx" in files:
                models.append(os.path.join(root, "model.onnx"))
    return sorted(models)


def reason_of(stderr):
    """The first error line, with model-specific names replaced."""
    for line in stderr.splitlines():
        if ": error: " in line:
            msg = line.split(": error: ", 1)[1]
            msg = re.sub(r"^\S*model\.onnx: ", "", msg)
            msg = re.sub(r"at '[^']*': ", "", msg)
            msg = re.sub(r"node '[^']*'", "node", msg)
            msg = re.sub(r"'[^']*'", "'…'", msg)
            return msg[:160]
    tail = stderr.strip().splitlines()[-1:] or ["no message"]
    return "no error message (crash?): " + tail[0][:120]


def run_one(whittle, model, extra):
    cmd = [whittle, "import", model, "-o", os.devnull] + extra
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return model, False, "timeout after 300 s"
    if p.returncode == 0:
        return model, True, ""
    if p.returncode < 0:
        return model, False, f"crashed with signal {-p.returncode}"
    return model, False, reason_of(p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--whittle", required=True)
    ap.add_argument("--min-rate", type=float, default=0.99)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--must-pass", action="append", default=[],
                    help="directory whose models must all import")
    ap.add_argument("--legalize", action="store_true",
                    help="also run the onnx->whittle legalization")
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args()

    dirs = args.dirs or DEFAULT_DIRS
    models = find_models(dirs + args.must_pass)
    extra = ["--legalize"] if args.legalize else []
    failures = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for model, ok, reason in pool.map(
                lambda m: run_one(args.whittle, m, extra), models):
            if not ok:
                failures[model] = reason

    ok = len(models) - len(failures)
    print(f"imported {ok}/{len(models)}")
    groups = collections.defaultdict(list)
    for model, reason in failures.items():
        groups[reason].append(os.path.basename(os.path.dirname(model)))
    for reason, names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(names):4d}  {reason}")
        print("        " + ", ".join(sorted(names)[:12]) +
              (" ..." if len(names) > 12 else ""))

    status = 0
    if models and ok / len(models) < args.min_rate:
        print(f"FAIL: success rate {ok / len(models):.4f} < {args.min_rate}")
        status = 1
    for d in args.must_pass:
        bad = [m for m in failures if m.startswith(os.path.abspath(d)) or m.startswith(d)]
        if bad:
            print(f"FAIL: {len(bad)} model(s) under {d} must import")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
