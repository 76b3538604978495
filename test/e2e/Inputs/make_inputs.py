#!/usr/bin/python3
"""Writes an input_0.pb of a new shape for the dynamic-shape tests.

    make_inputs.py stack IN.pb N OUT_DIR   # N copies of IN along dim 0, each
                                           # scaled differently
    make_inputs.py random DIMS OUT_DIR     # uniform [-1, 1) f32 of DxDx..

Deterministic (fixed seed), so reruns compare the same numbers.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, numpy_helper


def write(array, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(array)).SerializeToString())


def main():
    kind = sys.argv[1]
    if kind == "stack":
        t = TensorProto()
        with open(sys.argv[2], "rb") as f:
            t.ParseFromString(f.read())
        x = numpy_helper.to_array(t)
        n = int(sys.argv[3])
        parts = [x * (1.0 - 0.25 * k) + 0.05 * k for k in range(n)]
        write(np.concatenate(parts, axis=0).astype(x.dtype), sys.argv[4])
    elif kind == "random":
        dims = [int(d) for d in sys.argv[2].split("x")]
        rng = np.random.default_rng(7)
        write(rng.uniform(-1, 1, dims).astype(np.float32), sys.argv[3])
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
