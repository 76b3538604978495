// RUN: whittle-opt %s -split-input-file -whittle-recognize-layer-norm | FileCheck %s

// BERT's form: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, Mul gamma, Add beta.
// CHECK-LABEL: func.func @bert_form
// CHECK: %[[Y:.*]] = whittle.layer_norm %arg0, %{{.*}} bias %{{.*}} {axis = 2 : i64, epsilon = 9.99999996E-13 : f32}
// CHECK-NOT: whittle.reduce
// CHECK-NOT: whittle.binary
// CHECK: return %[[Y]]
func.func @bert_form(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %two = whittle.constant dense<2.0> : tensor<f32>
  %eps = whittle.constant dense<1.0e-12> : tensor<f32>
  %gamma = whittle.constant dense<2.0> : tensor<8xf32>
  %beta = whittle.constant dense<1.0> : tensor<8xf32>
  %m = whittle.reduce mean %x {axes = array<i64: 2>, keep_dims} : tensor<1x4x8xf32> -> tensor<1x4x1xf32>
  %d = whittle.binary sub %x, %m : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %p = whittle.binary pow %d, %two : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %v = whittle.reduce mean %p {axes = array<i64: 2>, keep_dims} : tensor<1x4x8xf32> -> tensor<1x4x1xf32>
  %ve = whittle.binary add %v, %eps : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %s = whittle.unary sqrt %ve : tensor<1x4x1xf32> -> tensor<1x4x1xf32>
  %n = whittle.binary div %d, %s : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %g = whittle.binary mul %n, %gamma : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %y = whittle.binary add %g, %beta : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Over the two trailing axes, the square as d * d, the division as a
// Mul by Reciprocal, and no gamma or beta (a scale of one is made).
// CHECK-LABEL: func.func @no_affine
// CHECK: %[[ONE:.*]] = whittle.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK: whittle.layer_norm %arg0, %[[ONE]] {axis = 1 : i64, epsilon = 9.99999974E-6 : f32}
// CHECK-NOT: whittle.reduce
func.func @no_affine(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %eps = whittle.constant dense<1.0e-5> : tensor<f32>
  %m = whittle.reduce mean %x {axes = array<i64: 1, 2>, keep_dims} : tensor<2x4x8xf32> -> tensor<2x1x1xf32>
  %d = whittle.binary sub %x, %m : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  %p = whittle.binary mul %d, %d : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
  %v = whittle.reduce mean %p {axes = array<i64: 1, 2>, keep_dims} : tensor<2x4x8xf32> -> tensor<2x1x1xf32>
  %ve = whittle.binary add %eps, %v : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = whittle.unary sqrt %ve : tensor<2x1x1xf32> -> tensor<2x1x1xf32>
  %r = whittle.unary reciprocal %s : tensor<2x1x1xf32> -> tensor<2x1x1xf32>
  %n = whittle.binary mul %d, %r : (tensor<2x4x8xf32>, tensor<2x1x1xf32>) -> tensor<2x4x8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// Negative: normalizing over a leading axis (that is InstanceNorm-like,
// not LayerNorm); x - mean with another user.
// CHECK-LABEL: func.func @not_layer_norm
// CHECK-NOT: whittle.layer_norm
func.func @not_layer_norm(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %two = whittle.constant dense<2.0> : tensor<f32>
  %eps = whittle.constant dense<1.0e-5> : tensor<f32>
  %m = whittle.reduce mean %x {axes = array<i64: 0>, keep_dims} : tensor<4x8xf32> -> tensor<1x8xf32>
  %d = whittle.binary sub %x, %m : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %p = whittle.binary pow %d, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %v = whittle.reduce mean %p {axes = array<i64: 0>, keep_dims} : tensor<4x8xf32> -> tensor<1x8xf32>
  %ve = whittle.binary add %v, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %s = whittle.unary sqrt %ve : tensor<1x8xf32> -> tensor<1x8xf32>
  %n = whittle.binary div %d, %s : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %m2 = whittle.reduce mean %x {axes = array<i64: 1>, keep_dims} : tensor<4x8xf32> -> tensor<4x1xf32>
  %d2 = whittle.binary sub %x, %m2 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %p2 = whittle.binary pow %d2, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %v2 = whittle.reduce mean %p2 {axes = array<i64: 1>, keep_dims} : tensor<4x8xf32> -> tensor<4x1xf32>
  %ve2 = whittle.binary add %v2, %eps : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s2 = whittle.unary sqrt %ve2 : tensor<4x1xf32> -> tensor<4x1xf32>
  %n2 = whittle.binary div %d2, %s2 : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %n, %n2, %d2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
