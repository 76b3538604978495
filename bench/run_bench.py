#!/usr/bin/python3
"""Whittle against ONNX Runtime on this machine: `make bench`.

    bench/run_bench.py [--whittle build/bin/whittle] [--models a,b,..]
                       [--threads 1,2] [--iters N] [--rounds R] [--out FILE]

For every case in ../shared/bench/cases and the models gen_models.py makes
(resnet50, mobilenetv2, bert_base, mlp; generated into bench/results/tmp),
it compiles the model with Whittle for `host` (inputs pinned to the test
data's dims), checks its outputs against the reference once (for the
generated models: ONNX Runtime's outputs on the same inputs, ort_ref.js), and then, per
thread count, times Whittle (bin/whittle-exec, the C runtime alone) and
ONNX Runtime (onnxruntime-node through ../shared/bench/ort_bench.js)
alternately, R rounds each, on the same input bytes. It reports medians of
the rounds' medians, the Whittle/ORT ratio, Whittle's GFLOP/s for models
whose time is in conv and matmul, and the peak resident memory of each
process. onnxruntime-node is installed into bench/.ort on first use
(`npm install --ignore-scripts`). The table goes to stdout and to
bench/results/<date>-<cpu>.md.
"""
import argparse
import datetime
import json
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(ROOT, "..", "shared", "bench")
CASES = os.path.join(SHARED, "cases")
TMP = os.path.join(ROOT, "bench", "results", "tmp")
ORT_DIR = os.path.join(ROOT, "bench", ".ort")
GENERATED = ["mlp", "mobilenetv2", "resnet50", "bert_base"]
DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64",
          onnx.TensorProto.INT32: "int32", onnx.TensorProto.UINT8: "uint8",
          onnx.TensorProto.INT8: "int8", onnx.TensorProto.DOUBLE: "float64",
          onnx.TensorProto.BOOL: "bool"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def ensure_ort():
    mod = os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")
    if not os.path.isdir(mod):
        log("installing onnxruntime-node into bench/.ort ...")
        os.makedirs(ORT_DIR, exist_ok=True)
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--prefix", ORT_DIR, "onnxruntime-node"], check=True,
                       stdout=subprocess.DEVNULL)
    return mod


def graph_inputs(model):
    inits = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def case_inputs(name, path):
    """(input arrays in graph-input order) from the case's test data."""
    data = os.path.join(CASES, name, "test_data_set_0")
    arrays = []
    for k in range(len(graph_inputs(onnx.load(path, load_external_data=False)))):
        t = onnx.TensorProto()
        with open(os.path.join(data, f"input_{k}.pb"), "rb") as f:
            t.ParseFromString(f.read())
        arrays.append(numpy_helper.to_array(t))
    return arrays, data


def generated_inputs(model):
    rng = np.random.default_rng(7)
    arrays = []
    for inp in graph_inputs(model):
        shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
        if inp.type.tensor_type.elem_type == onnx.TensorProto.INT64:
            if "mask" in inp.name:
                a = np.ones(shape, np.int64)
            elif "type" in inp.name:
                a = np.zeros(shape, np.int64)
            else:
                a = rng.integers(0, 1000, shape).astype(np.int64)
        else:
            a = rng.uniform(-1, 1, shape).astype(np.float32)
        arrays.append(a)
    return arrays


def ort_reference(work, spec, env):
    """A test-data dir for `whittle run --input-dir`: the inputs (input_N.pb
    already in `work`) and ONNX Runtime's outputs on them (output_N.pb)."""
    ref = os.path.join(work, "ort_ref")
    os.makedirs(ref, exist_ok=True)
    listed = {"inputs": [dict(name=n, dtype=d["dtype"], dims=d["dims"], file=os.path.join(work, d["file"]))
                         for n, d in spec["inputs"].items()]}
    with open(os.path.join(ref, "spec.json"), "w") as f:
        json.dump(listed, f)
    rc, out, _ = run_measured(["node", os.path.join(SHARED, "ort_ref.js"), os.path.join(work, "model.onnx"),
                               os.path.join(ref, "spec.json"), ref], env=env)
    if rc != 0:
        log(f"ONNX Runtime reference failed: {out.strip()[:300]}")
        return None
    with open(os.path.join(ref, "outputs.json")) as f:
        outs = json.load(f)["outputs"]
    for k, o in enumerate(outs):
        a = np.fromfile(os.path.join(ref, o["file"]), dtype=o["dtype"]).reshape(o["dims"])
        with open(os.path.join(ref, f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, o["name"]).SerializeToString())
    for k in range(len(spec["inputs"])):
        shutil.copy(os.path.join(work, f"input_{k}.pb"), ref)
    return ref


