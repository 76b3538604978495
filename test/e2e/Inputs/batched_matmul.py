"""Writes DIR/model.onnx (MatMul of two run-time inputs, 4 x 8 x 16 by
4 x 16 x 32) and DIR/test_data_set_0 with numpy's product as the
reference: a batched matmul whose right-hand side differs per batch."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
data = os.path.join(out, "test_data_set_0")
os.makedirs(data, exist_ok=True)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["a", "b"], ["y"])], "bmm",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, [4, 8, 16]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, [4, 16, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 8, 32])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
rng = np.random.default_rng(0)
a = rng.standard_normal((4, 8, 16)).astype(np.float32)
b = rng.standard_normal((4, 16, 32)).astype(np.float32)
for i, (name, v) in enumerate([("a", a), ("b", b)]):
    with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(v, name).SerializeToString())
with open(os.path.join(data, "output_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(a @ b, "y").SerializeToString())
