// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Broadcasting uses constant-0 results in the indexing map.
// CHECK-DAG: #[[BC:.+]] = affine_map<(d0, d1, d2) -> (0, d1, d2)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[BC]], #[[ID]]]
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<2x3x4xf32>, %b: tensor<1x3x4xf32>) -> tensor<2x3x4xf32> {
  %y = whittle.binary add %a, %b : (tensor<2x3x4xf32>, tensor<1x3x4xf32>) -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @batch_norm
// CHECK: math.rsqrt
// CHECK: arith.subf
func.func @batch_norm(%x: tensor<1x4x2x2xf32>, %s: tensor<4xf32>) -> tensor<1x4x2x2xf32> {
  %y = whittle.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5 : f32} : (tensor<1x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x2x2xf32>
  return %y : tensor<1x4x2x2xf32>
}

// -----

// An integer function without a lowering declines without touching the IR.
// CHECK-LABEL: func.func @int_exp
// CHECK: whittle.unary exp
// CHECK-NOT: linalg.generic
func.func @int_exp(%x: tensor<4xi32>) -> tensor<4xi32> {
  %y = whittle.unary exp %x : tensor<4xi32> -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

// f32 sigmoid computes e^-x itself (clamp, n = round(-x log2 e), two-part
// ln2 reduction, degree-6 polynomial, 2^n into the exponent bits) and
// divides once; silu divides x by 1 + e^-x. f16 keeps math.exp.
// CHECK-LABEL: func.func @sigmoid_silu
// CHECK: linalg.generic
// CHECK-NOT: math.exp
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.roundeven
// CHECK-COUNT-8: math.fma
// CHECK: arith.fptosi {{.*}} : f32 to i32
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : f32 to i32
// CHECK: arith.addi
// CHECK: %[[E:.*]] = arith.bitcast {{.*}} : i32 to f32
// CHECK: %[[D:.*]] = arith.addf %[[E]]
// CHECK: arith.divf %cst{{.*}}, %[[D]]
// CHECK: linalg.generic
// CHECK: %[[E2:.*]] = arith.bitcast {{.*}} : i32 to f32
// CHECK: %[[D2:.*]] = arith.addf %[[E2]]
// CHECK-NOT: arith.mulf
// CHECK: arith.divf %in, %[[D2]]
// CHECK: linalg.generic
// CHECK: math.exp
func.func @sigmoid_silu(%x: tensor<8xf32>, %h: tensor<8xf16>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf16>) {
  %s = whittle.unary sigmoid %x : tensor<8xf32> -> tensor<8xf32>
  %t = whittle.unary silu %x : tensor<8xf32> -> tensor<8xf32>
  %u = whittle.unary sigmoid %h : tensor<8xf16> -> tensor<8xf16>
  return %s, %t, %u : tensor<8xf32>, tensor<8xf32>, tensor<8xf16>
}
