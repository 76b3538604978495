// RUN: whittle-opt %s -split-input-file -whittle-tile-for-threads | FileCheck %s
// RUN: whittle-opt %s -split-input-file -whittle-tile-for-threads=l2-bytes=8388608 | FileCheck %s --check-prefix=BIGL2

// The batch is 1: the channel dim is split, the rows stay whole inside.
// CHECK-LABEL: func.func @large
// CHECK: scf.forall (%{{.*}}) in (64) shared_outs(%{{.*}} = %arg1) -> (tensor<1x128x32x32xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x32x32xf32>) outs(%{{.*}} : tensor<1x2x32x32xf32>)
// CHECK: scf.forall.in_parallel
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @large(%x: tensor<1x128x32x32xf32>, %o: tensor<1x128x32x32xf32>) -> tensor<1x128x32x32xf32> {
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x128x32x32xf32>) outs(%o : tensor<1x128x32x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x128x32x32xf32>
  return %y : tensor<1x128x32x32xf32>
}

// -----

// Too little work to wake threads for.
// CHECK-LABEL: func.func @small
// CHECK-NOT: scf.forall
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @small(%x: tensor<8x64xf32>, %o: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x64xf32>) outs(%o : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// Only the innermost dim is parallel and long: chunks of at least 64.
// A loop nest with reductions needs 16x the points of an elementwise one
// (here 8192 x 256 = 2M).
// CHECK-LABEL: func.func @vector
// CHECK: scf.forall (%{{.*}}) in (4) shared_outs
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x8192xf32>, tensor<8192x64xf32>)
func.func @vector(%a: tensor<1x8192xf32>, %b: tensor<8192x256xf32>, %o: tensor<1x256xf32>) -> tensor<1x256xf32> {
  %y = linalg.matmul ins(%a, %b : tensor<1x8192xf32>, tensor<8192x256xf32>) outs(%o : tensor<1x256xf32>) -> tensor<1x256xf32>
  return %y : tensor<1x256xf32>
}

// -----

// A matrix-vector product of 4096 x 128 (0.5M multiply-adds) stays whole.
// CHECK-LABEL: func.func @small_contraction
// CHECK-NOT: scf.forall
func.func @small_contraction(%a: tensor<1x4096xf32>, %b: tensor<4096x128xf32>, %o: tensor<1x128xf32>) -> tensor<1x128xf32> {
  %y = linalg.matmul ins(%a, %b : tensor<1x4096xf32>, tensor<4096x128xf32>) outs(%o : tensor<1x128xf32>) -> tensor<1x128xf32>
  return %y : tensor<1x128xf32>
}

// -----

