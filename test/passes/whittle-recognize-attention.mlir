// RUN: whittle-opt %s -split-input-file -whittle-recognize-attention | FileCheck %s

// BERT's self-attention core: q x k^T (k given as [.., D, S]), / sqrt(D),
// + mask, softmax, x v.
// CHECK-LABEL: func.func @bert_form
// CHECK: %[[O:.*]] = whittle.attention %arg0, %arg1, %arg2 mask %arg3 {key_transposed, scale = 1.250000e-01 : f32}
// CHECK-NOT: whittle.softmax
// CHECK-NOT: whittle.matmul
// CHECK: return %[[O]]
func.func @bert_form(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>, %mask: tensor<1x1x1x4xf32>) -> tensor<1x2x4x8xf32> {
  %c8 = whittle.constant dense<8.0> : tensor<f32>
  %s = whittle.matmul %q, %kt : (tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x4x4xf32>
  %d = whittle.binary div %s, %c8 : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %a = whittle.binary add %d, %mask : (tensor<1x2x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x2x4x4xf32>
  %p = whittle.softmax %a {axis = 3 : i64} : tensor<1x2x4x4xf32>
  %o = whittle.matmul %p, %v : (tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// No mask, the scale as a Mul, the key read transposed by the matmul.
// CHECK-LABEL: func.func @no_mask
// CHECK: whittle.attention %arg0, %arg1, %arg2 {scale = 5.000000e-01 : f32}
func.func @no_mask(%q: tensor<3x4x8xf32>, %k: tensor<3x6x8xf32>, %v: tensor<3x6x2xf32>) -> tensor<3x4x2xf32> {
  %h = whittle.constant dense<0.5> : tensor<f32>
  %s = whittle.matmul %q, %k {transpose_rhs} : (tensor<3x4x8xf32>, tensor<3x6x8xf32>) -> tensor<3x4x6xf32>
  %m = whittle.binary mul %h, %s : (tensor<f32>, tensor<3x4x6xf32>) -> tensor<3x4x6xf32>
  %p = whittle.softmax %m {axis = 2 : i64} : tensor<3x4x6xf32>
  %o = whittle.matmul %p, %v : (tensor<3x4x6xf32>, tensor<3x6x2xf32>) -> tensor<3x4x2xf32>
  return %o : tensor<3x4x2xf32>
}

// -----

// Negative: the probabilities are also returned; a softmax along another
// axis; scores from a matmul with a bias.
// CHECK-LABEL: func.func @not_attention
// CHECK-NOT: whittle.attention
func.func @not_attention(%q: tensor<4x8xf32>, %k: tensor<8x4xf32>, %v: tensor<4x8xf32>, %b: tensor<4xf32>) -> (tensor<4x8xf32>, tensor<4x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %s = whittle.matmul %q, %k : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %p = whittle.softmax %s {axis = 1 : i64} : tensor<4x4xf32>
  %o = whittle.matmul %p, %v : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s2 = whittle.matmul %q, %k : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %p2 = whittle.softmax %s2 {axis = 0 : i64} : tensor<4x4xf32>
  %o2 = whittle.matmul %p2, %v : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s3 = whittle.matmul %q, %k bias %b : (tensor<4x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<4x4xf32>
  %p3 = whittle.softmax %s3 {axis = 1 : i64} : tensor<4x4xf32>
  %o3 = whittle.matmul %p3, %v : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %o, %p, %o2, %o3 : tensor<4x8xf32>, tensor<4x4xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
