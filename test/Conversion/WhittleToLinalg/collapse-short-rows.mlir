// RUN: whittle-opt %s -split-input-file -whittle-collapse-short-rows | FileCheck %s

// Channels-last with 16 channels: every operand is contiguous across all
// loops, so the nest becomes one loop of 1024.
// CHECK-LABEL: func.func @short_row
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : tensor<1x8x8x16xf32> into tensor<1024xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]} ins(%{{.*}}, %{{.*}} : tensor<1024xf32>, tensor<1024xf32>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] output_shape [1, 8, 8, 16] : tensor<1024xf32> into tensor<1x8x8x16xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @short_row(%x: tensor<1x8x8x16xf32>, %y: tensor<1x8x8x16xf32>) -> tensor<1x8x8x16xf32> {
  %e = tensor.empty() : tensor<1x8x8x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %y : tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>) outs(%e : tensor<1x8x8x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x8x8x16xf32>
  return %r : tensor<1x8x8x16xf32>
}

// -----

// A per-channel operand (16 panels of 16) merges the panel loops only.
// CHECK-LABEL: func.func @bias_panels
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%{{.*}} : tensor<256xf32>) outs(%{{.*}} : tensor<64x256xf32>)
#b = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#o = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @bias_panels(%bias: tensor<16x16xf32>) -> tensor<8x8x16x16xf32> {
  %e = tensor.empty() : tensor<8x8x16x16xf32>
  %r = linalg.generic {indexing_maps = [#b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : tensor<16x16xf32>) outs(%e : tensor<8x8x16x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<8x8x16x16xf32>
  return %r : tensor<8x8x16x16xf32>
}

// -----

// Long rows, reductions, and packed contractions are left alone.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: tensor.collapse_shape
// CHECK: return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#r = affine_map<(d0, d1) -> (d0)>
func.func @kept(%x: tensor<4x128xf32>, %s: tensor<4x16xf32>) -> (tensor<4x128xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4x128xf32>
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x128xf32>) outs(%e : tensor<4x128xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<4x128xf32>
  %z = tensor.empty() : tensor<4xf32>
  %b = linalg.generic {indexing_maps = [#id2, #r], iterator_types = ["parallel", "reduction"]} ins(%s : tensor<4x16xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = arith.addf %v, %o : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  return %a, %b : tensor<4x128xf32>, tensor<4xf32>
}
