// RUN: whittle-opt %s -split-input-file -whittle-lower-microkernels | FileCheck %s
// RUN: whittle-opt %s -split-input-file -whittle-lower-microkernels="vector-bits=256 vector-registers=16" | FileCheck %s --check-prefix=AVX2

// 20 rows x 4 panels at 512 bits: the accumulators share the 32 vector
// registers with the group's weight vectors and a broadcast, so a group of
// 4 panels takes 6 rows at most; the cost model picks 2 panels x 10 rows
// (20 accumulators): two panel groups, two row tiles each, no remainder.
// Each tile loads its 20 accumulators from the output, carries them
// through the k loop (2 weight vectors and 10 broadcasts per step, 20
// fmas) and stores them once.
// The kernel is a private function of its own, called in the op's place.
// CHECK-LABEL: func.func @gemm
// CHECK-NOT: linalg.generic
// CHECK: call @[[KERNEL:.*]](%arg0, %arg1, %arg2)
// CHECK: func.func private @[[KERNEL]](%arg0: memref<20x64xf32>, %arg1: memref<4x64x16xf32>, %arg2: memref<20x4x16xf32>)
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-COUNT-20: vector.load %arg2[{{.*}}] : memref<20x4x16xf32>, vector<16xf32>
// CHECK: scf.for %[[K:.*]] = {{.*}} iter_args(
// CHECK-COUNT-2: vector.load %arg1[%{{.*}}, %[[K]], %{{.*}}] : memref<4x64x16xf32>, vector<16xf32>
// CHECK: memref.load %arg0[%{{.*}}, %[[K]]] : memref<20x64xf32>
// CHECK: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK-COUNT-20: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-20: vector.store
// CHECK-NOT: vector.store
// CHECK: return
// AVX2 (8 lanes, two vectors per panel, 16 registers): 1 panel x 5 rows.
// AVX2-LABEL: func.func @gemm
// AVX2: scf.for %{{.*}} iter_args(
// AVX2-COUNT-2: vector.load %arg1{{.*}} vector<8xf32>
// AVX2-COUNT-10: vector.fma {{.*}} : vector<8xf32>
// AVX2: scf.yield
#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#p = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @gemm(%x: memref<20x64xf32>, %w: memref<4x64x16xf32>, %y: memref<20x4x16xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : memref<20x64xf32>, memref<4x64x16xf32>) outs(%y : memref<20x4x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A conv tile: rows are output positions (stride 2: the input column is
// 2 * ow + kw), reductions kh, kw, c nested. The rows run across output
// rows: the 4 x 4 outputs are 16 rows, in tiles of 8 rows x both panels,
// each row's oh and ow the tile's start plus its offset divided by and
// modulo the row width 4.
// CHECK-LABEL: func.func @conv
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %c1 step %{{.*}} {
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %c16 step %c8 {
// CHECK: %[[OW:.*]] = arith.remui %[[T]], %c4
// CHECK: %[[OH:.*]] = arith.divui %[[T]], %c4
// CHECK: scf.for %[[KH:.*]] = {{.*}} iter_args(
// CHECK: scf.for %[[KW:.*]] = {{.*}} iter_args(
// CHECK: scf.for %[[C:.*]] = {{.*}} iter_args(
// CHECK: vector.load %arg1[%{{.*}}, %[[KH]], %[[KW]], %[[C]], %{{.*}}]
// CHECK: affine.apply #{{.*}}(%[[N]], %[[OH]], %[[OW]], %{{.*}}, %[[KH]], %[[KW]], %[[C]], %{{.*}})
// CHECK: vector.fma
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d3, d4, d5, d6, d7)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
func.func @conv(%x: memref<1x9x9x8xf32>, %w: memref<2x3x3x8x16xf32>, %y: memref<1x4x4x2x16xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%x, %w : memref<1x9x9x8xf32>, memref<2x3x3x8x16xf32>) outs(%y : memref<1x4x4x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Not marked, or not f32: left alone.
// CHECK-LABEL: func.func @unmarked
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NOT: vector.fma
#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#p = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @unmarked(%x: memref<4x8xf32>, %w: memref<2x8x16xf32>, %y: memref<4x2x16xf32>,
                    %xh: memref<4x8xf16>, %wh: memref<2x8x16xf16>, %yh: memref<4x2x16xf16>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : memref<4x8xf32>, memref<2x8x16xf32>) outs(%y : memref<4x2x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%xh, %wh : memref<4x8xf16>, memref<2x8x16xf16>) outs(%yh : memref<4x2x16xf16>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f16, %b: f16, %o: f16):
    %r = math.fma %a, %b, %o : f16
    linalg.yield %r : f16
  }
  return
}

// -----

