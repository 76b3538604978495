// RUN: whittle-opt %s -split-input-file -whittle-recognize-activations | FileCheck %s

// CHECK-LABEL: func.func @silu
// CHECK: %[[Y:.*]] = whittle.unary silu %arg0
// CHECK-NOT: whittle.binary
// CHECK: return %[[Y]]
func.func @silu(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = whittle.unary sigmoid %x : tensor<8xf32> -> tensor<8xf32>
  %y = whittle.binary mul %s, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// PP-LCNet's HardSwish: x * clip(x + 3, 0, 6) / 6.
// CHECK-LABEL: func.func @hard_swish_div
// CHECK: %[[Y:.*]] = whittle.unary hard_swish %arg0
// CHECK: return %[[Y]]
func.func @hard_swish_div(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = whittle.constant dense<3.0> : tensor<f32>
  %six = whittle.constant dense<6.0> : tensor<f32>
  %a = whittle.binary add %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = whittle.unary clip %a {alpha = 0.0 : f32, beta = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %m = whittle.binary mul %x, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %y = whittle.binary div %m, %six : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// clip(x + 3, 0, 6) / 6 is HardSigmoid; times x it is HardSwish.
// CHECK-LABEL: func.func @hard_sigmoid_then_swish
// CHECK: %[[Y:.*]] = whittle.unary hard_swish %arg0
// CHECK: return %[[Y]]
func.func @hard_sigmoid_then_swish(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = whittle.constant dense<3.0> : tensor<f32>
  %sixth = whittle.constant dense<0.166666672> : tensor<f32>
  %a = whittle.binary add %three, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %c = whittle.unary clip %a {alpha = 0.0 : f32, beta = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %h = whittle.binary mul %c, %sixth : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %y = whittle.binary mul %h, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @hard_sigmoid
// CHECK: whittle.unary hard_sigmoid %arg0 {alpha = 0.166666672 : f32, beta = 5.000000e-01 : f32}
func.func @hard_sigmoid(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = whittle.constant dense<3.0> : tensor<f32>
  %six = whittle.constant dense<6.0> : tensor<f32>
  %a = whittle.binary add %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = whittle.unary clip %a {alpha = 0.0 : f32, beta = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %y = whittle.binary div %c, %six : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// BERT's GELU: (x * (erf(x / sqrt 2) + 1)) * 0.5.
// CHECK-LABEL: func.func @gelu_erf
// CHECK: %[[Y:.*]] = whittle.unary gelu_erf %arg0
// CHECK-NOT: erf %
// CHECK: return %[[Y]]
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = whittle.constant dense<1.41421354> : tensor<f32>
  %one = whittle.constant dense<1.0> : tensor<f32>
  %half = whittle.constant dense<0.5> : tensor<f32>
  %d = whittle.binary div %x, %sqrt2 : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %e = whittle.unary erf %d : tensor<2x8xf32> -> tensor<2x8xf32>
  %a = whittle.binary add %e, %one : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %m = whittle.binary mul %x, %a : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = whittle.binary mul %m, %half : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// The other association: 0.5 * x first, times (1 + erf(x * 0.7071)).
// CHECK-LABEL: func.func @gelu_erf_reassociated
// CHECK: whittle.unary gelu_erf %arg0
func.func @gelu_erf_reassociated(%x: tensor<8xf32>) -> tensor<8xf32> {
  %r = whittle.constant dense<0.707106769> : tensor<f32>
  %one = whittle.constant dense<1.0> : tensor<f32>
  %half = whittle.constant dense<0.5> : tensor<f32>
  %h = whittle.binary mul %half, %x : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %d = whittle.binary mul %x, %r : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = whittle.unary erf %d : tensor<8xf32> -> tensor<8xf32>
  %a = whittle.binary add %one, %e : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %y = whittle.binary mul %h, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// GPT-2's GELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: %[[Y:.*]] = whittle.unary gelu_tanh %arg0
// CHECK: return %[[Y]]
func.func @gelu_tanh(%x: tensor<8xf32>) -> tensor<8xf32> {
  %three = whittle.constant dense<3.0> : tensor<f32>
  %c = whittle.constant dense<0.044715> : tensor<f32>
  %k = whittle.constant dense<0.797884583> : tensor<f32>
  %one = whittle.constant dense<1.0> : tensor<f32>
  %half = whittle.constant dense<0.5> : tensor<f32>
  %p = whittle.binary pow %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %cp = whittle.binary mul %c, %p : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %s = whittle.binary add %x, %cp : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %ks = whittle.binary mul %s, %k : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t = whittle.unary tanh %ks : tensor<8xf32> -> tensor<8xf32>
  %a = whittle.binary add %t, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %hx = whittle.binary mul %x, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %y = whittle.binary mul %hx, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// CHECK-LABEL: func.func @relu_and_clip
// CHECK: whittle.unary relu %arg0
// CHECK: whittle.unary clip %arg0 {alpha = 0.000000e+00 : f32, beta = 6.000000e+00 : f32}
func.func @relu_and_clip(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %zero = whittle.constant dense<0.0> : tensor<f32>
  %six = whittle.constant dense<6.0> : tensor<f32>
  %r = whittle.binary max %x, %zero : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %lo = whittle.binary max %x, %zero : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = whittle.binary min %lo, %six : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %r, %c : tensor<8xf32>, tensor<8xf32>
}

// -----

// Negative: the sigmoid of another tensor; a GELU with a wrong constant;
// an intermediate used elsewhere.
// CHECK-LABEL: func.func @not_activations
// CHECK-NOT: silu
// CHECK-NOT: gelu
// CHECK-NOT: hard_swish
func.func @not_activations(%x: tensor<8xf32>, %z: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %s = whittle.unary sigmoid %z : tensor<8xf32> -> tensor<8xf32>
  %y = whittle.binary mul %s, %x : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %sqrt3 = whittle.constant dense<1.7320508> : tensor<f32>
  %one = whittle.constant dense<1.0> : tensor<f32>
  %half = whittle.constant dense<0.5> : tensor<f32>
  %d = whittle.binary div %x, %sqrt3 : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e = whittle.unary erf %d : tensor<8xf32> -> tensor<8xf32>
  %a = whittle.binary add %e, %one : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %m = whittle.binary mul %x, %a : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %g = whittle.binary mul %m, %half : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %three = whittle.constant dense<3.0> : tensor<f32>
  %six = whittle.constant dense<6.0> : tensor<f32>
  %a3 = whittle.binary add %x, %three : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c = whittle.unary clip %a3 {alpha = 0.0 : f32, beta = 6.0 : f32} : tensor<8xf32> -> tensor<8xf32>
  %xc = whittle.binary mul %x, %c : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %hs = whittle.binary div %xc, %six : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %y, %g, %hs, %c : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
