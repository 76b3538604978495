// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// Run-time bounds with a static length: start + iota * delta.
// CHECK-LABEL: func.func @range_runtime
// CHECK: %[[IOTA:.+]] = whittle.constant dense<[0.000000e+00, 1.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK: %[[STEP:.+]] = whittle.binary mul %[[IOTA]], %{{.*}} : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
// CHECK: whittle.binary add %{{.*}}, %[[STEP]]
func.func @range_runtime(%s: tensor<f32>, %l: tensor<f32>, %d: tensor<f32>) -> tensor<3xf32> {
  %y = "onnx.Range"(%s, %l, %d) : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @eyelike_size
// CHECK: whittle.constant dense<{{\[}}[0, 1, 0], [0, 0, 1]]> : tensor<2x3xi32>
// CHECK: whittle.constant dense<6> : tensor<i64>
func.func @eyelike_size(%x: tensor<2x3xf32>) -> (tensor<2x3xi32>, tensor<i64>) {
  %0 = "onnx.EyeLike"(%x) {k = 1 : i64, dtype = 6 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi32>
  %1 = "onnx.Size"(%x) : (tensor<2x3xf32>) -> tensor<i64>
  return %0, %1 : tensor<2x3xi32>, tensor<i64>
}

// -----

// The depth is the result's size along the axis; negative indices wrap.
// CHECK-LABEL: func.func @onehot
// CHECK: whittle.binary lt
// CHECK: whittle.select
// CHECK: whittle.reshape %{{.*}} : (tensor<3xi64>) -> tensor<3x1xi64>
// CHECK: %[[HIT:.+]] = whittle.binary eq %{{.*}}, %{{.*}} : (tensor<3x1xi64>, tensor<1x4xi64>) -> tensor<3x4xi1>
// CHECK: whittle.select %[[HIT]]
func.func @onehot(%i: tensor<3xi64>, %d: tensor<i64>, %v: tensor<2xf32>) -> tensor<3x4xf32> {
  %y = "onnx.OneHot"(%i, %d, %v) : (tensor<3xi64>, tensor<i64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Windows of a static length are constants (periodic: N' = N).
// CHECK-LABEL: func.func @hann
// CHECK: whittle.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 5.000000e-01]> : tensor<4xf32>
func.func @hann(%n: tensor<i32>) -> tensor<4xf32> {
  %y = "onnx.HannWindow"(%n) : (tensor<i32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}
