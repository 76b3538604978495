// RUN: whittle-opt %s -split-input-file -whittle-fold-constants | FileCheck %s
// RUN: whittle-opt %s -split-input-file -whittle-fold-constants=max-elements=4 | FileCheck %s --check-prefix=SMALL

// A weight transposed, scaled and cast at run time becomes one constant.
// CHECK-LABEL: func.func @weights
// CHECK: %[[W:.*]] = whittle.constant dense<{{\[}}[2.000000e+00, 6.000000e+00, 1.000000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<2x3xf32>
// CHECK-NEXT: %[[Y:.*]] = whittle.matmul %arg0, %[[W]]
// CHECK-NEXT: return %[[Y]]
// SMALL-LABEL: func.func @weights
// SMALL: whittle.transpose
func.func @weights(%x: tensor<4x2xf32>) -> tensor<4x3xf32> {
  %w = whittle.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %two = whittle.constant dense<2.0> : tensor<f64>
  %wt = whittle.transpose %w {perm = array<i64: 1, 0>} : tensor<3x2xf32> -> tensor<2x3xf32>
  %w64 = whittle.cast %wt : tensor<2x3xf32> -> tensor<2x3xf64>
  %ws = whittle.binary mul %w64, %two : (tensor<2x3xf64>, tensor<f64>) -> tensor<2x3xf64>
  %w32 = whittle.cast %ws : tensor<2x3xf64> -> tensor<2x3xf32>
  %y = whittle.matmul %x, %w32 : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %y : tensor<4x3xf32>
}

// -----

// The shape chain an exporter writes for a Reshape: Shape, Gather, Concat.
// CHECK-LABEL: func.func @shape_chain
// CHECK-NOT: whittle.shape_of
// CHECK-NOT: whittle.gather
// CHECK-NOT: whittle.concat
// CHECK: whittle.constant dense<[2, 12]> : tensor<2xi64>
func.func @shape_chain(%x: tensor<2x3x4xf32>) -> tensor<2xi64> {
  %s = whittle.shape_of %x : tensor<2x3x4xf32> -> tensor<3xi64>
  %i0 = whittle.constant dense<[0]> : tensor<1xi64>
  %d0 = whittle.gather %s[%i0] {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %i12 = whittle.constant dense<[1, 2]> : tensor<2xi64>
  %d12 = whittle.gather %s[%i12] {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  %p = whittle.slice %d12 {starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 1>} : tensor<2xi64> -> tensor<1xi64>
  %q = whittle.slice %d12 {starts = array<i64: 1>, ends = array<i64: 2>, steps = array<i64: 1>} : tensor<2xi64> -> tensor<1xi64>
  %pq = whittle.binary mul %p, %q : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %shape = whittle.concat %d0, %pq {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %shape : tensor<2xi64>
}

// -----

// Float elementwise with broadcasting, and a gather along axis 1.
// CHECK-LABEL: func.func @float_math
// CHECK: whittle.constant dense<{{\[}}[1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK: whittle.constant dense<{{\[}}[2.000000e+00], [4.000000e+00]]> : tensor<2x1xf32>
func.func @float_math() -> (tensor<2x2xf32>, tensor<2x1xf32>) {
  %a = whittle.constant dense<[[1.0], [3.0]]> : tensor<2x1xf32>
  %b = whittle.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %one = whittle.constant dense<[[0.0, 1.0]]> : tensor<1x2xf32>
  %ab = whittle.binary add %a, %b : (tensor<2x1xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %y = whittle.binary add %ab, %one : (tensor<2x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  %m = whittle.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %i = whittle.constant dense<[1]> : tensor<1xi64>
  %g = whittle.gather %m[%i] {axis = 1 : i64} : (tensor<2x2xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  return %y, %g : tensor<2x2xf32>, tensor<2x1xf32>
}

// -----

// Negative: an operand computed at run time; a division by zero stays.
// CHECK-LABEL: func.func @not_constant
// CHECK: whittle.binary add
// CHECK: whittle.binary div
func.func @not_constant(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xi64>) {
  %c = whittle.constant dense<1.0> : tensor<2xf32>
  %y = whittle.binary add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %a = whittle.constant dense<[4, 5]> : tensor<2xi64>
  %z = whittle.constant dense<[2, 0]> : tensor<2xi64>
  %d = whittle.binary div %a, %z : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %y, %d : tensor<2xf32>, tensor<2xi64>
}

// -----

// Negative: folding would turn a scalar into a big tensor in the binary.
// CHECK-LABEL: func.func @no_expansion
// CHECK: whittle.broadcast
// CHECK: whittle.binary add
func.func @no_expansion() -> (tensor<64x64xf32>, tensor<64x64xf32>) {
  %s = whittle.constant dense<2.0> : tensor<f32>
  %b = whittle.broadcast %s : (tensor<f32>) -> tensor<64x64xf32>
  %c = whittle.constant dense<1.0> : tensor<64x1xf32>
  %big = whittle.constant dense<0.5> : tensor<64xf32>
  %y = whittle.binary add %c, %big : (tensor<64x1xf32>, tensor<64xf32>) -> tensor<64x64xf32>
  return %b, %y : tensor<64x64xf32>, tensor<64x64xf32>
}
