// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// Tile: spread, broadcast, merge; the repeats come from the result shape.
// CHECK-LABEL: func.func @tile
// CHECK: whittle.reshape %arg0 : (tensor<2x3xf32>) -> tensor<1x2x1x3xf32>
// CHECK: whittle.broadcast %{{.*}} : (tensor<1x2x1x3xf32>) -> tensor<2x2x3x3xf32>
// CHECK: whittle.reshape %{{.*}} : (tensor<2x2x3x3xf32>) -> tensor<4x9xf32>
// CHECK-NOT: onnx.
func.func @tile(%x: tensor<2x3xf32>, %r: tensor<2xi64>) -> tensor<4x9xf32> {
  %y = "onnx.Tile"(%x, %r) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x9xf32>
  return %y : tensor<4x9xf32>
}

// -----

// CHECK-LABEL: func.func @depth_to_space
// CHECK: whittle.reshape %arg0 : (tensor<1x8x2x3xf32>) -> tensor<1x2x2x2x2x3xf32>
// CHECK: whittle.transpose %{{.*}} {perm = array<i64: 0, 3, 4, 1, 5, 2>}
// CHECK: whittle.reshape %{{.*}} -> tensor<1x2x4x6xf32>
// CHECK: whittle.transpose %{{.*}} {perm = array<i64: 0, 1, 4, 2, 5, 3>}
func.func @depth_to_space(%x: tensor<1x8x2x3xf32>) -> (tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>) {
  %0 = "onnx.DepthToSpace"(%x) {blocksize = 2 : i64} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  %1 = "onnx.DepthToSpace"(%x) {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0, %1 : tensor<1x2x4x6xf32>, tensor<1x2x4x6xf32>
}

// -----

// CHECK-LABEL: func.func @space_to_depth
// CHECK: whittle.reshape %arg0 : (tensor<1x2x4x6xf32>) -> tensor<1x2x2x2x3x2xf32>
// CHECK: whittle.transpose %{{.*}} {perm = array<i64: 0, 3, 5, 1, 2, 4>}
// CHECK: whittle.reshape %{{.*}} -> tensor<1x8x2x3xf32>
func.func @space_to_depth(%x: tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32> {
  %0 = "onnx.SpaceToDepth"(%x) {blocksize = 2 : i64} : (tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32>
  return %0 : tensor<1x8x2x3xf32>
}

// -----

// Implicit results are written out (letters used once, sorted); ellipses
// get letters the equation does not use.
// CHECK-LABEL: func.func @einsum
// CHECK: whittle.einsum "ij,jk->ik" %arg0, %arg1
// CHECK: whittle.einsum "zii->zi" %arg2
func.func @einsum(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<5x3x3xf32>) -> (tensor<2x4xf32>, tensor<5x3xf32>) {
  %0 = "onnx.Einsum"(%a, %b) {equation = "ij, jk"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = "onnx.Einsum"(%c) {equation = "...ii ->...i"} : (tensor<5x3x3xf32>) -> tensor<5x3xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<5x3xf32>
}
