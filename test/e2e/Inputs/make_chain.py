#!/usr/bin/python3
"""A chain of N nodes, for compile time against graph size and for graphs
long enough to be compiled in parts.

    make_chain.py N KIND DIR [dynamic]

KIND `mix`: elementwise nodes only (Add, Mul, Relu, Sigmoid, Sub, Tanh,
Abs, Neg; the binary ones read the input x again). KIND `mm`: every 4th
node a MatMul by a 16x16 weight of its own. Every 7th node also adds the
value 5 nodes back, so values cross the cuts between parts, and the graph
has a second output from its middle. Writes DIR/model.onnx, and
DIR/data/input_0.pb with its expected output_0.pb and output_1.pb
(NumPy's evaluation). `dynamic` declares the batch dim of x, y and mid
symbolic.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T, helper, numpy_helper

OPS = ["Add", "Mul", "Relu", "Sigmoid", "Sub", "Tanh", "Abs", "Neg"]


def main():
    n, kind, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (2, 16)).astype(np.float32)
    nodes, inits, values = [], [], {"x": x}
    names = ["x"]
    for i in range(n):
        prev, name = names[-1], f"t{i}"
        v = values[prev]
        if kind == "mm" and i % 4 == 0:
            w = (rng.standard_normal((16, 16)) / 4).astype(np.float32)
            inits.append(numpy_helper.from_array(w, f"w{i}"))
            nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [name], name=f"n{i}"))
            r = v @ w
        elif i % 7 == 6 and len(names) > 5:
            back = names[-5]
            nodes.append(helper.make_node("Add", [prev, back], [name], name=f"n{i}"))
            r = v + values[back]
        else:
            op = OPS[i % len(OPS)]
            ins = [prev, "x"] if op in ("Add", "Mul", "Sub") else [prev]
            nodes.append(helper.make_node(op, ins, [name], name=f"n{i}"))
            r = {"Add": lambda: v + x, "Mul": lambda: v * x, "Sub": lambda: v - x,
                 "Relu": lambda: np.maximum(v, 0), "Sigmoid": lambda: 1 / (1 + np.exp(-v)),
                 "Tanh": lambda: np.tanh(v), "Abs": lambda: np.abs(v),
                 "Neg": lambda: -v}[op]()
        values[name] = r.astype(np.float32)
        names.append(name)
    middle = names[len(names) // 2]
    nodes.append(helper.make_node("Identity", [names[-1]], ["y"], name="out"))
    nodes.append(helper.make_node("Identity", [middle], ["mid"], name="mid_out"))
    vi = helper.make_tensor_value_info
    shape = ["batch" if sys.argv[4:] == ["dynamic"] else 2, 16]
    graph = helper.make_graph(nodes, "chain", [vi("x", T.FLOAT, shape)],
                              [vi("y", T.FLOAT, shape), vi("mid", T.FLOAT, shape)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    for fname, name, arr in (("input_0.pb", "x", x), ("output_0.pb", "y", values[names[-1]]),
                             ("output_1.pb", "mid", values[middle])):
        with open(os.path.join(out, "data", fname), "wb") as f:
            f.write(numpy_helper.from_array(np.asarray(arr, np.float32), name).SerializeToString())


if __name__ == "__main__":
    main()
