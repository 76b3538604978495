// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// CHECK-LABEL: func.func @activations
// CHECK: whittle.unary relu %arg0
// CHECK: whittle.unary leaky_relu %{{.*}} {alpha = 2.000000e-01 : f32}
// CHECK: whittle.unary hard_sigmoid %{{.*}} {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32}
// CHECK: whittle.unary sigmoid
// CHECK: whittle.unary tanh
// CHECK: whittle.unary erf
// CHECK-NOT: onnx.
func.func @activations(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.Relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.LeakyRelu"(%0) {alpha = 0.2 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %2 = "onnx.HardSigmoid"(%1) {alpha = 0.166666672 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %3 = "onnx.Sigmoid"(%2) : (tensor<4xf32>) -> tensor<4xf32>
  %4 = "onnx.Tanh"(%3) : (tensor<4xf32>) -> tensor<4xf32>
  %5 = "onnx.Erf"(%4) : (tensor<4xf32>) -> tensor<4xf32>
  return %5 : tensor<4xf32>
}

// -----

// Constant Clip bounds become parameters; an absent bound stays absent.
// CHECK-LABEL: func.func @clip_const
// CHECK: whittle.unary clip %arg0 {beta = 6.000000e+00 : f32}
func.func @clip_const(%x: tensor<4xf32>) -> tensor<4xf32> {
  %hi = "onnx.Constant"() {value = dense<6.0> : tensor<f32>} : () -> tensor<f32>
  %y = "onnx.Clip"(%x, %hi) {operandSegmentSizes = array<i32: 1, 0, 1>} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Run-time Clip bounds become max/min.
// CHECK-LABEL: func.func @clip_dynamic
// CHECK: %[[LO:.+]] = whittle.binary max %arg0, %arg1
// CHECK: whittle.binary min %[[LO]], %arg2
func.func @clip_dynamic(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<4xf32> {
  %y = "onnx.Clip"(%x, %lo, %hi) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @binaries
// CHECK: whittle.binary add %arg0, %arg1 : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: whittle.binary pow
// CHECK: whittle.binary eq {{.*}} -> tensor<2x3xi1>
// CHECK: whittle.select
// CHECK: whittle.binary fmod
func.func @binaries(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = "onnx.Pow"(%0, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = "onnx.Equal"(%1, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %3 = "onnx.Where"(%2, %1, %a) : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = "onnx.Mod"(%3, %b) {fmod = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %4 : tensor<2x3xf32>
}

// -----

// Variadic Mean: a chain of adds, then a division by the count.
// CHECK-LABEL: func.func @mean
// CHECK: %[[N:.+]] = whittle.constant dense<3.000000e+00> : tensor<f32>
// CHECK: %[[S0:.+]] = whittle.binary add %arg0, %arg1 : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
// CHECK: %[[S1:.+]] = whittle.binary add %[[S0]], %arg0
// CHECK: whittle.binary div %[[S1]], %[[N]]
func.func @mean(%a: tensor<4xf32>, %b: tensor<1xf32>) -> tensor<4xf32> {
  %y = "onnx.Mean"(%a, %b, %a) : (tensor<4xf32>, tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast
// CHECK: whittle.cast %arg0 : tensor<4xf32> -> tensor<4xi64>
func.func @cast(%x: tensor<4xf32>) -> tensor<4xi64> {
  %y = "onnx.Cast"(%x) {to = 7 : i64} : (tensor<4xf32>) -> tensor<4xi64>
  return %y : tensor<4xi64>
}