// Depthwise: the input's last dim is the channel nb * 16 + nr, so each
// row loads an input vector per panel (no broadcast) for its fma.
// CHECK-LABEL: func.func @depthwise
// CHECK: scf.for %{{.*}} iter_args(
// CHECK: scf.for %{{.*}} iter_args(
// CHECK: vector.load %arg1
// CHECK-NOT: vector.broadcast
// CHECK: %[[XV:.*]] = vector.load %arg0[{{.*}}] : memref<1x10x10x32xf32>, vector<16xf32>
// CHECK: vector.fma %[[XV]], %{{.*}}, %{{.*}} : vector<16xf32>
#x = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + d4, d2 + d5, d3 * 16 + d6)>
#w = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, 0, d6)>
#o = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3, d6)>
func.func @depthwise(%x: memref<1x10x10x32xf32>, %w: memref<2x3x3x1x16xf32>, %y: memref<1x8x8x2x16xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%x, %w : memref<1x10x10x32xf32>, memref<2x3x3x1x16xf32>) outs(%y : memref<1x8x8x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A run-time rhs read in place as K x NB x 16: the panel is its middle dim.
// CHECK-LABEL: func.func @runtime_rhs
// CHECK: scf.for %[[K:.*]] = {{.*}} iter_args(
// CHECK: vector.load %arg1[%[[K]], %{{.*}}, %{{.*}}] : memref<8x2x16xf32>, vector<16xf32>
// CHECK: vector.fma
#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#p = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @runtime_rhs(%x: memref<4x8xf32>, %w: memref<8x2x16xf32>, %y: memref<4x2x16xf32>) {
  linalg.generic {indexing_maps = [#a, #p, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : memref<4x8xf32>, memref<8x2x16xf32>) outs(%y : memref<4x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A fused start and epilogue (Structured.cpp's packedContract): the
// accumulators start from the bias vector of their panel (one load per
// panel, shared by the rows) instead of the output, and after the k loop
// each one gets relu(sum + residual) on vectors (the residual loaded like
// the output) before its single store. The constant the body uses from
// outside is defined again in the kernel.
// CHECK-LABEL: func.func @gemm_fused
// CHECK: call @[[KERNEL:.*]](%arg0, %arg1, %arg2, %arg3, %arg4)
// CHECK: func.func private @[[KERNEL]](
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK-COUNT-2: vector.load %arg2[%{{.*}}, %{{.*}}] : memref<2x16xf32>, vector<16xf32>
// CHECK-NOT: vector.load %arg4
// CHECK: scf.for %{{.*}} iter_args(
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK: vector.load %arg3[{{.*}}] : memref<4x2x16xf32>, vector<16xf32>
// CHECK-NEXT: arith.addf {{.*}} : vector<16xf32>
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: vector.store {{.*}}, %arg4[{{.*}}] : memref<4x2x16xf32>, vector<16xf32>
// CHECK-COUNT-7: arith.maximumf {{.*}} : vector<16xf32>
// CHECK-NOT: linalg.generic
#fa = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#fp = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#fb = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#fc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @gemm_fused(%x: memref<4x8xf32>, %w: memref<2x8x16xf32>, %b: memref<2x16xf32>, %r: memref<4x2x16xf32>, %y: memref<4x2x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#fa, #fp, #fb, #fc, #fc], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x, %w, %b, %r : memref<4x8xf32>, memref<2x8x16xf32>, memref<2x16xf32>, memref<4x2x16xf32>) outs(%y : memref<4x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %wv: f32, %bv: f32, %rv: f32, %o: f32):
    %k = linalg.index 2 : index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %first = arith.cmpi eq, %k, %c0 : index
    %start = arith.select %first, %bv, %o : f32
    %s = math.fma %a, %wv, %start : f32
    %sum = arith.addf %s, %rv : f32
    %relu = arith.maximumf %sum, %zero : f32
    %last = arith.cmpi eq, %k, %c7 : index
    %res = arith.select %last, %relu, %s : f32
    linalg.yield %res : f32
  }
  return
}

// -----

// Negative: an epilogue op that is not elementwise (a call) leaves the
// generic to the generic lowering.
// CHECK-LABEL: func.func @gemm_unfusable
// CHECK: linalg.generic
func.func private @f(f32) -> f32
#ua = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#up = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#uc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
func.func @gemm_unfusable(%x: memref<4x8xf32>, %w: memref<2x8x16xf32>, %y: memref<4x2x16xf32>) {
  linalg.generic {indexing_maps = [#ua, #up, #uc], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : memref<4x8xf32>, memref<2x8x16xf32>) outs(%y : memref<4x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %wv: f32, %o: f32):
    %k = linalg.index 2 : index
    %c7 = arith.constant 7 : index
    %s = math.fma %a, %wv, %o : f32
    %e = func.call @f(%s) : (f32) -> f32
    %last = arith.cmpi eq, %k, %c7 : index
    %res = arith.select %last, %e, %s : f32
    linalg.yield %res : f32
  }
  return
}

// -----

// Filter panels of 3 x 2048 x 16 (393 KB each; a group of 4 beyond the L2
// cache): the kernel-row loop runs outside the row tiles, each step
// reading one row of the filter (cached for every tile) and continuing
// the partial sums in the output; the fused start (zero) applies at the
// first kernel row only, the epilogue (relu) at the last.
// CHECK-LABEL: func.func private @whittle_kernel(%arg0: memref<9x7x2048xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4 step
// CHECK: scf.for %[[KH:.*]] = %{{.*}} to %c3 step
// CHECK: scf.for %{{.*}} = %{{.*}} to %c{{[0-9]+}} step
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[KH]], %{{.*}}
// CHECK: %[[LAST:.*]] = arith.cmpi eq, %[[KH]], %{{.*}}
// CHECK: %[[PARTIAL:.*]] = vector.load %arg2
// CHECK: arith.select %[[FIRST]], %{{.*}}, %[[PARTIAL]] : vector<16xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2048{{.*}} step %{{.*}} iter_args(
// CHECK-NOT: scf.for
// CHECK: vector.fma
// CHECK: scf.yield
// CHECK: arith.maximumf {{.*}} : vector<16xf32>
// CHECK: arith.select %[[LAST]], %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: vector.store
#bx = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0 + d3, d1, d4)>
#bw = affine_map<(d0, d1, d2, d3, d4, d5) -> (d2, d3, d4, d5)>
#bo = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
func.func @conv_blocked(%x: memref<9x7x2048xf32>, %w: memref<4x3x2048x16xf32>, %y: memref<7x7x4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#bx, #bw, #bo], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%x, %w : memref<9x7x2048xf32>, memref<4x3x2048x16xf32>) outs(%y : memref<7x7x4x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %kh = linalg.index 3 : index
    %c = linalg.index 4 : index
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c2047 = arith.constant 2047 : index
    %f0 = arith.cmpi eq, %kh, %c0 : index
    %f1 = arith.cmpi eq, %c, %c0 : index
    %first = arith.andi %f0, %f1 : i1
    %start = arith.select %first, %zero, %o : f32
    %s = math.fma %a, %b, %start : f32
    %relu = arith.maximumf %s, %zero : f32
    %l0 = arith.cmpi eq, %kh, %c2 : index
    %l1 = arith.cmpi eq, %c, %c2047 : index
    %last = arith.andi %l0, %l1 : i1
    %res = arith.select %last, %relu, %s : f32
    linalg.yield %res : f32
  }
  return
}

