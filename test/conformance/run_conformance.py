#!/usr/bin/python3
"""ONNX conformance suite: compiles and runs every test of the ONNX backend
test data for one target and writes docs/conformance/<target>.md.

    run_conformance.py --whittle build/bin/whittle --target x86-avx512
                       [--groups node,pytorch-converted,pytorch-operator,simple]
                       [--filter SUBSTRING] [--jobs N] [--out FILE]

Each test is one of: pass, wrong numbers, compile error (with the error's
first line), unsupported (an operator or type without code generation yet).
Dynamic graph inputs are pinned to the shapes of the test's input_N.pb.
"""
import argparse
import collections
import concurrent.futures
import datetime
import os
import re
import subprocess
import sys
import tempfile

import onnx

DATA = "/usr/share/libonnx-testdata/data"
GROUPS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
UNSUPPORTED = ("no code generation yet", "unsupported ONNX operators",
               "compiled models cannot take yet", "GRAPHS attributes")


def input_shapes(test_dir):
    """--input-shape flags from the first data set's inputs."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    flags = []
    if not sets:
        return flags, sets
    for k, name in enumerate(names):
        pb = os.path.join(test_dir, sets[0], f"input_{k}.pb")
        if not os.path.exists(pb):
            continue
        t = onnx.TensorProto()
        with open(pb, "rb") as f:
            t.ParseFromString(f.read())
        if not t.dims:
            dims = "scalar"
        else:
            dims = "x".join(str(d) for d in t.dims)
        flags += ["--input-shape", f"{name}={dims}"]
    return flags, sets


def first_error(text):
    for line in text.splitlines():
        if "error:" in line:
            msg = line.split("error:", 1)[1].strip()
            return re.sub(r"^\S*model\.onnx: (at '[^']*': )?", "", msg)[:150]
    lines = text.strip().splitlines()
    return (lines[-1] if lines else "no message")[:150]


def run_test(whittle, target, test_dir, tmp):
    try:
        return run_test_unguarded(whittle, target, test_dir, tmp)
    except OSError as e:  # the tool could not be started
        return os.path.basename(test_dir), "compile error", f"cannot run whittle: {e}"[:150]


def run_test_unguarded(whittle, target, test_dir, tmp):
    name = os.path.basename(test_dir)
    try:
        flags, sets = input_shapes(test_dir)
    except Exception as e:  # unreadable test model
        return name, "compile error", f"cannot read the test: {e}"[:150]
    so = os.path.join(tmp, name + ".so")
    try:
        p = subprocess.run([whittle, "compile", os.path.join(test_dir, "model.onnx"),
                            "--target", target, "-o", so] + flags,
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return name, "compile error", "timeout after 300 s"
    if p.returncode != 0:
        msg = first_error(p.stderr)
        kind = "unsupported" if any(u in p.stderr for u in UNSUPPORTED) else "compile error"
        if p.returncode < 0:
            kind, msg = "compile error", f"crashed (signal {-p.returncode})"
        return name, kind, msg
    for s in sets:
        try:
            r = subprocess.run([whittle, "run", so, "--input-dir", os.path.join(test_dir, s)],
                               capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return name, "wrong numbers", f"{s}: timeout"
        if r.returncode != 0:
            detail = [l for l in r.stdout.splitlines() if "outside tolerance" in l and not l.rstrip().endswith(" 0/0 outside tolerance")]
            msg = first_error(r.stderr) if r.stderr.strip() else (detail[0] if detail else "mismatch")
            os.remove(so)
            return name, "wrong numbers", f"{s}: {msg}"[:150]
    os.remove(so)
    return name, "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--whittle", required=True)
    ap.add_argument("--target", default="host")
    ap.add_argument("--groups", default=",".join(GROUPS))
    ap.add_argument("--filter", default="")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for group in args.groups.split(","):
            tests = sorted(os.path.join(DATA, group, d) for d in os.listdir(os.path.join(DATA, group))
                           if args.filter in d and os.path.exists(os.path.join(DATA, group, d, "model.onnx")))
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                results[group] = list(pool.map(lambda t: run_test(args.whittle, args.target, t, tmp), tests))

    lines = [f"# Conformance: {args.target}", "",
             f"Generated by `make conformance TARGET={args.target}` on {datetime.date.today()} "
             f"(`test/conformance/run_conformance.py`): every test of the ONNX backend test data "
             f"in `{DATA}`, compiled with `whittle compile --target {args.target}` and run with "
             f"`whittle run` on each `test_data_set_*` (rtol 1e-3, atol 1e-4).", "",
             "| group | tests | pass | wrong numbers | compile error | unsupported | pass rate |",
             "|---|---|---|---|---|---|---|"]
    for group, rs in results.items():
        c = collections.Counter(k for _, k, _ in rs)
        n = len(rs)
        lines.append(f"| {group} | {n} | {c['pass']} | {c['wrong numbers']} | {c['compile error']} | "
                     f"{c['unsupported']} | {100.0 * c['pass'] / max(n, 1):.1f}% |")
    for group, rs in results.items():
        lines += ["", f"## {group}", "", "| test | result | detail |", "|---|---|---|"]
        for name, kind, msg in rs:
            lines.append(f"| {name} | {kind} | {msg.replace('|', '/')} |")
    text = "\n".join(lines) + "\n"
    out = args.out or os.path.join(os.path.dirname(__file__), "..", "..", "docs", "conformance",
                                   f"{args.target}.md")
    with open(out, "w") as f:
        f.write(text)
    for l in lines[6:6 + len(results)]:
        print(l)
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    sys.exit(main())
