"""Writes qlinear/: com.microsoft QLinearAdd and QLinearMul with constant
scales on every pair of int8 values, a uint8 QLinearConv whose sums can
pass 2^24 (600 inputs of up to 255 x 127: accumulated in i32), a uint8
QLinearSigmoid (a table) on every value, a QLinearMatMul with per-column
weight scales (f32 accumulation), and ONNX Runtime's outputs.

The add/mul parameters are ones where rounding the products and sums
separately (instead of as ORT's fused multiply-adds) gives other values
for some pairs; the second add's, ones where the fmas' order matters
(1,273 pairs differ when b's product is rounded last).
Run once with onnxruntime-node available (ORT_NODE); the test reads the
files it writes.
usage: /usr/bin/python3 qlinear_binary.py OUTDIR ORT_REF_JS
"""
import json, os, subprocess, sys
import numpy as np
from onnx import TensorProto as TP, helper as h, numpy_helper as nh, save

out, ort_ref = sys.argv[1], sys.argv[2]
allv = np.arange(-128, 128, dtype=np.int8)
a, b = np.repeat(allv, 256), np.tile(allv, 256)
rng = np.random.default_rng(7)
x = rng.integers(0, 256, size=(1, 600, 2, 2)).astype(np.uint8)
x[0, :, 0, 0] = 255
u = np.arange(256, dtype=np.uint8)
mm = rng.integers(0, 256, size=(8, 64)).astype(np.uint8)
inits = {'sa': np.array(0.011, np.float32), 'za': np.array(100, np.int8),
         'sb': np.array(0.07, np.float32), 'zb': np.array(-50, np.int8),
         'sc': np.array(0.9, np.float32), 'zc': np.array(-128, np.int8),
         'ma': np.array(0.02, np.float32), 'mza': np.array(-3, np.int8),
         'mb': np.array(0.05, np.float32), 'mzb': np.array(7, np.int8),
         'mc': np.array(0.03, np.float32), 'mzc': np.array(1, np.int8),
         'sx': np.array(0.004, np.float32), 'zx': np.array(0, np.uint8),
         'w': np.concatenate([np.full((1, 600, 1, 1), 127, np.int8),
                              rng.integers(-127, 128, size=(2, 600, 1, 1)).astype(np.int8)]),
         'sw': np.array([0.002, 0.003, 0.0025], np.float32), 'zw': np.zeros(3, np.int8),
         'sy': np.array(0.6, np.float32), 'zy': np.array(10, np.uint8),
         'su': np.array(0.05, np.float32), 'zu': np.array(128, np.uint8),
         'sv': np.array(1 / 256, np.float32), 'zv': np.array(0, np.uint8),
         'sm': np.array(0.02, np.float32), 'zm': np.array(121, np.uint8),
         'mw': rng.integers(-127, 128, size=(64, 24)).astype(np.int8),
         'smw': rng.uniform(0.001, 0.01, size=24).astype(np.float32), 'zmw': np.zeros(24, np.int8),
         'smy': np.array(0.7, np.float32), 'zmy': np.array(131, np.uint8),
         'ta': np.array(0.1, np.float32), 'tza': np.array(-2, np.int8),
         'tb': np.array(0.05, np.float32), 'tzb': np.array(3, np.int8),
         'tc': np.array(0.12, np.float32), 'tzc': np.array(1, np.int8)}
nodes = [h.make_node('QLinearAdd', ['a', 'sa', 'za', 'b', 'sb', 'zb', 'sc', 'zc'], ['sum'], domain='com.microsoft'),
         h.make_node('QLinearMul', ['a', 'ma', 'mza', 'b', 'mb', 'mzb', 'mc', 'mzc'], ['prod'], domain='com.microsoft'),
         h.make_node('QLinearConv', ['x', 'sx', 'zx', 'w', 'sw', 'zw', 'sy', 'zy'], ['conv']),
         h.make_node('QLinearSigmoid', ['u', 'su', 'zu', 'sv', 'zv'], ['sig'], domain='com.microsoft'),
         h.make_node('QLinearMatMul', ['mm', 'sm', 'zm', 'mw', 'smw', 'zmw', 'smy', 'zmy'], ['mmy']),
         h.make_node('QLinearAdd', ['a', 'ta', 'tza', 'b', 'tb', 'tzb', 'tc', 'tzc'], ['sum2'], domain='com.microsoft')]
vi = lambda n: h.make_tensor_value_info(n, TP.INT8, [65536])
ui = lambda n, shape: h.make_tensor_value_info(n, TP.UINT8, shape)
g = h.make_graph(nodes, 'qlinear',
                 [vi('a'), vi('b'), ui('x', [1, 600, 2, 2]), ui('u', [256]), ui('mm', [8, 64])],
                 [vi('sum'), vi('prod'), ui('conv', [1, 3, 2, 2]), ui('sig', [256]),
                  ui('mmy', [8, 24]), vi('sum2')],
                 [nh.from_array(v, k) for k, v in inits.items()])
m = h.make_model(g, opset_imports=[h.make_opsetid('', 13), h.make_opsetid('com.microsoft', 1)], ir_version=7)
os.makedirs(os.path.join(out, 'test_data_set_0'), exist_ok=True)
save(m, os.path.join(out, 'model.onnx'))
spec = {'inputs': []}
for k, (n, v) in enumerate((('a', a), ('b', b), ('x', x), ('u', u), ('mm', mm))):
    v.tofile(os.path.join(out, f'in{k}.bin'))
    spec['inputs'].append({'name': n, 'dtype': str(v.dtype), 'dims': list(v.shape), 'file': f'in{k}.bin'})
    with open(os.path.join(out, 'test_data_set_0', f'input_{k}.pb'), 'wb') as f:
        f.write(nh.from_array(v, n).SerializeToString())
with open(os.path.join(out, 'spec.json'), 'w') as f:
    json.dump(spec, f)
subprocess.run(['node', ort_ref, os.path.join(out, 'model.onnx'), os.path.join(out, 'spec.json'),
                os.path.join(out, 'ort')], check=True)
outs = json.load(open(os.path.join(out, 'ort', 'outputs.json')))['outputs']
for k, o in enumerate(outs):
    v = np.fromfile(os.path.join(out, 'ort', o['file']), dtype=o['dtype']).reshape(o['dims'])
    with open(os.path.join(out, 'test_data_set_0', f'output_{k}.pb'), 'wb') as f:
        f.write(nh.from_array(v, o['name']).SerializeToString())
for junk in ('in0.bin', 'in1.bin', 'in2.bin', 'in3.bin', 'in4.bin', 'spec.json'):
    os.remove(os.path.join(out, junk))
subprocess.run(['rm', '-rf', os.path.join(out, 'ort')], check=True)
