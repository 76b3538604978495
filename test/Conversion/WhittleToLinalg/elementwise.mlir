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
