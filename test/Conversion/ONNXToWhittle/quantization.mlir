// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// QDQ: raw integers enter and leave the quantized world by storage casts.
// CHECK-LABEL: func.func @qdq
// CHECK: %[[Q:.+]] = whittle.quantize %arg0 : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 5.000000e-01:10>>
// CHECK: %[[R:.+]] = whittle.storage_cast %[[Q]] : tensor<4x!quant.uniform<u8:f32, 5.000000e-01:10>> -> tensor<4xui8>
// CHECK: return %[[R]]
func.func @qdq(%x: tensor<4xf32>) -> tensor<4xui8> {
  %s = "onnx.Constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %z = "onnx.Constant"() {value = dense<10> : tensor<ui8>} : () -> tensor<ui8>
  %q = "onnx.QuantizeLinear"(%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

// DequantizeLinear straight after QuantizeLinear: the casts fold away.
// CHECK-LABEL: func.func @roundtrip
// CHECK: %[[Q:.+]] = whittle.quantize %arg0
// CHECK-NOT: whittle.storage_cast
// CHECK: whittle.dequantize %[[Q]] : tensor<4x!quant.uniform<i8:f32, 2.500000e-01:-3>> -> tensor<4xf32>
func.func @roundtrip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = "onnx.Constant"() {value = dense<0.25> : tensor<f32>} : () -> tensor<f32>
  %z = "onnx.Constant"() {value = dense<-3> : tensor<i8>} : () -> tensor<i8>
  %q = "onnx.QuantizeLinear"(%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
  %d = "onnx.DequantizeLinear"(%q, %s, %z) : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// QLinearConv: a whittle.conv on quantized types, the filter per channel
// and the int32 bias at x_scale * w_scale.
// CHECK-LABEL: func.func @qlinear_conv
// CHECK: whittle.conv %{{.*}}, %{{.*}} bias %{{.*}} {{.*}} : (tensor<1x2x4x4x!quant.uniform<i8:f32, 5.000000e-01:1>>, tensor<2x2x1x1x!quant.uniform<i8:f32:0, {0.1000000{{[0-9]+}},0.2000000{{[0-9]+}}}>>, tensor<2x!quant.uniform<i32:f32:0, {0.0500000{{[0-9]+}},0.1000000{{[0-9]+}}}>>) -> tensor<1x2x4x4x!quant.uniform<i8:f32, 2.500000e-01:-2>>
func.func @qlinear_conv(%x: tensor<1x2x4x4xi8>, %w: tensor<2x2x1x1xi8>, %b: tensor<2xi32>) -> tensor<1x2x4x4xi8> {
  %xs = "onnx.Constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %xz = "onnx.Constant"() {value = dense<1> : tensor<i8>} : () -> tensor<i8>
  %ws = "onnx.Constant"() {value = dense<[0.1, 0.2]> : tensor<2xf32>} : () -> tensor<2xf32>
  %wz = "onnx.Constant"() {value = dense<0> : tensor<2xi8>} : () -> tensor<2xi8>
  %ys = "onnx.Constant"() {value = dense<0.25> : tensor<f32>} : () -> tensor<f32>
  %yz = "onnx.Constant"() {value = dense<-2> : tensor<i8>} : () -> tensor<i8>
  %y = "onnx.QLinearConv"(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) : (tensor<1x2x4x4xi8>, tensor<f32>, tensor<i8>, tensor<2x2x1x1xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<i8>, tensor<2xi32>) -> tensor<1x2x4x4xi8>
  return %y : tensor<1x2x4x4xi8>
}

// -----

// com.microsoft QLinear ops, imported as onnx.Custom, have handlers too.
// CHECK-LABEL: func.func @contrib
// CHECK: whittle.unary leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32} : tensor<4x!quant.uniform<u8:f32, 5.000000e-01:128>> -> tensor<4x!quant.uniform<u8:f32, 2.500000e-01:128>>
// CHECK: whittle.binary add
// CHECK-NOT: onnx.Custom
func.func @contrib(%x: tensor<4xui8>) -> tensor<4xui8> {
  %s = "onnx.Constant"() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %s2 = "onnx.Constant"() {value = dense<0.25> : tensor<f32>} : () -> tensor<f32>
  %z = "onnx.Constant"() {value = dense<128> : tensor<ui8>} : () -> tensor<ui8>
  %r = "onnx.Custom"(%x, %s, %z, %s2, %z) <{domain = "com.microsoft", op_type = "QLinearLeakyRelu", version = 1 : i64}> {alpha = 0.1 : f32} : (tensor<4xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  %a = "onnx.Custom"(%r, %s2, %z, %x, %s, %z, %s, %z) <{domain = "com.microsoft", op_type = "QLinearAdd", version = 1 : i64}> : (tensor<4xui8>, tensor<f32>, tensor<ui8>, tensor<4xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<4xui8>
  return %a : tensor<4xui8>
}

// -----

// A scale that is not a constant keeps the op in onnx.
// CHECK-LABEL: func.func @dynamic_scale
// CHECK: "onnx.QuantizeLinear"
func.func @dynamic_scale(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xui8> {
  %q = "onnx.QuantizeLinear"(%x, %s) {operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<4xf32>, tensor<f32>) -> tensor<4xui8>
  return %q : tensor<4xui8>
}

// -----

// Run-time scales: no !quant.uniform type; the formula in arithmetic.
// CHECK-LABEL: func.func @quantize_runtime_scale
// CHECK: %[[ZP:.+]] = whittle.cast %arg2 : tensor<ui8> -> tensor<f32>
// CHECK: %[[Q:.+]] = whittle.binary div %arg0, %arg1
// CHECK: %[[R:.+]] = whittle.unary round %[[Q]]
// CHECK: %[[S:.+]] = whittle.binary add %[[R]], %[[ZP]]
// CHECK: %[[C:.+]] = whittle.unary clip %[[S]] {alpha = 0.000000e+00 : f32, beta = 2.550000e+02 : f32}
// CHECK: whittle.cast %[[C]] : tensor<6xf32> -> tensor<6xui8>
// CHECK-NOT: quant.uniform
func.func @quantize_runtime_scale(%x: tensor<6xf32>, %s: tensor<f32>, %zp: tensor<ui8>) -> tensor<6xui8> {
  %y = "onnx.QuantizeLinear"(%x, %s, %zp) : (tensor<6xf32>, tensor<f32>, tensor<ui8>) -> tensor<6xui8>
  return %y : tensor<6xui8>
}

// -----

// MatMulInteger: centered int32 operands, an exact int32 matmul.
// CHECK-LABEL: func.func @matmul_integer
// CHECK: %[[A:.+]] = whittle.cast %arg0 : tensor<4x3xui8> -> tensor<4x3xi32>
// CHECK: whittle.binary sub %[[A]]
// CHECK: whittle.matmul %{{.*}}, %{{.*}} : (tensor<4x3xi32>, tensor<3x2xi32>) -> tensor<4x2xi32>
func.func @matmul_integer(%a: tensor<4x3xui8>, %b: tensor<3x2xui8>, %za: tensor<1xui8>, %zb: tensor<1xui8>) -> tensor<4x2xi32> {
  %y = "onnx.MatMulInteger"(%a, %b, %za, %zb) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> : (tensor<4x3xui8>, tensor<3x2xui8>, tensor<1xui8>, tensor<1xui8>) -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}
