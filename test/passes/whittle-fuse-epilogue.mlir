// RUN: whittle-opt %s -split-input-file -whittle-fuse-epilogue | FileCheck %s

// ResNet's bottleneck tail: conv, + shortcut, relu -> one conv.
// CHECK-LABEL: func.func @residual_then_relu
// CHECK: %[[Y:.*]] = whittle.conv %arg0, %{{.*}} residual %arg1 {{.*}}epilogue = #whittle.epilogue<relu>
// CHECK-NOT: whittle.binary
// CHECK-NOT: whittle.unary
// CHECK: return %[[Y]]
func.func @residual_then_relu(%x: tensor<1x2x4x4xf32>, %skip: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = whittle.binary add %skip, %c : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = whittle.unary relu %a : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// A per-channel constant Add joins the bias (added to an existing one).
// CHECK-LABEL: func.func @bias_add
// CHECK: %[[B:.*]] = whittle.constant dense<[1.500000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK: whittle.conv %arg0, %{{.*}} bias %[[B]] {{.*}}epilogue = #whittle.epilogue<clip, alpha = 0.000000e+00 : f32, beta = 6.000000e+00 : f32>
// CHECK-NOT: whittle.binary
func.func @bias_add(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<1.0> : tensor<2x2x1x1xf32>
  %b = whittle.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %add = whittle.constant dense<[[[0.5]], [[2.0]]]> : tensor<2x1x1xf32>
  %c = whittle.conv %x, %w bias %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %a = whittle.binary add %c, %add : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = whittle.unary clip %a {alpha = 0.0 : f32, beta = 6.0 : f32} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// MatMul + Add of a row vector + GELU, as BERT's feed-forward layer.
// CHECK-LABEL: func.func @matmul_bias_gelu
// CHECK: whittle.matmul %arg0, %{{.*}} bias %{{.*}} {epilogue = #whittle.epilogue<gelu_erf>}
// CHECK-NOT: whittle.binary
// CHECK-NOT: whittle.unary
func.func @matmul_bias_gelu(%x: tensor<1x4x3xf32>) -> tensor<1x4x5xf32> {
  %w = whittle.constant dense<1.0> : tensor<3x5xf32>
  %b = whittle.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %m = whittle.matmul %x, %w : (tensor<1x4x3xf32>, tensor<3x5xf32>) -> tensor<1x4x5xf32>
  %a = whittle.binary add %m, %b : (tensor<1x4x5xf32>, tensor<5xf32>) -> tensor<1x4x5xf32>
  %g = whittle.unary gelu_erf %a : tensor<1x4x5xf32> -> tensor<1x4x5xf32>
  return %g : tensor<1x4x5xf32>
}

// -----

// Negative: an Add after the activation is not a residual (the conv
// computes epilogue(acc + residual)).
// CHECK-LABEL: func.func @add_after_activation
// CHECK: whittle.conv {{.*}}epilogue = #whittle.epilogue<relu>
// CHECK: whittle.binary add
func.func @add_after_activation(%x: tensor<1x2x4x4xf32>, %skip: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = whittle.unary relu %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %a = whittle.binary add %r, %skip : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %a : tensor<1x2x4x4xf32>
}

// -----

// Negative: the conv result has another user; an Add that broadcasts the
// result; a non-activation unary.
// CHECK-LABEL: func.func @not_fusable
// CHECK: %[[C:.*]] = whittle.conv
// CHECK-NOT: epilogue
// CHECK: whittle.unary relu %[[C]]
// CHECK: whittle.binary add
// CHECK: whittle.unary exp
func.func @not_fusable(%x: tensor<1x2x4x4xf32>, %big: tensor<3x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = whittle.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = whittle.unary relu %c : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %c2 = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %a = whittle.binary add %c2, %big : (tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>) -> tensor<3x2x4x4xf32>
  %c3 = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %e = whittle.unary exp %c3 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  return %r, %c, %a, %e : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<3x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Negative: over dynamic dims an Add may broadcast a dim that is 1 at run
// time; it stays an Add (the relu still fuses into the conv).
// CHECK-LABEL: func.func @dynamic_residual
// CHECK: whittle.conv {{.*}}epilogue = #whittle.epilogue<relu>
// CHECK: whittle.binary add
func.func @dynamic_residual(%x: tensor<?x2x?x?xf32>, %skip: tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32> {
  %w = whittle.constant dense<1.0> : tensor<2x2x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<?x2x?x?xf32>, tensor<2x2x1x1xf32>) -> tensor<?x2x?x?xf32>
  %r = whittle.unary relu %c : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %a = whittle.binary add %r, %skip : (tensor<?x2x?x?xf32>, tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  return %a : tensor<?x2x?x?xf32>
}
