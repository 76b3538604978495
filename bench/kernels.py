#!/usr/bin/python3
"""Kernel microbenchmark: Whittle's generated GEMM and conv code alone.

    bench/kernels.py [--whittle build/bin/whittle] [--iters N] [--out FILE]

Measures this core's FP32 FMA peak (bench/fma_peak.c, 24 independent FMA
chains, built with -march=native) and then, in the same run, times models
of one op kind at 1 thread in whittle-exec:
  * MatMul 1024 x 1024 x 1024, and BERT-base's 128 x 768 x 768,
    128 x 768 x 3072, 128 x 3072 x 768 (constant weights);
  * ResNet-50's 3x3 convs (64 ch @ 56x56, 128 @ 28, 256 @ 14, 512 @ 7), as
    a chain of 4 equal convs so the layout transposes at the chain's ends
    are amortized (they are counted in the time, not in the FLOPs): the
    direct conv kernels (--winograd=0), then the default build, which
    computes them as Winograd convs (fewer multiplies: its GFLOP/s count the
    direct conv's FLOPs, so they can exceed the peak).
It prints GFLOP/s and the percentage of the measured peak.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def save(path, nodes, inputs, outputs, inits):
    g = helper.make_graph(nodes, "kernel", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, path)


def matmul_model(path, m, k, n, rng):
    w = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "w")
    save(path, [helper.make_node("MatMul", ["x", "w"], ["y"])],
         [helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], [w])
    return [(m, k)], 2.0 * m * k * n


def conv_chain_model(path, c, hw, depth, rng):
    nodes, inits, prev = [], [], "x"
    for i in range(depth):
        w = (rng.standard_normal((c, c, 3, 3)) * (1.0 / np.sqrt(9 * c))).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        out = "y" if i == depth - 1 else f"t{i}"
        nodes.append(helper.make_node("Conv", [prev, f"w{i}"], [out], pads=[1, 1, 1, 1]))
        prev = out
    save(path, nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, hw, hw])],
         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, c, hw, hw])], inits)
    return [(1, c, hw, hw)], depth * 2.0 * c * c * 9 * hw * hw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--whittle", default=os.path.join(ROOT, "build", "bin", "whittle"))
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    exe = os.path.join(os.path.dirname(os.path.abspath(args.whittle)), "whittle-exec")
    tmp = tempfile.mkdtemp(prefix="whittle-kernels-")
    peak_bin = os.path.join(tmp, "fma_peak")
    subprocess.run(["clang-22", "-O2", "-march=native", os.path.join(ROOT, "bench", "fma_peak.c"),
                    "-o", peak_bin], check=True)
    peak = float(re.search(r"peak_gflops ([0-9.]+)",
                           subprocess.run([peak_bin], capture_output=True, text=True).stdout).group(1))
    print(f"measured FMA peak, 1 thread: {peak:.1f} GFLOP/s", file=sys.stderr)
    rng = np.random.default_rng(0)
    cases = [("GEMM 1024x1024x1024", lambda p: matmul_model(p, 1024, 1024, 1024, rng)),
             ("BERT QKV/out 128x768x768", lambda p: matmul_model(p, 128, 768, 768, rng)),
             ("BERT FFN up 128x768x3072", lambda p: matmul_model(p, 128, 768, 3072, rng)),
             ("BERT FFN down 128x3072x768", lambda p: matmul_model(p, 128, 3072, 768, rng)),
             ("ResNet-50 3x3 conv 64 @ 56x56 (x4)", lambda p: conv_chain_model(p, 64, 56, 4, rng)),
             ("ResNet-50 3x3 conv 128 @ 28x28 (x4)", lambda p: conv_chain_model(p, 128, 28, 4, rng)),
             ("ResNet-50 3x3 conv 256 @ 14x14 (x4)", lambda p: conv_chain_model(p, 256, 14, 4, rng)),
             ("ResNet-50 3x3 conv 512 @ 7x7 (x4)", lambda p: conv_chain_model(p, 512, 7, 4, rng))]
    # The conv kernels themselves are timed as direct convolutions
    # (--winograd=0); the default build computes the stride-1 3x3 convs as
    # Winograd F(4x4, 3x3) or F(2x2, 3x3), timed on the same shapes below
    # with the direct conv's FLOPs (effective GFLOP/s, beyond the peak).
    cases = [(name, make, ["--winograd=0"] if "conv" in name else []) for name, make in cases]
    cases += [(name.replace("3x3 conv", "3x3 conv, Winograd (default)"), make, [])
              for name, make, _ in cases if "conv" in name]
    lines = [f"Measured FP32 FMA peak (bench/fma_peak.c, 1 thread): {peak:.1f} GFLOP/s", "",
             "| kernel | ms | GFLOP/s | % of peak |", "|---|---|---|---|"]
    for name, make, flags in cases:
        model = os.path.join(tmp, "k.onnx")
        shapes, flop = make(model)
        so = os.path.join(tmp, "k.so")
        subprocess.run([args.whittle, "compile", model, "--target", "host", "-o", so] + flags,
                       check=True)
        data = os.path.join(tmp, "data")
        os.makedirs(data, exist_ok=True)
        rng.standard_normal(shapes[0]).astype(np.float32).tofile(os.path.join(data, "in_0.bin"))
        out = subprocess.run([exe, "run", so, data, "2", str(args.iters), "1"], capture_output=True,
                             text=True, check=True).stdout
        ms = float(np.median([float(x) for x in re.findall(r"^ms ([0-9.eE+-]+)", out, re.M)]))
        gf = flop / (ms / 1e3) / 1e9
        lines.append(f"| {name} | {ms:.3f} | {gf:.1f} | {100 * gf / peak:.0f}% |")
        print(lines[-1], file=sys.stderr)
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
