// RUN: whittle-opt %s -split-input-file -whittle-fold-transpose-into-matmul | FileCheck %s

// CHECK-LABEL: func.func @both_operands
// CHECK: %[[Y:.*]] = whittle.matmul %arg0, %arg1 {transpose_lhs, transpose_rhs}
// CHECK-NOT: whittle.transpose
// CHECK: return %[[Y]]
func.func @both_operands(%a: tensor<2x8x4xf32>, %b: tensor<2x5x8xf32>) -> tensor<2x4x5xf32> {
  %at = whittle.transpose %a {perm = array<i64: 0, 2, 1>} : tensor<2x8x4xf32> -> tensor<2x4x8xf32>
  %bt = whittle.transpose %b {perm = array<i64: 0, 2, 1>} : tensor<2x5x8xf32> -> tensor<2x8x5xf32>
  %y = whittle.matmul %at, %bt : (tensor<2x4x8xf32>, tensor<2x8x5xf32>) -> tensor<2x4x5xf32>
  return %y : tensor<2x4x5xf32>
}

// -----

// A flag already set toggles off.
// CHECK-LABEL: func.func @untranspose
// CHECK: whittle.matmul %arg0, %arg1 : (tensor<4x8xf32>, tensor<8x5xf32>)
func.func @untranspose(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>) -> tensor<4x5xf32> {
  %bt = whittle.transpose %b {perm = array<i64: 1, 0>} : tensor<8x5xf32> -> tensor<5x8xf32>
  %y = whittle.matmul %a, %bt {transpose_rhs} : (tensor<4x8xf32>, tensor<5x8xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func.func @attention_key
// CHECK: whittle.attention %arg0, %arg1, %arg2 {scale = 1.000000e+00 : f32}
func.func @attention_key(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  %kt = whittle.transpose %k {perm = array<i64: 0, 2, 1>} : tensor<2x6x8xf32> -> tensor<2x8x6xf32>
  %o = whittle.attention %q, %kt, %v {scale = 1.0 : f32, key_transposed} : (tensor<2x4x8xf32>, tensor<2x8x6xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// Negative: a transpose that moves a batch dim is a real data movement.
// CHECK-LABEL: func.func @batch_transpose
// CHECK: whittle.transpose
// CHECK: whittle.matmul %{{.*}}, %arg1 :
func.func @batch_transpose(%a: tensor<4x2x8xf32>, %b: tensor<2x8x5xf32>) -> tensor<2x4x5xf32> {
  %at = whittle.transpose %a {perm = array<i64: 1, 0, 2>} : tensor<4x2x8xf32> -> tensor<2x4x8xf32>
  %y = whittle.matmul %at, %b : (tensor<2x4x8xf32>, tensor<2x8x5xf32>) -> tensor<2x4x5xf32>
  return %y : tensor<2x4x5xf32>
}
