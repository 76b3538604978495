#!/usr/bin/python3
"""Models whose run-time inputs are hostile, with those inputs.

    make_bad_runs.py NAME DIR

writes DIR/model.onnx and DIR/bad/input_N.pb: indices outside the axis
they index (Gather, GatherElements, GatherND, ScatterND, ScatterElements)
and Resize scales that are NaN, infinite, zero, negative or huge. Such
inputs once read wild memory or crashed the run; the run must fail with
a message naming the node (hostile-runs.test).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper

vi = helper.make_tensor_value_info
DATA = numpy_helper.from_array(np.arange(40, dtype=np.float32).reshape(10, 4), "data")
IMAGE = numpy_helper.from_array(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), "x")
ROI = numpy_helper.from_array(np.array([], np.float32), "roi")


def gather(op, name, idx, **attrs):
    out_shape = {"Gather": [len(idx), 4], "GatherElements": list(np.shape(idx)),
                 "GatherND": [len(idx)]}[op]
    node = helper.make_node(op, ["data", "idx"], ["y"], name=name, **attrs)
    return ([node], [vi("idx", T.INT64, list(np.shape(idx)))], [vi("y", T.FLOAT, out_shape)],
            [DATA], [np.array(idx, np.int64)])


def scatter(op, name, idx, upd, **attrs):
    node = helper.make_node(op, ["data", "idx", "upd"], ["y"], name=name, **attrs)
    return ([node], [vi("idx", T.INT64, list(np.shape(idx))),
                     vi("upd", T.FLOAT, list(np.shape(upd)))],
            [vi("y", T.FLOAT, [10, 4])], [DATA],
            [np.array(idx, np.int64), np.array(upd, np.float32)])


def resize(mode, scale):
    node = helper.make_node("Resize", ["x", "roi", "scales"], ["y"], name="resize", mode=mode)
    return ([node], [vi("scales", T.FLOAT, [4])], [vi("y", T.FLOAT, None)], [IMAGE, ROI],
            [np.array([1, 1, scale, 2], np.float32)])


CASES = {
    "gather_high": lambda: gather("Gather", "gather", [1, 50, 2], axis=0),
    "gather_low": lambda: gather("Gather", "gather", [1, -11, 2], axis=0),
    "gather_elements": lambda: gather("GatherElements", "ge", np.full((10, 2), 4), axis=1),
    "gather_nd": lambda: gather("GatherND", "gnd", [[9, 3], [1, 7]]),
    "scatter_nd": lambda: scatter("ScatterND", "snd", [[100000, 0]], [1.0]),
    "scatter_elements": lambda: scatter("ScatterElements", "se", [[0, 1, -20, 3]],
                                        np.ones((1, 4)), axis=0),
    "resize_nan": lambda: resize("nearest", np.nan),
    "resize_inf": lambda: resize("linear", np.inf),
    "resize_zero": lambda: resize("cubic", 0.0),
    "resize_negative": lambda: resize("linear", -2.0),
    "resize_huge": lambda: resize("nearest", 1e30),
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        sys.exit("usage: make_bad_runs.py {%s} DIR" % ",".join(sorted(CASES)))
    nodes, inputs, outputs, inits, feeds = CASES[sys.argv[1]]()
    out = sys.argv[2]
    os.makedirs(os.path.join(out, "bad"), exist_ok=True)
    g = helper.make_graph(nodes, sys.argv[1], inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    onnx.save(m, os.path.join(out, "model.onnx"))
    for i, v in enumerate(feeds):
        with open(os.path.join(out, "bad", "input_%d.pb" % i), "wb") as f:
            f.write(numpy_helper.from_array(v).SerializeToString())


if __name__ == "__main__":
    main()
