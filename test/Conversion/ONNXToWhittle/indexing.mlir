// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// Negative axes are normalized.
// CHECK-LABEL: func.func @gather_elements
// CHECK: whittle.gather_elements %arg0[%arg1] {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
// CHECK-NOT: onnx.
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %y = "onnx.GatherElements"(%x, %i) {axis = -1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @gather_nd
// CHECK: whittle.gather_nd %arg0[%arg1] {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  %y = "onnx.GatherND"(%x, %i) {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func.func @scatters
// CHECK: whittle.scatter_elements add %arg0[%arg1], %arg2 {axis = 0 : i64}
// CHECK: whittle.scatter_nd none %arg0[%arg3], %arg4
func.func @scatters(%d: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>, %ni: tensor<1x1xi64>, %nu: tensor<1x3xf32>) -> (tensor<3x3xf32>, tensor<3x3xf32>) {
  %0 = "onnx.ScatterElements"(%d, %i, %u) {axis = -2 : i64, reduction = "add"} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  %1 = "onnx.ScatterND"(%d, %ni, %nu) : (tensor<3x3xf32>, tensor<1x1xi64>, tensor<1x3xf32>) -> tensor<3x3xf32>
  return %0, %1 : tensor<3x3xf32>, tensor<3x3xf32>
}

// -----

// A reduction the whittle op does not know stays ONNX.
// CHECK-LABEL: func.func @scatter_unknown_reduction
// CHECK: onnx.ScatterElements
func.func @scatter_unknown_reduction(%d: tensor<3xf32>, %i: tensor<1xi64>, %u: tensor<1xf32>) -> tensor<3xf32> {
  %0 = "onnx.ScatterElements"(%d, %i, %u) {reduction = "xor"} : (tensor<3xf32>, tensor<1xi64>, tensor<1xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Inside a sequence the time index is len - 1 - t, past its end t.
// CHECK-LABEL: func.func @reverse_sequence
// CHECK: whittle.binary lt
// CHECK: whittle.select
// CHECK: whittle.broadcast
// CHECK: whittle.gather_elements %arg0[%{{.*}}] {axis = 1 : i64}
func.func @reverse_sequence(%x: tensor<4x4xf32>, %l: tensor<4xi64>) -> tensor<4x4xf32> {
  %y = "onnx.ReverseSequence"(%x, %l) {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x4xf32>, tensor<4xi64>) -> tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// An explicit output shape re-places the default shape's flat indices.
// CHECK-LABEL: func.func @max_unpool_shape
// CHECK: whittle.binary mod
// CHECK: whittle.scatter_elements none %{{.*}}[%{{.*}}], %{{.*}} {axis = 0 : i64} : (tensor<25xf32>, tensor<4xi64>, tensor<4xf32>) -> tensor<25xf32>
func.func @max_unpool_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>, %s: tensor<4xi64>) -> tensor<1x1x5x5xf32> {
  %y = "onnx.MaxUnpool"(%x, %i, %s) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %y : tensor<1x1x5x5xf32>
}

// -----

// TopK's k comes from the declared result; Det keeps the batch dims.
// CHECK-LABEL: func.func @top_k_det
// CHECK: whittle.top_k %arg0 {axis = 1 : i64, smallest} : tensor<3x4xf32> -> tensor<3x2xf32>, tensor<3x2xi64>
// CHECK: whittle.det %arg2 : tensor<3x2x2xf32> -> tensor<3xf32>
func.func @top_k_det(%x: tensor<3x4xf32>, %k: tensor<1xi64>, %m: tensor<3x2x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xi64>, tensor<3xf32>) {
  %v, %i = "onnx.TopK"(%x, %k) {axis = -1 : i64, largest = 0 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x2xf32>, tensor<3x2xi64>)
  %d = "onnx.Det"(%m) : (tensor<3x2x2xf32>) -> tensor<3xf32>
  return %v, %i, %d : tensor<3x2xf32>, tensor<3x2xi64>, tensor<3xf32>
}

// -----

// Compress gathers along the axis at NonZero(condition), sized by the
// declared output.
// CHECK-LABEL: func.func @compress
// CHECK: whittle.nonzero %arg1 : tensor<3xi1> -> tensor<1x2xi64>
// CHECK: whittle.gather %arg0[%{{.*}}] {axis = 0 : i64} : (tensor<3x2xf32>, tensor<2xi64>) -> tensor<2x2xf32>
func.func @compress(%x: tensor<3x2xf32>, %c: tensor<3xi1>) -> tensor<2x2xf32> {
  %y = "onnx.Compress"(%x, %c) {axis = 0 : i64} : (tensor<3x2xf32>, tensor<3xi1>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
