"""Writes DIR/model.onnx and DIR/test_data_set_0 with a float64 numpy
reference: 3x3 stride-1 convs that Whittle computes as Winograd
F(4x4, 3x3) (16x16 outputs: bias, residual add, relu fused) and F(2x2, 3x3)
(two 14x14 images, no bias), and F(4x4, 3x3) over partial tiles (15x15
outputs as 16x16, the residual and relu applied after the cut)."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
data = os.path.join(out, "test_data_set_0")
os.makedirs(data, exist_ok=True)
rng = np.random.default_rng(3)


def conv3x3(x, w):
    """Cross-correlation with one pixel of zero padding, in float64."""
    n, c, h, wd = x.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, w.shape[0], h, wd))
    for u in range(3):
        for v in range(3):
            y += np.einsum("nchw,kc->nkhw", xp[:, :, u:u + h, v:v + wd],
                           w[:, :, u, v].astype(np.float64))
    return y


w1 = (rng.standard_normal((48, 32, 3, 3)) / np.sqrt(9 * 32)).astype(np.float32)
b1 = rng.standard_normal(48).astype(np.float32)
w2 = (rng.standard_normal((32, 64, 3, 3)) / np.sqrt(9 * 64)).astype(np.float32)
x1 = rng.standard_normal((1, 32, 16, 16)).astype(np.float32)
r1 = rng.standard_normal((1, 48, 16, 16)).astype(np.float32)
x2 = rng.standard_normal((2, 64, 14, 14)).astype(np.float32)
w3 = (rng.standard_normal((32, 32, 3, 3)) / np.sqrt(9 * 32)).astype(np.float32)
x3 = rng.standard_normal((1, 32, 15, 15)).astype(np.float32)
r3 = rng.standard_normal((1, 32, 15, 15)).astype(np.float32)
y1 = np.maximum(conv3x3(x1, w1) + b1[None, :, None, None] + r1, 0).astype(np.float32)
y2 = conv3x3(x2, w2).astype(np.float32)
y3 = np.maximum(conv3x3(x3, w3) + r3, 0).astype(np.float32)

nodes = [helper.make_node("Conv", ["x1", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1]),
         helper.make_node("Add", ["c1", "r1"], ["s1"]),
         helper.make_node("Relu", ["s1"], ["y1"]),
         helper.make_node("Conv", ["x2", "w2"], ["y2"], pads=[1, 1, 1, 1]),
         helper.make_node("Conv", ["x3", "w3"], ["c3"], pads=[1, 1, 1, 1]),
         helper.make_node("Add", ["c3", "r3"], ["s3"]),
         helper.make_node("Relu", ["s3"], ["y3"])]
vi = helper.make_tensor_value_info
graph = helper.make_graph(
    nodes, "winograd",
    [vi("x1", TensorProto.FLOAT, x1.shape), vi("r1", TensorProto.FLOAT, r1.shape),
     vi("x2", TensorProto.FLOAT, x2.shape), vi("x3", TensorProto.FLOAT, x3.shape),
     vi("r3", TensorProto.FLOAT, r3.shape)],
    [vi("y1", TensorProto.FLOAT, y1.shape), vi("y2", TensorProto.FLOAT, y2.shape),
     vi("y3", TensorProto.FLOAT, y3.shape)],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
     numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(w3, "w3")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
for i, (name, v) in enumerate([("x1", x1), ("r1", r1), ("x2", x2), ("x3", x3), ("r3", r3)]):
    with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v, name).SerializeToString())
for i, (name, v) in enumerate([("y1", y1), ("y2", y2), ("y3", y3)]):
    with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v, name).SerializeToString())
