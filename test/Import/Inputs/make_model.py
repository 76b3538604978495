#!/usr/bin/python3
"""Builds the small ONNX models the import tests read.

    make_model.py NAME OUT.onnx

Each model exercises one importer feature; see MODELS below.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def model(nodes, inputs, outputs, inits=(), opset=17, ir=8, domains=()):
    g = helper.make_graph(nodes, "test", inputs, outputs, list(inits))
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in domains]
    m = helper.make_model(g, opset_imports=ops, producer_name="whittle-test")
    m.ir_version = ir
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def conv_relu():
    w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32) * 0.5, "w")
    b = numpy_helper.from_array(np.arange(4, dtype=np.float32), "b")
    return model(
        [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
         helper.make_node("Relu", ["c"], ["y"], name="relu")],
        [vi("x", F, [1, 3, 8, 8])], [vi("y", F, None)], [w, b])


def conv_wide():
    """A 3x3 conv whose output rows are 32 wide: room for full vectors."""
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((16, 16, 3, 3)).astype(np.float32), "w")
    return model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])],
        [vi("x", F, [1, 16, 32, 32])], [vi("y", F, None)], [w])


def matmul_bias():
    rng = np.random.default_rng(0)
    w = numpy_helper.from_array(rng.standard_normal((256, 128)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.standard_normal((128,)).astype(np.float32), "b")
    return model(
        [helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
         helper.make_node("Add", ["m", "b"], ["y"], name="bias")],
        [vi("x", F, [8, 256])], [vi("y", F, None)], [w, b])


def symbolic_dims():
    return model(
        [helper.make_node("Add", ["x", "x"], ["y"], name="add")],
        [vi("x", F, ["batch", 3, "len"])], [vi("y", F, None)])


def dynamic_add():
    # Two independent symbolic dims the Add needs equal at run time.
    return model(
        [helper.make_node("Add", ["a", "b"], ["y"], name="add")],
        [vi("a", F, ["n"]), vi("b", F, ["m"])], [vi("y", F, None)])


def optional_inputs():
    # Clip with only max given: the skipped min is "" in the middle.
    hi = numpy_helper.from_array(np.array(6.0, np.float32), "hi")
    return model(
        [helper.make_node("Clip", ["x", "", "hi"], ["y"], name="clip")],
        [vi("x", F, [4])], [vi("y", F, [4])], [hi])


def optional_outputs():
    return model(
        [helper.make_node("Dropout", ["x"], ["y", ""], name="drop")],
        [vi("x", F, [4])], [vi("y", F, [4])])


def variadic():
    return model(
        [helper.make_node("Concat", ["a", "b", "a"], ["y"], name="cat", axis=0)],
        [vi("a", F, [2]), vi("b", F, [3])], [vi("y", F, None)])


def if_subgraph():
    then_g = helper.make_graph(
        [helper.make_node("Neg", ["x"], ["t"], name="neg")], "then", [], [vi("t", F, [2])])
    else_g = helper.make_graph(
        [helper.make_node("Abs", ["x"], ["e"], name="abs")], "else", [], [vi("e", F, [2])])
    return model(
        [helper.make_node("If", ["c"], ["y"], name="if", then_branch=then_g, else_branch=else_g)],
        [vi("c", TensorProto.BOOL, []), vi("x", F, [2])], [vi("y", F, [2])])


def loop_subgraph():
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "x"], ["acc_out"], name="acc"),
         helper.make_node("Identity", ["cond_in"], ["cond_out"], name="id")],
        "body",
        [vi("i", I64, []), vi("cond_in", TensorProto.BOOL, []), vi("acc_in", F, [2])],
        [vi("cond_out", TensorProto.BOOL, []), vi("acc_out", F, [2])])
    n = numpy_helper.from_array(np.array(3, np.int64), "n")
    return model(
        [helper.make_node("Loop", ["n", "", "x"], ["y"], name="loop", body=body)],
        [vi("x", F, [2])], [vi("y", F, [2])], [n])


def shadowed_initializer():
    # IR 3 style: the weight is listed as an input and as an initializer.
    w = numpy_helper.from_array(np.full((2,), 3.0, np.float32), "w")
    return model(
        [helper.make_node("Mul", ["x", "w"], ["y"], name="mul")],
        [vi("x", F, [2]), vi("w", F, [2])], [vi("y", F, [2])], [w], opset=9, ir=3)


def large_weight():
    w = numpy_helper.from_array(np.arange(64, dtype=np.float32), "big.weight")
    return model(
        [helper.make_node("Add", ["x", "big.weight"], ["y"], name="add")],
        [vi("x", F, [64])], [vi("y", F, [64])], [w])


def external_data(out):
    w = numpy_helper.from_array(np.arange(32, dtype=np.float32), "w")
    m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
              [vi("x", F, [32])], [vi("y", F, [32])], [w])
    onnx.save_model(m, out, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(out) + ".data", size_threshold=0)
    return None


def missing_external_data(out):
    external_data(out)
    os.remove(out + ".data")
    return None


def custom_domain():
    return model(
        [helper.make_node("Relu", ["x"], ["r"], name="relu"),
         helper.make_node("FancyOp", ["r", ""], ["y"], name="fancy", domain="com.example",
                          gain=2.5, mode="fast")],
        [vi("x", F, [4])], [vi("y", F, [4])], domains=[("com.example", 1)])


def wrong_arity():
    return model([helper.make_node("Relu", ["x", "x"], ["y"], name="bad_relu")],
                 [vi("x", F, [4])], [vi("y", F, [4])])


def undefined_input():
    return model([helper.make_node("Relu", ["nowhere"], ["y"], name="relu")],
                 [vi("x", F, [4])], [vi("y", F, [4])])


def slice_opset9():
    # Slice-1: starts/ends/axes are attributes; the importer upgrades them.
    return model(
        [helper.make_node("Slice", ["x"], ["y"], name="slice", starts=[1], ends=[3], axes=[0])],
        [vi("x", F, [5, 2])], [vi("y", F, None)], opset=9, ir=4)


def add_axis_opset6():
    # Add-6 with broadcast=1, axis=1: b (3) lines up with dim 1 of a (2x3x4).
    return model(
        [helper.make_node("Add", ["a", "b"], ["y"], name="add", broadcast=1, axis=1)],
        [vi("a", F, [2, 3, 4]), vi("b", F, [3])], [vi("y", F, None)], opset=6, ir=3)


def softmax_opset11():
    # Softmax-11 defaults to axis 1 (coerced 2-D); the newest form to -1.
    return model([helper.make_node("Softmax", ["x"], ["y"], name="sm")],
                 [vi("x", F, [2, 3, 4])], [vi("y", F, None)], opset=11, ir=6)


def reduce_opset18():
    # ReduceMean-18 takes axes as an input; the importer downgrades it.
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    m = model([helper.make_node("ReduceMean", ["x", "axes"], ["y"], name="mean", keepdims=0)],
              [vi("x", F, [2, 3])], [vi("y", F, [2])], [axes], opset=18, ir=8)
    return m


def upsample_opset9():
    scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
    return model([helper.make_node("Upsample", ["x", "scales"], ["y"], name="up", mode="nearest")],
                 [vi("x", F, [1, 1, 2, 2])], [vi("y", F, None)], [scales], opset=9, ir=4)


def dynamic_shape_chain():
    # Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write it.
    i0 = numpy_helper.from_array(np.array(0, np.int64), "i0")
    m1 = numpy_helper.from_array(np.array([-1], np.int64), "m1")
    return model(
        [helper.make_node("Shape", ["x"], ["s"], name="shape"),
         helper.make_node("Gather", ["s", "i0"], ["n"], name="gather", axis=0),
         helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsq"),
         helper.make_node("Concat", ["n1", "m1"], ["shp"], name="cat", axis=0),
         helper.make_node("Reshape", ["x", "shp"], ["y"], name="reshape")],
        [vi("x", F, ["N", 3, 4])], [vi("y", F, None)],
        [i0, m1, numpy_helper.from_array(np.array([0], np.int64), "ax")])


def split_opset18():
    return model([helper.make_node("Split", ["x"], ["a", "b", "c"], name="split",
                                   axis=0, num_outputs=3)],
                 [vi("x", F, [7, 2])], [vi("a", F, None), vi("b", F, None), vi("c", F, None)],
                 opset=18)


def pad_opset18_axes():
    pads = numpy_helper.from_array(np.array([1, 2], np.int64), "pads")
    axes = numpy_helper.from_array(np.array([-1], np.int64), "axes")
    return model([helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], name="pad")],
                 [vi("x", F, [2, 3])], [vi("y", F, None)], [pads, axes], opset=18)


def gelu_opset20():
    return model([helper.make_node("Gelu", ["x"], ["y"], name="gelu", approximate="tanh")],
                 [vi("x", F, [4])], [vi("y", F, [4])], opset=20)


def avgpool_opset19():
    return model([helper.make_node("AveragePool", ["x"], ["y"], name="pool",
                                   kernel_shape=[2, 2], strides=[2, 2], dilations=[1, 1])],
                 [vi("x", F, [1, 1, 4, 4])], [vi("y", F, None)], opset=19)


def avgpool_dilated_opset19():
    return model([helper.make_node("AveragePool", ["x"], ["y"], name="pool",
                                   kernel_shape=[2, 2], dilations=[2, 2])],
                 [vi("x", F, [1, 1, 5, 5])], [vi("y", F, [1, 1, 3, 3])], opset=19)


MODELS = {
    "split_opset18": split_opset18, "pad_opset18_axes": pad_opset18_axes,
    "gelu_opset20": gelu_opset20, "avgpool_opset19": avgpool_opset19,
    "avgpool_dilated_opset19": avgpool_dilated_opset19,
    "conv_relu": conv_relu, "symbolic_dims": symbolic_dims,
    "conv_wide": conv_wide, "matmul_bias": matmul_bias,
    "add_axis_opset6": add_axis_opset6,
    "optional_inputs": optional_inputs, "optional_outputs": optional_outputs,
    "variadic": variadic, "if_subgraph": if_subgraph, "loop_subgraph": loop_subgraph,
    "shadowed_initializer": shadowed_initializer, "large_weight": large_weight,
    "external_data": external_data, "missing_external_data": missing_external_data,
    "custom_domain": custom_domain, "wrong_arity": wrong_arity,
    "undefined_input": undefined_input, "slice_opset9": slice_opset9,
    "softmax_opset11": softmax_opset11, "reduce_opset18": reduce_opset18,
    "upsample_opset9": upsample_opset9, "dynamic_shape_chain": dynamic_shape_chain,
    "dynamic_add": dynamic_add,
}


def main():
    name, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fn = MODELS[name]
    m = fn(out) if fn.__code__.co_argcount == 1 else fn()
    if m is not None:
        onnx.save(m, out)


if __name__ == "__main__":
    main()
