// RUN: whittle-opt %s -split-input-file -whittle-remove-no-ops | FileCheck %s

// CHECK-LABEL: func.func @no_ops
// CHECK-NOT: whittle.
// CHECK: return %arg0, %arg0, %arg0, %arg0, %arg0, %arg0, %arg0
func.func @no_ops(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = whittle.constant dense<0.0> : tensor<f32>
  %one = whittle.constant dense<1.0> : tensor<3xf32>
  %c = whittle.cast %x : tensor<2x3xf32> -> tensor<2x3xf32>
  %r = whittle.reshape %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %t = whittle.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %a = whittle.binary add %zero, %x : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = whittle.binary mul %x, %one : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %s = whittle.slice %x {starts = array<i64: 0, 0>, ends = array<i64: 2, 9223372036854775807>, steps = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  %k = whittle.concat %x {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %c, %r, %t, %a, %m, %s, %k : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Transpose pairs cancel or compose; reshape chains become one reshape.
// CHECK-LABEL: func.func @chains
// CHECK: %[[T:.*]] = whittle.transpose %arg0 {perm = array<i64: 2, 0, 1>}
// CHECK: %[[R:.*]] = whittle.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
// CHECK: return %arg0, %[[T]], %[[R]]
func.func @chains(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<6x4xf32>) {
  %a = whittle.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %b = whittle.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<3x4x2xf32> -> tensor<2x3x4xf32>
  %c = whittle.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<2x3x4xf32> -> tensor<2x4x3xf32>
  %d = whittle.transpose %c {perm = array<i64: 1, 0, 2>} : tensor<2x4x3xf32> -> tensor<4x2x3xf32>
  %e = whittle.reshape %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %f = whittle.reshape %e : (tensor<24xf32>) -> tensor<6x4xf32>
  return %b, %d, %f : tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<6x4xf32>
}

// -----

// Negative: casts that change the type, + 0 that broadcasts, * 2, a
// partial slice, x - y.
// CHECK-LABEL: func.func @not_no_ops
// CHECK: whittle.cast
// CHECK: whittle.binary add
// CHECK: whittle.binary mul
// CHECK: whittle.slice
// CHECK: whittle.binary sub
func.func @not_no_ops(%x: tensor<3xf32>, %y: tensor<3xf32>) -> (tensor<3xf64>, tensor<2x3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<3xf32>) {
  %zero = whittle.constant dense<0.0> : tensor<2x3xf32>
  %two = whittle.constant dense<2.0> : tensor<f32>
  %c = whittle.cast %x : tensor<3xf32> -> tensor<3xf64>
  %a = whittle.binary add %x, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = whittle.binary mul %x, %two : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  %s = whittle.slice %x {starts = array<i64: 1>, ends = array<i64: 3>, steps = array<i64: 1>} : tensor<3xf32> -> tensor<2xf32>
  %d = whittle.binary sub %x, %y : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %c, %a, %m, %s, %d : tensor<3xf64>, tensor<2x3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<3xf32>
}
