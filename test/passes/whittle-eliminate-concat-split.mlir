// RUN: whittle-opt %s -split-input-file -whittle-eliminate-concat-split | FileCheck %s

// CHECK-LABEL: func.func @split_of_concat
// CHECK-NOT: whittle.concat
// CHECK-NOT: whittle.split
// CHECK: return %arg1, %arg0
func.func @split_of_concat(%a: tensor<1x2x4xf32>, %b: tensor<1x3x4xf32>) -> (tensor<1x3x4xf32>, tensor<1x2x4xf32>) {
  %c = whittle.concat %a, %b {axis = 1 : i64} : (tensor<1x2x4xf32>, tensor<1x3x4xf32>) -> tensor<1x5x4xf32>
  %p:2 = whittle.split %c {axis = 1 : i64, sizes = array<i64: 2, 3>} : tensor<1x5x4xf32> -> tensor<1x2x4xf32>, tensor<1x3x4xf32>
  return %p#1, %p#0 : tensor<1x3x4xf32>, tensor<1x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @concat_of_split
// CHECK-NOT: whittle.concat
// CHECK: return %arg0
func.func @concat_of_split(%x: tensor<6x4xf32>) -> tensor<6x4xf32> {
  %p:3 = whittle.split %x {axis = 0 : i64, sizes = array<i64: 1, 2, 3>} : tensor<6x4xf32> -> tensor<1x4xf32>, tensor<2x4xf32>, tensor<3x4xf32>
  %c = whittle.concat %p#0, %p#1, %p#2 {axis = 0 : i64} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<6x4xf32>
  return %c : tensor<6x4xf32>
}

// -----

// CHECK-LABEL: func.func @slice_of_concat
// CHECK: return %arg1
func.func @slice_of_concat(%a: tensor<2x4xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %c = whittle.concat %a, %b {axis = 1 : i64} : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
  %s = whittle.slice %c {starts = array<i64: 0, 4>, ends = array<i64: 2, 7>, steps = array<i64: 1, 1>} : tensor<2x7xf32> -> tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}

// -----

// Negative: cuts that straddle the joins; pieces joined out of order; a
// slice across two inputs.
// CHECK-LABEL: func.func @kept
// CHECK: whittle.concat
// CHECK: whittle.split
// CHECK: whittle.concat
// CHECK: whittle.slice
func.func @kept(%a: tensor<2xf32>, %b: tensor<3xf32>, %x: tensor<4xf32>) -> (tensor<1xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>) {
  %c = whittle.concat %a, %b {axis = 0 : i64} : (tensor<2xf32>, tensor<3xf32>) -> tensor<5xf32>
  %p:2 = whittle.split %c {axis = 0 : i64, sizes = array<i64: 1, 4>} : tensor<5xf32> -> tensor<1xf32>, tensor<4xf32>
  %q:2 = whittle.split %x {axis = 0 : i64, sizes = array<i64: 2, 2>} : tensor<4xf32> -> tensor<2xf32>, tensor<2xf32>
  %r = whittle.concat %q#1, %q#0 {axis = 0 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<4xf32>
  %s = whittle.slice %c {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 1>} : tensor<5xf32> -> tensor<2xf32>
  return %p#0, %p#1, %r, %s : tensor<1xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>
}