// -----

// A batched matmul whose right-hand side differs per batch (loops b m nb
// k nr, the rhs read at b): a tile's weight vectors serve all its rows, so
// the rows stay within one batch (no flattening of b with m).
// CHECK-LABEL: func.func private @whittle_kernel(%arg0: memref<4x8x16xf32>
// CHECK-NOT: arith.divui
// CHECK: scf.for %[[B:.*]] = %{{.*}} to %c4 step
// CHECK: vector.load %arg1[%[[B]],
#ba = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>
#bb = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d2, d4)>
#bc = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
func.func @batched_rhs(%x: memref<4x8x16xf32>, %w: memref<4x16x2x16xf32>, %y: memref<4x8x2x16xf32>) {
  linalg.generic {indexing_maps = [#ba, #bb, #bc], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : memref<4x8x16xf32>, memref<4x16x2x16xf32>) outs(%y : memref<4x8x2x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = math.fma %a, %b, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A Winograd output transform whose constant operand is not kron(A^T, A^T)
// for the A^T it carries: the vector code would compute something else,
// so the generic stays (a correct loop nest).
// CHECK-LABEL: func.func @winograd_mismatch
// CHECK: linalg.generic
// CHECK-SAME: whittle.winograd_output
// CHECK-NOT: vector.store
#wm = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d6, d7, d0, d1, d3, d5)>
#wa = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d2, d4, d6, d7)>
#wo = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4, d5)>
memref.global "private" constant @not_kron : memref<2x2x4x4xf32> = dense<1.0>
func.func @winograd_mismatch(%m: memref<4x4x1x2x2x16xf32>, %y: memref<1x2x2x2x2x16xf32>) {
  %a = memref.get_global @not_kron : memref<2x2x4x4xf32>
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#wm, #wa, #wo], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%m, %a : memref<4x4x1x2x2x16xf32>, memref<2x2x4x4xf32>) outs(%y : memref<1x2x2x2x2x16xf32>) attrs = {whittle.winograd_output = array<f64: 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, -1.0, -1.0>} {
  ^bb0(%in: f32, %w: f32, %out: f32):
    %i = linalg.index 6 : index
    %j = linalg.index 7 : index
    %fi = arith.cmpi eq, %i, %c0 : index
    %fj = arith.cmpi eq, %j, %c0 : index
    %first = arith.andi %fi, %fj : i1
    %acc = arith.select %first, %zero, %out : f32
    %s = math.fma %in, %w, %acc : f32
    linalg.yield %s : f32
  }
  return
}
