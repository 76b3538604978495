// RUN: whittle-opt %s | whittle-opt | FileCheck %s

// Generic-form round trips of generated ops: optional operands and results
// (segment sizes), variadic operands, attributes, regions, custom types.

// CHECK-LABEL: func.func @conv
func.func @conv(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: "onnx.Conv"(%{{.*}}, %{{.*}}) <{auto_pad = "NOTSET", group = 1 : i64, pads = array<i64: 1, 1, 1, 1>}>
  %y = "onnx.Conv"(%x, %w) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func.func @clip_max_only
func.func @clip_max_only(%x: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  // CHECK: "onnx.Clip"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}>
  %y = "onnx.Clip"(%x, %hi) {operandSegmentSizes = array<i32: 1, 0, 1>} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @concat
func.func @concat(%a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<5xf32> {
  // CHECK: "onnx.Concat"(%{{.*}}, %{{.*}}) <{axis = 0 : i64}>
  %y = "onnx.Concat"(%a, %b) {axis = 0 : i64} : (tensor<2xf32>, tensor<3xf32>) -> tensor<5xf32>
  return %y : tensor<5xf32>
}

// CHECK-LABEL: func.func @if
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: "onnx.If"
  // CHECK: onnx.Yield
  %y = "onnx.If"(%c) ({
    %n = "onnx.Neg"(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  }, {
    onnx.Yield %a : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// CHECK-LABEL: func.func @sequence
func.func @sequence(%a: tensor<2xf32>) -> !onnx.seq<tensor<2xf32>> {
  // CHECK: "onnx.SequenceConstruct"{{.*}} -> !onnx.seq<tensor<2xf32>>
  %s = "onnx.SequenceConstruct"(%a, %a) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  return %s : !onnx.seq<tensor<2xf32>>
}

// CHECK-LABEL: func.func @custom
func.func @custom(%x: tensor<4xui8>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<4xui8> {
  // CHECK: onnx.NoValue
  // CHECK: "onnx.Custom"{{.*}}domain = "com.microsoft", op_type = "QLinearSigmoid", version = 1 : i64}> {alpha = 1.000000e-01 : f32}
  %none = onnx.NoValue
  %y = "onnx.Custom"(%x, %s, %z, %none) <{domain = "com.microsoft", op_type = "QLinearSigmoid", version = 1 : i64}> {alpha = 0.1 : f32} : (tensor<4xui8>, tensor<f32>, tensor<ui8>, none) -> tensor<4xui8>
  return %y : tensor<4xui8>
}
