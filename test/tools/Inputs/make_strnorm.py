"""A StringNormalizer dropping "monday" from 3 strings, declared to leave 2."""
import sys
from onnx import TensorProto, helper

node = helper.make_node("StringNormalizer", ["x"], ["y"], case_change_action="UPPER",
                        stopwords=["monday"])
graph = helper.make_graph([node], "strnorm",
                          [helper.make_tensor_value_info("x", TensorProto.STRING, [3])],
                          [helper.make_tensor_value_info("y", TensorProto.STRING, [2])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
with open(sys.argv[1], "wb") as f:
    f.write(model.SerializeToString())