def flops(model, arrays):
    """Multiply-adds x 2 of Conv, ConvTranspose, MatMul and Gemm."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for inp, a in zip(graph_inputs(m), arrays):
        dims = inp.type.tensor_type.shape.dim
        for d, v in zip(dims, a.shape):
            d.ClearField("dim_param")
            d.dim_value = int(v)
    try:
        m = shape_inference.infer_shapes(m)
    except Exception:
        return 0
    shapes = {}
    for vi in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for init in m.graph.initializer:
        shapes[init.name] = list(init.dims)
    total = 0
    for n in m.graph.node:
        try:
            if n.op_type == "Conv":
                w, y = shapes[n.input[1]], shapes[n.output[0]]
                total += 2 * int(np.prod(y)) * int(np.prod(w[1:]))
            elif n.op_type == "ConvTranspose":
                x, w = shapes[n.input[0]], shapes[n.input[1]]
                total += 2 * int(np.prod(x)) * int(np.prod(w[1:]))
            elif n.op_type in ("MatMul", "Gemm"):
                a, y = shapes[n.input[0]], shapes[n.output[0]]
                k = a[-1] if not (n.op_type == "Gemm" and any(
                    at.name == "transA" and at.i for at in n.attribute)) else a[-2]
                total += 2 * int(np.prod(y)) * int(k)
        except (KeyError, IndexError, ValueError):
            pass
    return total


def run_measured(cmd, env=None):
    """(returncode, output, peak RSS in MB) of one process. /usr/bin/time
    measures it: the rusage of a child forked straight from this (large)
    Python process would count the parent's pages mapped before exec."""
    p = subprocess.run(["/usr/bin/time", "-f", "BENCH_MAXRSS_KB %M"] + cmd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, env=env)
    m = re.search(r"^BENCH_MAXRSS_KB (\d+)", p.stdout, re.M)
    out = re.sub(r"^BENCH_MAXRSS_KB \d+\n?", "", p.stdout, flags=re.M)
    return p.returncode, out, (int(m.group(1)) / 1024.0 if m else float("nan"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--whittle", default=os.path.join(ROOT, "build", "bin", "whittle"))
    ap.add_argument("--models", default="", help="comma-separated subset")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    exe = os.path.join(os.path.dirname(os.path.abspath(args.whittle)), "whittle-exec")
    ort_mod = ensure_ort()
    env = dict(os.environ, ORT_NODE=ort_mod)
    os.makedirs(TMP, exist_ok=True)

    gen_dir = os.path.join(TMP, "models")
    if not all(os.path.exists(os.path.join(gen_dir, g + ".onnx")) for g in GENERATED):
        log("generating the standard models ...")
        subprocess.run([sys.executable, os.path.join(SHARED, "gen_models.py"), "--out", gen_dir],
                       check=True, stdout=subprocess.DEVNULL)
    models = [(n, os.path.join(CASES, n, "model.onnx")) for n in sorted(os.listdir(CASES))]
    models += [(g, os.path.join(gen_dir, g + ".onnx")) for g in GENERATED]
    if args.models:
        keep = set(args.models.split(","))
        models = [m for m in models if m[0] in keep]
    threads = [int(t) for t in args.threads.split(",")]

    rows = []
    for name, path in models:
        model = onnx.load(path)
        if name in GENERATED:
            arrays, refdir = generated_inputs(model), None
        else:
            arrays, refdir = case_inputs(name, path)
        work = os.path.join(TMP, name)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        # The same bytes for both: in_N.bin for whittle-exec, listed in
        # model.onnx.inputs.json for ort_bench.js (beside a link to the model).
        spec = {"inputs": {}}
        pins = []
        for k, (inp, a) in enumerate(zip(graph_inputs(model), arrays)):
            a = np.ascontiguousarray(a)
            a.tofile(os.path.join(work, f"in_{k}.bin"))
            with open(os.path.join(work, f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(a, inp.name).SerializeToString())
            spec["inputs"][inp.name] = {"dtype": DTYPES.get(inp.type.tensor_type.elem_type, "float32"),
                                        "dims": list(a.shape), "file": f"in_{k}.bin"}
            declared = inp.type.tensor_type.shape.dim
            if a.shape and any(not d.HasField("dim_value") for d in declared):
                pins.append(f"--input-shape={inp.name}=" + "x".join(str(d) for d in a.shape))
        os.symlink(os.path.abspath(path), os.path.join(work, "model.onnx"))
        with open(os.path.join(work, "model.onnx.inputs.json"), "w") as f:
            json.dump(spec, f)
        so = os.path.join(work, "model.so")
        rc, out, _ = run_measured([args.whittle, "compile", path, "--target", "host", "-o", so] + pins)
        if rc != 0:
            log(f"{name}: compile failed: {out.strip().splitlines()[-1][:200] if out.strip() else ''}")
            rows.append({"model": name, "error": "does not compile yet"})
            continue
        check = "-"
        if not refdir:
            # Generated models: ONNX Runtime's outputs on the same inputs.
            refdir = ort_reference(work, spec, env)
        if refdir:
            rc, out, _ = run_measured([args.whittle, "run", so, "--input-dir", refdir])
            check = "PASS" if rc == 0 else "FAIL"
        gflop = flops(model, arrays) / 1e9
        del model
        for t in threads:
            w_ms, o_ms, w_rss, o_rss = [], [], 0.0, 0.0
            ok = True
            for _ in range(args.rounds):
                rc, out, rss = run_measured([exe, "run", so, work, "2", str(args.iters), str(t)])
                times = [float(x) for x in re.findall(r"^ms ([0-9.eE+-]+)", out, re.M)]
                if rc != 0 or not times:
                    log(f"{name}: whittle-exec failed: {out.strip()[:300]}")
                    ok = False
                    break
                w_ms.append(float(np.median(times)))
                w_rss = max(w_rss, rss)
                rc, out, rss = run_measured(["node", os.path.join(SHARED, "ort_bench.js"),
                                             os.path.join(work, "model.onnx"), str(t), str(args.iters),
                                             "--warmup", "2", "--json"], env=env)
                m = re.search(r'"median_ms"\s*:\s*([0-9.eE+-]+)', out)
                if rc != 0 or not m:
                    log(f"{name}: ONNX Runtime failed: {out.strip()[:300]}")
                    ok = False
                    break
                o_ms.append(float(m.group(1)))
                o_rss = max(o_rss, rss)
            if not ok:
                rows.append({"model": name, "threads": t, "error": "run failed"})
                continue
            w, o = float(np.median(w_ms)), float(np.median(o_ms))
            row = {"model": name, "threads": t, "whittle_ms": w, "ort_ms": o, "ratio": w / o,
                   "gflops": gflop / (w / 1e3) if gflop > 0.05 else None,
                   "whittle_mb": w_rss, "ort_mb": o_rss, "check": check}
            rows.append(row)
            log(f"{name} x{t}: whittle {w:.3f} ms, ORT {o:.3f} ms, ratio {w / o:.2f}, "
                f"RSS {w_rss:.0f}/{o_rss:.0f} MB, outputs {check}")

    cpu = "unknown-cpu"
    try:
        with open("/proc/cpuinfo") as f:
            mm = re.search(r"model name\s*:\s*(.*)", f.read())
            cpu = mm.group(1).strip() if mm else cpu
    except OSError:
        pass
    lines = [f"# Whittle vs ONNX Runtime — {datetime.date.today()}, {cpu}, {os.cpu_count()} cores", "",
             f"`make bench` (bench/run_bench.py --threads {args.threads} --iters {args.iters} "
             f"--rounds {args.rounds}): medians of {args.rounds} alternating rounds of {args.iters} runs "
             "each, same input bytes, same thread count; Whittle in whittle-exec (the C runtime), "
             "ONNX Runtime (onnxruntime-node, CPU EP, all graph optimizations) in node. Peak RSS is "
             "the whole process's. GFLOP/s counts Conv/ConvTranspose/MatMul/Gemm multiply-adds x 2. "
             "outputs: Whittle's vs the case's ONNX Runtime reference (generated models: vs ONNX "
             "Runtime's outputs on the same inputs), rtol 1e-3, atol 1e-4.", "",
             "| model | threads | Whittle ms | ORT ms | Whittle/ORT | Whittle GFLOP/s | Whittle MB | ORT MB | outputs |",
             "|---|---|---|---|---|---|---|---|---|"]
    ratios = {t: [] for t in threads}
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['model']} | {r.get('threads', '-')} | - | - | - | - | - | - | {r['error']} |")
            continue
        ratios[r["threads"]].append(r["ratio"])
        g = f"{r['gflops']:.1f}" if r["gflops"] else "-"
        lines.append(f"| {r['model']} | {r['threads']} | {r['whittle_ms']:.3f} | {r['ort_ms']:.3f} | "
                     f"{r['ratio']:.2f} | {g} | {r['whittle_mb']:.0f} | {r['ort_mb']:.0f} | {r['check']} |")
    for t, rs in ratios.items():
        if rs:
            gm = math.exp(sum(math.log(x) for x in rs) / len(rs))
            lines.append(f"| geometric mean | {t} | | | {gm:.2f} | | | | |")
    table = "\n".join(lines) + "\n"
    print(table)
    out = args.out or os.path.join(ROOT, "bench", "results",
                                   f"{datetime.date.today()}-{re.sub(r'[^A-Za-z0-9]+', '-', cpu).strip('-')}.md")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        f.write(table)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
