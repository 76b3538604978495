// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// Weighted mean with ignore_index: ignored targets point at class 0, their
// weight is 0, and the sum is divided by the sum of the applied weights.
// CHECK-LABEL: func.func @nll_weighted_mean
// CHECK: %[[MASK:.+]] = whittle.binary eq %arg1, %{{.*}} : (tensor<2x5xi64>, tensor<i64>) -> tensor<2x5xi1>
// CHECK: %[[T:.+]] = whittle.select %[[MASK]], %{{.*}}, %arg1
// CHECK: %[[IDX:.+]] = whittle.reshape %[[T]] : (tensor<2x5xi64>) -> tensor<2x1x5xi64>
// CHECK: whittle.gather_elements %arg0[%[[IDX]]] {axis = 1 : i64}
// CHECK: whittle.unary neg
// CHECK: %[[W:.+]] = whittle.gather %arg2[%[[T]]] {axis = 0 : i64}
// CHECK: %[[WM:.+]] = whittle.select %[[MASK]], %{{.*}}, %[[W]]
// CHECK: %[[L:.+]] = whittle.binary mul %{{.*}}, %[[WM]]
// CHECK: %[[S:.+]] = whittle.reduce sum %[[L]]
// CHECK: %[[D:.+]] = whittle.reduce sum %[[WM]]
// CHECK: whittle.binary div %[[S]], %[[D]] : (tensor<f32>, tensor<f32>) -> tensor<f32>
// CHECK-NOT: onnx.
func.func @nll_weighted_mean(%x: tensor<2x3x5xf32>, %t: tensor<2x5xi64>, %w: tensor<3xf32>) -> tensor<f32> {
  %y = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %w) {ignore_index = 1 : i64} : (tensor<2x3x5xf32>, tensor<2x5xi64>, tensor<3xf32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

// Unweighted mean is a plain mean; "none" keeps the per-sample losses.
// CHECK-LABEL: func.func @nll_plain
// CHECK: whittle.reduce mean
// CHECK-NOT: whittle.gather %
// CHECK-LABEL: func.func @nll_none
// CHECK: whittle.unary neg %{{.*}} : tensor<4xf32> -> tensor<4xf32>
// CHECK-NOT: whittle.reduce
func.func @nll_plain(%x: tensor<4x3xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %y = "onnx.NegativeLogLikelihoodLoss"(%x, %t) : (tensor<4x3xf32>, tensor<4xi32>) -> tensor<f32>
  return %y : tensor<f32>
}
func.func @nll_none(%x: tensor<4x3xf32>, %t: tensor<4xi32>) -> tensor<4xf32> {
  %y = "onnx.NegativeLogLikelihoodLoss"(%x, %t) {reduction = "none"} : (tensor<4x3xf32>, tensor<4xi32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// SoftmaxCrossEntropyLoss: the NLL of the log-softmax, which is also the
// second result.
// CHECK-LABEL: func.func @sce
// CHECK: %[[LP:.+]] = whittle.softmax %arg0 {axis = 1 : i64, log} : tensor<4x3xf32>
// CHECK: whittle.gather_elements %[[LP]]
// CHECK: whittle.reduce sum
// CHECK: return %{{.*}}, %[[LP]]
func.func @sce(%x: tensor<4x3xf32>, %t: tensor<4xi64>) -> (tensor<f32>, tensor<4x3xf32>) {
  %y, %lp = "onnx.SoftmaxCrossEntropyLoss"(%x, %t) {reduction = "sum"} : (tensor<4x3xf32>, tensor<4xi64>) -> (tensor<f32>, tensor<4x3xf32>)
  return %y, %lp : tensor<f32>, tensor<4x3xf32>
}

// -----

// Dynamic shapes are not decomposed yet.
// CHECK-LABEL: func.func @nll_dynamic
// CHECK: onnx.NegativeLogLikelihoodLoss
func.func @nll_dynamic(%x: tensor<?x3xf32>, %t: tensor<?xi64>) -> tensor<f32> {
  %y = "onnx.NegativeLogLikelihoodLoss"(%x, %t) : (tensor<?x3xf32>, tensor<?xi64>) -> tensor<f32>
  return %y : tensor<f32>
}
