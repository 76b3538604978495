#!/usr/bin/python3
"""Builds the hostile ONNX models of the import regression tests.

    make_hostile.py NAME OUT.onnx

Each model is one defect a crafted file once triggered (a crash, a hang,
a silent misreading); hostile.test checks each is refused with a message.
The models are written with the protobuf API so that nothing here checks
them first.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def model(nodes, inputs, outputs, inits=(), opset=17, ir=8):
    g = helper.make_graph(nodes, "hostile", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="whittle-test")
    m.ir_version = ir
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def conv(**attrs):
    w = numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)],
                 [vi("x", F, [1, 1, 8, 8])], [vi("y", F, None)], [w])


def pool(**attrs):
    return model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", **attrs)],
                 [vi("x", F, [1, 1, 8, 8])], [vi("y", F, None)])


def recurrent(op, x_shape):
    hidden = 2
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    w = numpy_helper.from_array(np.ones((1, gates * hidden, 3), np.float32), "w")
    r = numpy_helper.from_array(np.ones((1, gates * hidden, hidden), np.float32), "r")
    return model([helper.make_node(op, ["x", "w", "r"], ["", "h"], name="rnn",
                                   hidden_size=hidden)],
                 [vi("x", F, x_shape)], [vi("h", F, None)], [w, r])


def external(out, location, offset=None, length=None, size=16):
    """A [4] float initializer whose data lies in `location`."""
    t = TensorProto()
    t.name, t.data_type = "w", F
    t.dims.extend([4])
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            e = t.external_data.add()
            e.key, e.value = key, str(value)
    # The data is really there, wherever the location points.
    data = os.path.normpath(os.path.join(os.path.dirname(out), location))
    os.makedirs(os.path.dirname(data), exist_ok=True)
    with open(data, "wb") as f:
        f.write(np.arange(size // 4, dtype=np.float32).tobytes())
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", F, [4])], [vi("y", F, [4])], [t])


def huge_initializer():
    t = TensorProto()
    t.name, t.data_type = "w", F
    t.dims.extend([2**62 + 1, 1, 28, 28])
    return model([helper.make_node("Add", ["x", "w"], ["y"], name="add")],
                 [vi("x", F, [1])], [vi("y", F, None)], [t])


def duplicate_outputs():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu"),
                  helper.make_node("Neg", ["x"], ["y"], name="neg")],
                 [vi("x", F, [4])], [vi("y", F, [4]), vi("y", F, [4])])


def negative_dim():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                 [vi("x", F, [1, -3])], [vi("y", F, None)])


def concat_axis():
    return model([helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=5)],
                 [vi("x", F, [2, 3])], [vi("y", F, None)])


def transpose_perm():
    return model([helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 0])],
                 [vi("x", F, [2, 3])], [vi("y", F, None)])


BIG_SHAPE = [100000, 100000, 100]  # 10^12 elements


def constant_of_shape_huge():
    shape = numpy_helper.from_array(np.array(BIG_SHAPE, np.int64), "shape")
    one = helper.make_tensor("v", F, [1], [1.0])
    return model([helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill",
                                   value=one)],
                 [], [vi("y", F, None)], [shape])


def range_huge(reduce):
    bounds = [numpy_helper.from_array(np.array(v, np.int64), n)
              for n, v in (("start", 0), ("limit", 10**12), ("delta", 1))]
    nodes = [helper.make_node("Range", ["start", "limit", "delta"],
                              ["r" if reduce else "y"], name="range")]
    if reduce:
        nodes.append(helper.make_node("ReduceSum", ["r"], ["y"], name="sum", keepdims=0))
    return model(nodes, [], [vi("y", I64, None)], bounds)


def expand_huge():
    shape = numpy_helper.from_array(np.array(BIG_SHAPE, np.int64), "shape")
    one = numpy_helper.from_array(np.array([1.0], np.float32), "one")
    return model([helper.make_node("Expand", ["one", "shape"], ["e"], name="expand"),
                  helper.make_node("Add", ["e", "e"], ["y"], name="add")],
                 [], [vi("y", F, None)], [one, shape])


MODELS = {
    "constant_of_shape_huge": lambda out: constant_of_shape_huge(),
    "range_huge": lambda out: range_huge(False),
    "range_sum_huge": lambda out: range_huge(True),
    "expand_huge": lambda out: expand_huge(),
    "conv_stride0": lambda out: conv(strides=[0, 1]),
    "conv_kernel0": lambda out: conv(kernel_shape=[0, 3]),
    "conv_dilation0": lambda out: conv(dilations=[1, 0]),
    "conv_group0": lambda out: conv(group=0),
    "conv_pads_negative": lambda out: conv(pads=[-1, 0, 0, 0]),
    "conv_pads_absurd": lambda out: conv(pads=[2**40, 0, 0, 0]),
    "pool_stride0": lambda out: pool(kernel_shape=[2, 2], strides=[0, 0]),
    "lstm_scalar_x": lambda out: recurrent("LSTM", []),
    "gru_scalar_x": lambda out: recurrent("GRU", []),
    "opset99": lambda out: model([helper.make_node("Relu", ["x"], ["y"])],
                                 [vi("x", F, [4])], [vi("y", F, [4])], opset=99),
    "duplicate_outputs": lambda out: duplicate_outputs(),
    "negative_dim": lambda out: negative_dim(),
    "huge_initializer": lambda out: huge_initializer(),
    "concat_axis": lambda out: concat_axis(),
    "transpose_perm": lambda out: transpose_perm(),
    "external_dotdot": lambda out: external(out, "../weights.bin"),
    "external_nested_dotdot": lambda out: external(out, "sub/../../weights.bin"),
    "external_short": lambda out: external(out, "weights.bin", length=16, size=8),
    "external_offset": lambda out: external(out, "weights.bin", offset=64, size=16),
    "external_bad_length": lambda out: external(out, "weights.bin", length="12abc"),
    "external_ok": lambda out: external(out, "weights.bin", offset=0, length=16),
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit("usage: make_hostile.py {%s} OUT.onnx" % ",".join(sorted(MODELS)))
    out = sys.argv[2]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    m = MODELS[sys.argv[1]](os.path.abspath(out))
    with open(out, "wb") as f:
        f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
