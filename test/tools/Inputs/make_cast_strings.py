"""Cast float32 -> string -> float32, with numpy's text as the reference.

Writes DIR/model.onnx and DIR/data/{input_0,output_0,output_1}.pb.
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(os.path.join(out, "data"), exist_ok=True)
x = np.array([100.0, 1e-5, 1.5e20, -0.5, 3.0, np.nan, np.inf, -np.inf, 123456.78,
              0.1, 1e16, 2.5e-7, 0.039187793, 1e-4, 65504.0, -7e15], dtype=np.float32)
text = np.array([str(v) for v in x], dtype=object)
nodes = [helper.make_node("Cast", ["x"], ["s"], to=TensorProto.STRING),
         helper.make_node("Cast", ["s"], ["y"], to=TensorProto.FLOAT)]
graph = helper.make_graph(nodes, "cast_strings",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [len(x)])],
                          [helper.make_tensor_value_info("s", TensorProto.STRING, [len(x)]),
                           helper.make_tensor_value_info("y", TensorProto.FLOAT, [len(x)])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
with open(os.path.join(out, "model.onnx"), "wb") as f:
    f.write(model.SerializeToString())
for name, value in [("input_0", x), ("output_0", text), ("output_1", x)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(value).SerializeToString())
