#!/usr/bin/python3
"""ONNX conformance suite: compiles and runs every test of the ONNX backend
test data for one target and writes docs/conformance/<target>.md.

    run_conformance.py --whittle build/bin/whittle --target x86-avx512
                       [--groups node,pytorch-converted,pytorch-operator,simple]
                       [--filter SUBSTRING] [--jobs N] [--out FILE] [--dynamic]

The fast subset that `make check` runs (every operator that passes in the
committed report, at least once):

    run_conformance.py --write-subset test/conformance/subset.txt
                       --from-report docs/conformance/x86-avx512.md
    run_conformance.py --whittle build/bin/whittle --tests test/conformance/subset.txt

Each test is one of: pass, wrong numbers, compile error (with the error's
first line), unsupported (an operator or type without code generation yet).
Dynamic graph inputs are pinned to the shapes of the test's input_N.pb.
With --dynamic, every dim of every graph input is made dynamic instead
(`--input-shape name=?x?x..`, the rank of the test's input): the model is
compiled as shape-polymorphic code and runs on the test data's sizes; the
report goes to docs/conformance/<target>-dynamic.md.
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
DYNAMIC = False  # --dynamic: every input dim dynamic
COMPILE_TIMEOUT = 300  # seconds
OPT_FLAGS = []  # --opt-level: ["-O<n>"]
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
        elif DYNAMIC:
            dims = "x".join("?" for _ in t.dims)
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
                            "--target", target, "-o", so] + OPT_FLAGS + flags,
                           capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return name, "compile error", f"timeout after {COMPILE_TIMEOUT} s"
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


def op_types(test_dir):
    """The operators of a test model, subgraphs included, as domain::type."""
    model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    ops = set()

    def walk(graph):
        for n in graph.node:
            ops.add(f"{n.domain or 'ai.onnx'}::{n.op_type}")
            for a in n.attribute:
                if a.g is not None and a.g.node:
                    walk(a.g)
                for g in a.graphs:
                    walk(g)
    walk(model.graph)
    return ops


def write_subset(report, out):
    """Greedy cover: the fewest passing tests that use every operator any
    passing test uses; ties go to the smaller model."""
    passing, group = [], None
    for line in open(report):
        if line.startswith("## "):
            group = line[3:].strip()
        elif group and line.startswith("| test_") and "| pass |" in line:
            passing.append((group, line.split("|")[1].strip()))
    cover = {t: op_types(os.path.join(DATA, *t)) for t in passing}
    size = {t: os.path.getsize(os.path.join(DATA, *t, "model.onnx")) for t in passing}
    need = set().union(*cover.values()) if cover else set()
    chosen = []
    while need:
        best = max(sorted(cover), key=lambda t: (len(cover[t] & need), -size[t]))
        chosen.append(best)
        need -= cover[best]
    with open(out, "w") as f:
        f.write(f"# Generated from {os.path.basename(report)} by run_conformance.py --write-subset:\n"
                f"# {len(chosen)} passing tests that together use every operator that passes.\n")
        for g, t in sorted(chosen):
            f.write(f"{g}/{t}\n")
    ops = set().union(*(cover[t] for t in chosen)) if chosen else set()
    print(f"wrote {out}: {len(chosen)} tests covering {len(ops)} operators")


def run_listed(args):
    """Runs the tests listed in a file; every one must pass."""
    names = [l.strip() for l in open(args.tests) if l.strip() and not l.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(
                lambda n: run_test(args.whittle, args.target, os.path.join(DATA, n), tmp), names))
    failed = [(n, k, m) for n, k, m in results if k != "pass"]
    for name, kind, msg in failed:
        print(f"FAIL {name}: {kind}: {msg}")
    print(f"conformance subset ({args.target}): {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--whittle", default="")
    ap.add_argument("--target", default="host")
    ap.add_argument("--groups", default=",".join(GROUPS))
    ap.add_argument("--filter", default="")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--out", default="")
    ap.add_argument("--tests", default="", help="run only the tests listed in this file")
    ap.add_argument("--write-subset", default="", help="write the fast subset here")
    ap.add_argument("--from-report", default="", help="report the subset is chosen from")
    ap.add_argument("--compile-timeout", type=int, default=300, help="seconds per compile")
    ap.add_argument("--opt-level", default="", choices=["", "0", "1", "2", "3"],
                    help="compile at -O<n> (default: the compiler's, -O2)")
    ap.add_argument("--dynamic", action="store_true",
                    help="compile every graph input with all dims dynamic")
    args = ap.parse_args()
    global DYNAMIC, COMPILE_TIMEOUT, OPT_FLAGS
    DYNAMIC = args.dynamic
    OPT_FLAGS = [f"-O{args.opt_level}"] if args.opt_level else []
    COMPILE_TIMEOUT = args.compile_timeout
    if args.write_subset:
        write_subset(args.from_report, args.write_subset)
        return 0
    if not args.whittle:
        ap.error("--whittle is required")
    if args.tests:
        return run_listed(args)

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for group in args.groups.split(","):
            tests = sorted(os.path.join(DATA, group, d) for d in os.listdir(os.path.join(DATA, group))
                           if args.filter in d and os.path.exists(os.path.join(DATA, group, d, "model.onnx")))
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                results[group] = list(pool.map(lambda t: run_test(args.whittle, args.target, t, tmp), tests))

    how = ("" if not args.dynamic else
           " Every graph input is compiled with all its dims dynamic (`--input-shape "
           "name=?x?x..`): shape-polymorphic code, run on the test data's sizes.")
    lines = [f"# Conformance: {args.target}" + (" (every input dim dynamic)" if args.dynamic else ""), "",
             f"Generated by `make conformance{'-dynamic' if args.dynamic else ''} TARGET={args.target}` on {datetime.date.today()} "
             f"(`test/conformance/run_conformance.py`): every test of the ONNX backend test data "
             f"in `{DATA}`, compiled with `whittle compile --target {args.target}` and run with "
             f"`whittle run` on each `test_data_set_*` (rtol 1e-3, atol 1e-4).{how}", "",
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
                                   f"{args.target}{'-dynamic' if args.dynamic else ''}.md")
    with open(out, "w") as f:
        f.write(text)
    for l in lines[6:6 + len(results)]:
        print(l)
    print(f"wrote {os.path.normpath(out)}")


if __name__ == "__main__":
    sys.exit(main())
