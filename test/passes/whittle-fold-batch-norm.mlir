// RUN: whittle-opt %s -split-input-file -whittle-fold-batch-norm | FileCheck %s

// s = scale / sqrt(var + eps) = [0.5, 2]; W' = W * s; b' = (0 - mean) * s + beta.
// CHECK-LABEL: func.func @into_conv
// CHECK-DAG: %[[W:.*]] = whittle.constant dense<{{\[}}[{{\[}}[1.000000e+00]]], {{\[}}[{{\[}}6.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.*]] = whittle.constant dense<[0.000000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: %[[Y:.*]] = whittle.conv %arg0, %[[W]] bias %[[B]]
// CHECK-NOT: whittle.batch_norm
// CHECK: return %[[Y]]
func.func @into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %scale = whittle.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %beta = whittle.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %mean = whittle.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = whittle.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// An existing bias is normalized too: (b - mean) * s + beta.
// CHECK-LABEL: func.func @conv_with_bias
// CHECK-DAG: whittle.constant dense<[1.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK-NOT: whittle.batch_norm
func.func @conv_with_bias(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = whittle.constant dense<[3.0, 2.0]> : tensor<2xf32>
  %scale = whittle.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %beta = whittle.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %mean = whittle.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = whittle.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %c = whittle.conv %x, %w bias %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.batch_norm %c, %scale, %beta, %mean, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// BatchNorm1d over a Gemm's columns scales the columns of the rhs.
// CHECK-LABEL: func.func @into_matmul
// CHECK-DAG: %[[W:.*]] = whittle.constant dense<{{\[}}[5.000000e-01, 4.000000e+00], [1.500000e+00, 8.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = whittle.constant dense<[-5.000000e-01, 1.000000e+00]> : tensor<2xf32>
// CHECK: whittle.matmul %arg0, %[[W]] bias %[[B]]
// CHECK-NOT: whittle.batch_norm
func.func @into_matmul(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = whittle.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %scale = whittle.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %beta = whittle.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %mean = whittle.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %var = whittle.constant dense<[3.0, 0.0]> : tensor<2xf32>
  %m = whittle.matmul %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %y = whittle.batch_norm %m, %scale, %beta, %mean, %var {epsilon = 1.0 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A Mul by one value per channel (PaddlePaddle's affine blocks) folds.
// CHECK-LABEL: func.func @scale_into_conv
// CHECK-DAG: whittle.constant dense<{{\[}}[{{\[}}[4.000000e+00]]], {{\[}}[{{\[}}-3.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG: whittle.constant dense<[2.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK-NOT: whittle.binary
func.func @scale_into_conv(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<[[[[2.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = whittle.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %s = whittle.constant dense<[[[2.0]], [[-1.0]]]> : tensor<2x1x1xf32>
  %c = whittle.conv %x, %w bias %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.binary mul %s, %c : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// Negative: the unnormalized conv result has another user. The batch norm
// (constant parameters) becomes a per-channel scale and shift instead:
// s = 1 / sqrt(1 + 1), t = 1 - 1 * s.
// CHECK-LABEL: func.func @conv_has_other_user
// CHECK: %[[C:.*]] = whittle.conv
// CHECK: %[[M:.*]] = whittle.binary mul %[[C]], %{{.*}} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>)
// CHECK: whittle.binary add %[[M]], %{{.*}} : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>)
// CHECK-NOT: whittle.batch_norm
func.func @conv_has_other_user(%x: tensor<1x1x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = whittle.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = whittle.constant dense<1.0> : tensor<2xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Negative: an activation between conv and BN (the BN becomes a scale and
// shift); parameters not constant (stays a batch norm); a Mul that varies
// along the spatial dims.
// CHECK-LABEL: func.func @not_foldable
// CHECK: whittle.binary mul
// CHECK: whittle.binary add
// CHECK: whittle.batch_norm
// CHECK-NOT: whittle.batch_norm
// CHECK: whittle.binary mul
func.func @not_foldable(%x: tensor<1x1x4x4xf32>, %mean: tensor<2xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = whittle.constant dense<1.0> : tensor<2x1x1x1xf32>
  %p = whittle.constant dense<1.0> : tensor<2xf32>
  %c = whittle.conv %x, %w {epilogue = #whittle.epilogue<relu>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.batch_norm %c, %p, %p, %p, %p {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %c2 = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y2 = whittle.batch_norm %c2, %p, %p, %mean, %p {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %s = whittle.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %c3 = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %y3 = whittle.binary mul %c3, %s : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x4x4xf32>
  return %y, %y2, %y3 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Into a transposed conv: the filter C x M x K.. scaled per output channel
// (its dim 1), the bias folded (scale 0.5 on both channels: var 3, eps 1).
// CHECK-LABEL: func.func @into_conv_transpose
// CHECK: whittle.constant dense<5.000000e-01> : tensor<3x2x2x2xf32>
// CHECK: whittle.conv_transpose %arg0, %{{.*}} bias %{{.*}}
// CHECK-NOT: whittle.batch_norm
func.func @into_conv_transpose(%x: tensor<1x3x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %w = whittle.constant dense<1.0> : tensor<3x2x2x2xf32>
  %one = whittle.constant dense<1.0> : tensor<2xf32>
  %zero = whittle.constant dense<0.0> : tensor<2xf32>
  %var = whittle.constant dense<3.0> : tensor<2xf32>
  %c = whittle.conv_transpose %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x3x2x2xf32>, tensor<3x2x2x2xf32>) -> tensor<1x2x4x4xf32>
  %y = whittle.batch_norm %c, %one, %zero, %zero, %var {epsilon = 1.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}
