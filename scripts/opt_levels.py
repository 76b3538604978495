#!/usr/bin/python3
"""-O0 vs -O2: what the graph optimizer buys, per model.

    scripts/opt_levels.py [--whittle build/bin/whittle] [--models DIR] [--iters N]
                          [--rounds R] [--only a,b] [--out FILE.md]

For every case in ../shared/bench/cases (inputs pinned to the test data's
dims) and every model gen_models.py wrote into --models (resnet50,
mobilenetv2, bert_base, mlp; skipped when absent), it compiles the model at
-O0 and -O2 for the host, checks both against the reference outputs
(ONNX Runtime's for the cases, -O0's for the generated models), and times
both alternately, R rounds of `whittle bench --threads 1` with N
iterations or enough for about a second, whichever is more. It
prints a markdown table of medians (the median of the rounds' medians) and
the -O2/-O0 ratio. Speed claims are ratios from one run: the machine is
shared and noisy.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "..", "shared", "bench", "cases")
# Cases whose reference needs f64 accumulation to match at the default
# tolerances (test/e2e/bench-cases.test).
EXTRA_FLAGS = {"yolox_nano": ["--accumulate=f64"]}


def graph_inputs(model_path):
    m = onnx.load(model_path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    return [i for i in m.graph.input if i.name not in inits]


def pin_flags(model_path, data_dir):
    """--input-shape for every input with a dynamic dim, from the test data."""
    flags = []
    for k, inp in enumerate(graph_inputs(model_path)):
        dims = inp.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            continue
        t = onnx.TensorProto()
        with open(os.path.join(data_dir, f"input_{k}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        if t.dims:
            flags.append(f"--input-shape={inp.name}=" + "x".join(str(d) for d in t.dims))
    return flags


def random_inputs(model_path, out_dir):
    """Deterministic inputs for a generated model: token ids for BERT."""
    rng = np.random.default_rng(7)
    os.makedirs(out_dir, exist_ok=True)
    for k, inp in enumerate(graph_inputs(model_path)):
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        et = inp.type.tensor_type.elem_type
        if et == onnx.TensorProto.INT64:
            if "mask" in inp.name:
                a = np.ones(shape, np.int64)
                a[..., shape[-1] * 3 // 4:] = 0
            elif "type" in inp.name:
                a = np.zeros(shape, np.int64)
                a[..., shape[-1] // 2:] = 1
            else:
                a = rng.integers(0, 1000, shape).astype(np.int64)
        else:
            a = rng.uniform(-1, 1, shape).astype(np.float32)
        with open(os.path.join(out_dir, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, inp.name).SerializeToString())


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def bench(whittle, so, iters):
    rc, out = run([whittle, "bench", so, "--threads", "1", "--iters", str(iters), "--warmup", "1"])
    m = re.search(r"median ([0-9.]+) ms", out)
    if rc != 0 or not m:
        raise RuntimeError(out)
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--whittle", default=os.path.join(ROOT, "build", "bin", "whittle"))
    ap.add_argument("--models", default="", help="folder of gen_models.py output")
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--out", default="", help="also write the table here")
    args = ap.parse_args()

    models = []  # (name, model path, data dir or None)
    for name in sorted(os.listdir(CASES)):
        models.append((name, os.path.join(CASES, name, "model.onnx"),
                       os.path.join(CASES, name, "test_data_set_0")))
    for name in ["mlp", "mobilenetv2", "resnet50", "bert_base"]:
        path = os.path.join(args.models, name + ".onnx") if args.models else ""
        if path and os.path.exists(path):
            models.append((name, path, None))
    if args.only:
        keep = set(args.only.split(","))
        models = [m for m in models if m[0] in keep]

    tmp = tempfile.mkdtemp(prefix="whittle-opt-levels-")
    rows = []
    for name, path, data in models:
        flags = EXTRA_FLAGS.get(name, [])
        if data:
            flags = flags + pin_flags(path, data)
        sos = {}
        ok = True
        for level in ["-O0", "-O2"]:
            so = os.path.join(tmp, f"{name}{level}.so")
            rc, out = run([args.whittle, "compile", path, level, "-o", so] + flags)
            if rc != 0:
                print(f"{name} {level}: compile failed\n{out}", file=sys.stderr)
                ok = False
                break
            sos[level] = so
        if not ok:
            rows.append((name, None, None, "compile error"))
            continue
        if data is None:
            data = os.path.join(tmp, name + "-data")
            random_inputs(path, data)
            rc, out = run([args.whittle, "run", sos["-O0"], "--input-dir", data, "--output-dir", data])
            if rc != 0:
                print(out, file=sys.stderr)
        checks = []
        for level in ["-O0", "-O2"]:
            rc, out = run([args.whittle, "run", sos[level], "--input-dir", data])
            checks.append("PASS" if rc == 0 else "FAIL")
            if rc != 0:
                print(f"{name} {level}:\n{out}", file=sys.stderr)
        # Enough iterations for about a second per measurement: a model
        # that runs in 40 us is all noise over 5 runs.
        iters = args.iters
        probe = bench(args.whittle, sos["-O0"], 3)
        iters = max(iters, min(2000, int(1000.0 / max(probe, 1e-3))))
        times = {"-O0": [], "-O2": []}
        for _ in range(args.rounds):
            for level in ["-O0", "-O2"]:
                times[level].append(bench(args.whittle, sos[level], iters))
        med = {k: float(np.median(v)) for k, v in times.items()}
        rows.append((name, med["-O0"], med["-O2"], "/".join(checks)))
        print(f"{name}: -O0 {med['-O0']:.2f} ms, -O2 {med['-O2']:.2f} ms, checks {checks}",
              file=sys.stderr)

    lines = ["| model | -O0 ms | -O2 ms | -O2/-O0 | outputs (-O0/-O2) |", "|---|---|---|---|---|"]
    for name, a, b, note in rows:
        if a is None:
            lines.append(f"| {name} | - | - | - | {note} |")
        else:
            lines.append(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f} | {note} |")
    ratios = [b / a for _, a, b, _ in rows if a]
    if ratios:
        lines.append(f"| geometric mean | | | {float(np.exp(np.mean(np.log(ratios)))):.2f} | |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