// A reduction of one input (softmax's row max here, 12 x 128 rows of 128)
// is a serial chain per row, as slow per point as an elementwise op: it
// splits at the elementwise threshold (the contraction above, with more
// points, stays whole).
#rows = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#kept = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-LABEL: func.func @row_reduction
// CHECK: scf.forall
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<{{[0-9]+}}x128x128xf32>)
func.func @row_reduction(%x: tensor<12x128x128xf32>, %o: tensor<12x128x1xf32>) -> tensor<12x128x1xf32> {
  %y = linalg.generic {indexing_maps = [#rows, #kept], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : tensor<12x128x128xf32>) outs(%o : tensor<12x128x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %out, %in : f32
    linalg.yield %m : f32
  } -> tensor<12x128x1xf32>
  return %y : tensor<12x128x1xf32>
}

// -----

// A dynamic batch: the static channel dim is split (the batch is often 1).
// CHECK-LABEL: func.func @dynamic_batch
// CHECK: scf.forall (%{{.*}}) in (64) shared_outs(%{{.*}} = %arg1) -> (tensor<?x128x32x32xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x2x32x32xf32>)
#idd = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @dynamic_batch(%x: tensor<?x128x32x32xf32>, %o: tensor<?x128x32x32xf32>) -> tensor<?x128x32x32xf32> {
  %y = linalg.generic {indexing_maps = [#idd, #idd], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<?x128x32x32xf32>) outs(%o : tensor<?x128x32x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?x128x32x32xf32>
  return %y : tensor<?x128x32x32xf32>
}

// -----

// Only dynamic outer extents: the first is split into chunks sized at run
// time; the contiguous one stays whole.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK: scf.forall (%{{.*}}) in (64) shared_outs(%{{.*}} = %arg1) -> (tensor<?x?x256xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x?x256xf32>)
#idd2 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @dynamic_rows(%x: tensor<?x?x256xf32>, %o: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
  %y = linalg.generic {indexing_maps = [#idd2, #idd2], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<?x?x256xf32>) outs(%o : tensor<?x?x256xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// -----

// A dynamic contiguous dim alone is not split (its chunks might not fill a
// vector).
// CHECK-LABEL: func.func @dynamic_inner
// CHECK-NOT: scf.forall
#idd3 = affine_map<(d0) -> (d0)>
func.func @dynamic_inner(%x: tensor<?xf32>, %o: tensor<?xf32>) -> tensor<?xf32> {
  %y = linalg.generic {indexing_maps = [#idd3, #idd3], iterator_types = ["parallel"]} ins(%x : tensor<?xf32>) outs(%o : tensor<?xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// A packed contraction over a 7x7 map (loops oh ow nb c nr): its 7 output
// rows alone would give two threads 4 and 3 chunks; the 8 panels are split
// too, in groups of 4 (a register tile's panels): 7 x 2 chunks.
// CHECK-LABEL: func.func @packed_few_rows
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (7, 2) shared_outs
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x7x256xf32>, tensor<4x256x16xf32>) outs(%{{.*}} : tensor<1x7x4x16xf32>) attrs = {whittle.packed_contraction}
#px = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3)>
#pw = affine_map<(d0, d1, d2, d3, d4) -> (d2, d3, d4)>
#po = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
func.func @packed_few_rows(%x: tensor<7x7x256xf32>, %w: tensor<8x256x16xf32>, %o: tensor<7x7x8x16xf32>) -> tensor<7x7x8x16xf32> {
  %y = linalg.generic {indexing_maps = [#px, #pw, #po], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%x, %w : tensor<7x7x256xf32>, tensor<8x256x16xf32>) outs(%o : tensor<7x7x8x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = math.fma %a, %b, %c : f32
    linalg.yield %r : f32
  } -> tensor<7x7x8x16xf32>
  return %y : tensor<7x7x8x16xf32>
}

// -----

// 112 channels in at most 64 chunks: 56 chunks of 2 (64 chunks of 2 would
// leave 8 empty, and the threads' shares of the chunks unequal).
// CHECK-LABEL: func.func @no_empty_chunks
// CHECK: scf.forall (%{{.*}}) in (56) shared_outs
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x32x32xf32>)
#id112 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @no_empty_chunks(%x: tensor<1x112x32x32xf32>, %o: tensor<1x112x32x32xf32>) -> tensor<1x112x32x32xf32> {
  %y = linalg.generic {indexing_maps = [#id112, #id112], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x112x32x32xf32>) outs(%o : tensor<1x112x32x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    %r = arith.addf %a, %a : f32
    linalg.yield %r : f32
  } -> tensor<1x112x32x32xf32>
  return %y : tensor<1x112x32x32xf32>
}

// -----

// A conv (loops oh ow nb kh c nr) whose filter panels (3 x 512 x 16 x 32,
// 3 MB) exceed the L2 cache: chunks of output rows would each stream all
// of it; the 32 panels are split instead, in 8 groups of 4.
// CHECK-LABEL: func.func @packed_large_filter
// CHECK: scf.forall (%{{.*}}) in (8) shared_outs
// With an 8 MB L2 (the target's l2Bytes) the filter fits: chunks of the 7
// output rows, crossed with panel groups as for any 7-row map.
// BIGL2-LABEL: func.func @packed_large_filter
// BIGL2: scf.forall (%{{.*}}, %{{.*}}) in (7, 8) shared_outs
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<9x7x512xf32>, tensor<4x3x512x16xf32>) outs(%{{.*}} : tensor<7x7x4x16xf32>) attrs = {whittle.packed_contraction}
#cx = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0 + d3, d1, d4)>
#cw = affine_map<(d0, d1, d2, d3, d4, d5) -> (d2, d3, d4, d5)>
#co = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
func.func @packed_large_filter(%x: tensor<9x7x512xf32>, %w: tensor<32x3x512x16xf32>, %o: tensor<7x7x32x16xf32>) -> tensor<7x7x32x16xf32> {
  %y = linalg.generic {indexing_maps = [#cx, #cw, #co], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%x, %w : tensor<9x7x512xf32>, tensor<32x3x512x16xf32>) outs(%o : tensor<7x7x32x16xf32>) attrs = {whittle.packed_contraction} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %r = math.fma %a, %b, %c : f32
    linalg.yield %r : f32
  } -> tensor<7x7x32x16xf32>
  return %y : tensor<7x7x32x16xf32>
}
