// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// CHECK-LABEL: func.func @instance_norm
// CHECK: whittle.reduce mean %arg0 {axes = array<i64: 2, 3>, keep_dims} : tensor<2x3x4x5xf32> -> tensor<2x3x1x1xf32>
// CHECK: whittle.binary sub
// CHECK: whittle.reduce mean
// CHECK: whittle.unary sqrt
// CHECK: whittle.unary reciprocal
// CHECK: whittle.reshape %arg1 : (tensor<3xf32>) -> tensor<3x1x1xf32>
// CHECK: whittle.reshape %arg2 : (tensor<3xf32>) -> tensor<3x1x1xf32>
func.func @instance_norm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %y = "onnx.InstanceNormalization"(%x, %s, %b) : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %y : tensor<2x3x4x5xf32>
}

// -----

// The channel window sum is an average pool with count_include_pad.
// CHECK-LABEL: func.func @lrn
// CHECK: whittle.reshape %{{.*}} : (tensor<1x5x2x2xf32>) -> tensor<1x1x5x4xf32>
// CHECK: whittle.pool avg %{{.*}} {count_include_pad, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 1>, pads = array<i64: 1, 0, 1, 0>, strides = array<i64: 1, 1>}
// CHECK: whittle.binary pow
// CHECK: whittle.binary div %arg0
func.func @lrn(%x: tensor<1x5x2x2xf32>) -> tensor<1x5x2x2xf32> {
  %y = "onnx.LRN"(%x) {size = 3 : i64} : (tensor<1x5x2x2xf32>) -> tensor<1x5x2x2xf32>
  return %y : tensor<1x5x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @hardmax
// CHECK: %[[ARG:.+]] = whittle.arg_reduce max %arg0 {axis = 1 : i64, keep_dims} : tensor<3x4xf32> -> tensor<3x1xi64>
// CHECK: %[[HIT:.+]] = whittle.binary eq %{{.*}}, %[[ARG]] : (tensor<1x4xi64>, tensor<3x1xi64>) -> tensor<3x4xi1>
// CHECK: whittle.cast %[[HIT]] : tensor<3x4xi1> -> tensor<3x4xf32>
func.func @hardmax(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %y = "onnx.Hardmax"(%x) : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// ONNX's function body: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9).
// CHECK-LABEL: func.func @mvn
// CHECK: whittle.reduce mean %arg0 {axes = array<i64: 0, 2, 3>, keep_dims} : tensor<3x3x3x1xf32> -> tensor<1x3x1x1xf32>
// CHECK: whittle.binary mul %arg0, %arg0
// CHECK: whittle.reduce mean
// CHECK: whittle.unary sqrt
// CHECK: whittle.binary div
func.func @mvn(%x: tensor<3x3x3x1xf32>) -> tensor<3x3x3x1xf32> {
  %y = "onnx.MeanVarianceNormalization"(%x) : (tensor<3x3x3x1xf32>) -> tensor<3x3x3x1xf32>
  return %y : tensor<3x3x3x1xf32>
}

// -----

// Training mode: batch statistics, blended into the running ones.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK: whittle.reduce mean %arg0 {axes = array<i64: 0, 2, 3>, keep_dims} : tensor<2x3x4x5xf32> -> tensor<1x3x1x1xf32>
// CHECK: whittle.reshape %{{.*}} : (tensor<1x3x1x1xf32>) -> tensor<3xf32>
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>
// CHECK-NOT: onnx.BatchNormalization
func.func @batch_norm_training(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) {
  %y, %rm, %rv = "onnx.BatchNormalization"(%x, %s, %b, %m, %v) {resultSegmentSizes = array<i32: 1, 1, 1>, training_mode = 1 : i64} : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>)
  return %y, %rm, %rv : tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>
}
